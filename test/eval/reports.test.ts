import t from 'tap';
import { expandConfigs } from '../../src/eval/configs.js';
import { configMetrics, type ConfigMetrics } from '../../src/eval/metrics.js';
import { accuracyPlot, escapeXml } from '../../src/eval/plot-svg.js';
import { markdownReport, markdownTable } from '../../src/eval/report-markdown.js';
import type { EvalSummary } from '../../src/eval/summary.js';
import { record } from './records.js';
import { findAll, parseXml } from './xml-check.js';

const configs = expandConfigs({
  presets: ['off-greedy', 'off-sampled', 'selar', 'soft'],
  taus: [0.3, 0.7],
  n: 2,
  temperature: 0.7,
  topP: 0.95,
  selar: {},
  maxTokens: null,
});
// Accuracies: off-greedy 1/2, off-sampled 3/4, selar@0.3 2/2, selar@0.7 0/2, soft 1/2.
const correctness: Record<string, boolean[]> = {
  'off-greedy': [true, false],
  'off-sampled': [true, true, true, false],
  'selar@0.3': [true, true],
  'selar@0.7': [false, false],
  soft: [false, true],
};
const metrics: ConfigMetrics[] = configs.map((c) =>
  configMetrics(
    c,
    correctness[c.name].map((correct, i) =>
      record({
        config: c.name,
        problem: `p${i % 2}`,
        sample: Math.floor(i / 2),
        steps: i % 2 === 0 ? 3 : 4,
        correct,
        completion_tokens: 40,
        soft_tokens: c.mode === 'off' ? 0 : 10,
        started_at: 0,
        ended_at: 2000,
      }),
    ),
  ),
);

t.test('Markdown table: one row per configuration, a column per steps group', async (t) => {
  const table = markdownTable(metrics, 2);
  const lines = table.split('\n');
  t.equal(lines.length, 2 + configs.length);
  t.equal(
    lines[0],
    '| configuration | accuracy | 95% CI | 3-step | 4-step | mean tokens | soft ratio | tokens/s (concurrency ' +
      '2) | count |',
  );
  t.equal(lines[1], '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  t.equal(lines[2], '| `off-greedy` | 50.0% | 9.5%–90.5% | 100.0% (1) | 0.0% (1) | 40.0 | 0.0% | 40.0 | 2 |');
  t.equal(lines[3], '| `off-sampled` | 75.0% | 30.1%–95.4% | 100.0% (2) | 50.0% (2) | 40.0 | 0.0% | 80.0 | 4 |');
  t.match(lines[4], /^\| `selar@0\.3` \| 100\.0% \| 34\.2%–100\.0% \|.*\| 25\.0% \|/);
});

t.test('a resumed run at another concurrency says so in the tokens/s cell', async (t) => {
  t.match(markdownTable(metrics, 8).split('\n')[2], /\| 40\.0 \(concurrency 2\) \|/);
});

t.test('the steps columns disappear for a dataset without steps', async (t) => {
  const plain = configMetrics(configs[0], [record({ steps: null })]);
  t.equal(
    markdownTable([plain], 1).split('\n')[0],
    '| configuration | accuracy | 95% CI | mean tokens | soft ratio | tokens/s (concurrency 1) | count |',
  );
});

t.test('the Markdown report names the command, dataset and samples', async (t) => {
  const summary: EvalSummary = {
    createdAt: '2026-01-01T00:00:00.000Z',
    command: 'selar eval --model m --out o',
    model: 'm',
    endpoint: 'in-process server (m)',
    dataset: { path: 'd.jsonl', problems: 2, bySteps: { 3: 1, 4: 1 } },
    concurrency: 2,
    configs: configs.map((c) => ({ name: c.name, preset: c.preset, samples: c.samples, request: c.request })),
    metrics,
  };
  const md = markdownReport(summary);
  t.match(md, '- command: `selar eval --model m --out o`');
  t.match(md, '2 problems (1 × 3-step, 1 × 4-step)');
  t.match(md, '2 seeded samples per problem');
  t.match(md, markdownTable(metrics, 2));
});

t.test('SVG plot: well-formed, one point per τ, reference lines for off and soft', async (t) => {
  const svg = accuracyPlot(metrics, 'demo <model> & "friends"');
  const root = parseXml(svg);
  t.equal(root.name, 'svg');
  t.equal(root.attrs.xmlns, 'http://www.w3.org/2000/svg');
  const title = findAll(root, (e) => e.name === 'title')[0];
  t.equal(title.text, escapeXml('demo <model> & "friends"'), 'the title is escaped');

  const points = findAll(root, (e) => e.name === 'circle' && e.attrs.class === 'point');
  t.same(
    points.map((p) => [p.attrs['data-config'], Number(p.attrs['data-tau']), Number(p.attrs['data-accuracy'])]),
    [
      ['selar@0.3', 0.3, 1],
      ['selar@0.7', 0.7, 0],
    ],
  );
  // Plot area: x from 64 to 530 (τ 0..1), y from 384 (0%) to 40 (100%).
  t.same(
    points.map((p) => [Number(p.attrs.cx), Number(p.attrs.cy)]),
    [
      [203.8, 40],
      [390.2, 384],
    ],
  );
  const line = findAll(root, (e) => e.name === 'polyline');
  t.equal(line.length, 1);
  t.equal(line[0].attrs['data-preset'], 'selar');
  t.equal(line[0].attrs.points, '203.8,40 390.2,384');

  const refs = findAll(root, (e) => e.attrs.class === 'reference');
  t.same(
    refs.map((r) => [r.attrs['data-config'], Number(r.attrs['data-accuracy']), Number(r.attrs.y1)]),
    [
      ['off-greedy', 0.5, 212],
      ['off-sampled', 0.75, 126],
      ['soft', 0.5, 212],
    ],
  );
  t.equal(findAll(root, (e) => e.attrs.class === 'ci').length, 2, 'an error bar per point');
});

t.test('the XML checker rejects what is not well-formed', async (t) => {
  t.throws(() => parseXml('<svg><g></svg>'), /closes/);
  t.throws(() => parseXml('<svg a=1/>'), /quoted/);
  t.throws(() => parseXml('<svg>a & b</svg>'), /entity/);
  t.throws(() => parseXml('<svg>'), /never closed/);
});
