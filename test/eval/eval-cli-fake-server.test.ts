// End to end through `selar eval --server`: a fake OpenAI-compatible server
// checks what the harness sends, and scripted replies fix what it must compute.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { runEval } from '../../src/cli/eval.js';
import { sampleSeed } from '../../src/eval/configs.js';
import { problemId } from '../../src/eval/dataset.js';
import type { EvalSummary } from '../../src/eval/summary.js';
import { startFakeOpenAi, type ScriptedReply } from './fake-openai.js';
import { parseXml, findAll } from './xml-check.js';

const questions = [
  { question: 'Ann has 3 apples and buys 4 more. How many?', answer: '3 + 4 = 7\n#### 7', steps: 1 },
  { question: 'Bo has 1,200 coins and spends 200. How many?', answer: '#### 1,000', steps: 2 },
  { question: 'A train goes 60 km/h for 3 hours, then 40 more km. How far?', answer: '#### 220', steps: 2 },
  { question: 'This question is filtered out by --steps.', answer: '#### 1', steps: 4 },
];
const gold = [7, 1000, 220];

// off greedy: right; off sampled: right iff the seed is even; selar: right below τ 0.5,
// and otherwise answers through the reasoning with empty content; soft: always wrong.
function script(body: Record<string, any>): ScriptedReply {
  const i = questions.findIndex((q) => q.question === body.messages.at(-1).content);
  const mode = body.selar.mode as string;
  if (mode === 'off' && body.temperature === 0)
    return { content: `<answer> The answer is ${gold[i]}.`, completionTokens: 10, softTokens: 0 };
  if (mode === 'off')
    return {
      content: `The answer is ${body.seed % 2 === 0 ? gold[i] : gold[i] + 1}.`,
      completionTokens: 20,
      softTokens: 0,
    };
  if (mode === 'selar' && body.selar.entropy_threshold < 0.5)
    return { content: `\\boxed{${gold[i].toLocaleString('en-US')}}`, completionTokens: 30, softTokens: 6 };
  if (mode === 'selar')
    return {
      content: '',
      reasoning: `so it is ${gold[i]}`,
      completionTokens: 40,
      softTokens: 4,
      finishReason: 'length',
    };
  return { content: 'I think 5', completionTokens: 50, softTokens: 50 };
}

function capture() {
  let out = '';
  let err = '';
  return {
    io: {
      out: (s: string) => {
        out += s;
      },
      progress: {
        write: (s: string) => {
          err += s;
        },
        isTTY: false,
      },
    },
    out: () => out,
    err: () => err,
  };
}

t.test('requests, seeds, metrics and files; a rerun resumes without requests', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eval-e2e-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const dataset = path.join(dir, 'd.jsonl');
  fs.writeFileSync(dataset, questions.map((q) => JSON.stringify(q)).join('\n') + '\n');
  const server = await startFakeOpenAi(script);
  t.teardown(() => server.close());
  const out = path.join(dir, 'out');
  const argv = [
    '--server',
    server.url,
    '--api-key',
    'sk-test',
    '--dataset',
    dataset,
    '--steps',
    '1,2',
    '--taus',
    '0.3,0.7',
    '--n',
    '2',
    '--temperature',
    '0.8',
    '--top-p',
    '0.9',
    '--selar-top-k',
    '4',
    '--contrastive-weight',
    '0.5',
    '--concurrency',
    '3',
    '--out',
    out,
  ];
  const c = capture();
  t.equal(await runEval(argv, c.io), 0, c.err());

  // 3 problems × (off-greedy 1 + off-sampled 2 + selar@0.3 1 + selar@0.7 1 + soft 1)
  t.equal(server.requests.length, 18);
  t.ok(server.requests.every((r) => r.authorization === 'Bearer sk-test' && r.body.model === 'fake-model'));
  const of = (pred: (b: Record<string, any>) => boolean) => server.requests.map((r) => r.body).filter(pred);
  const sampled = of((b) => b.selar.mode === 'off' && b.temperature > 0);
  t.equal(sampled.length, 6);
  for (const b of sampled) {
    t.same(Object.keys(b).sort(), ['messages', 'model', 'seed', 'selar', 'temperature', 'top_p']);
    t.same([b.temperature, b.top_p, b.selar], [0.8, 0.9, { mode: 'off' }]);
  }
  const expectedSeeds = questions
    .slice(0, 3)
    .flatMap((q) => [0, 1].map((s) => sampleSeed(problemId(q.question), s, 0)))
    .sort();
  t.same(sampled.map((b) => b.seed).sort(), expectedSeeds, 'seeds derive from (problem, sample)');
  for (const b of of((b) => b.temperature === 0))
    t.notOk('seed' in b || 'top_p' in b, 'greedy requests carry no seed or top_p');
  t.same(
    of((b) => b.selar.mode === 'selar')
      .map((b) => b.selar)
      .sort((a, b) => a.entropy_threshold - b.entropy_threshold)[0],
    { mode: 'selar', top_k: 4, contrastive_weight: 0.5, entropy_threshold: 0.3 },
  );
  t.same(of((b) => b.selar.mode === 'soft')[0].selar, { mode: 'soft', top_k: 4, contrastive_weight: 0.5 });
  t.same(
    of((b) => b.selar.mode === 'off' && b.temperature === 0)[0].selar,
    { mode: 'off' },
    'tuning flags do not reach off',
  );
  t.same(server.requests[0].body.messages, [{ role: 'user', content: questions[0].question }]);

  const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')) as EvalSummary;
  const m = Object.fromEntries(summary.metrics.map((x) => [x.config, x]));
  t.same(Object.keys(m), ['off-greedy', 'off-sampled', 'selar@0.3', 'selar@0.7', 'soft']);
  const evenSeeds = expectedSeeds.filter((s) => s % 2 === 0).length;
  t.match(m['off-greedy'], { count: 3, correct: 3, accuracy: 1, meanCompletionTokens: 10, softRatio: 0 });
  t.match(m['off-sampled'], { count: 6, correct: evenSeeds, problems: 3, samplesPerProblem: 2 });
  t.match(m['selar@0.3'], { count: 3, correct: 3, meanCompletionTokens: 30, softRatio: 0.2 });
  t.match(
    m['selar@0.7'],
    { count: 3, correct: 3, truncated: 3, softRatio: 0.1 },
    'graded from the reasoning when content is empty',
  );
  t.match(m.soft, { count: 3, correct: 0, softRatio: 1 });
  t.same(Object.keys(m['off-greedy'].bySteps), ['1', '2']);
  t.equal(m['off-greedy'].bySteps['2'].count, 2);
  t.ok(m.soft.tokensPerSecond > 0 && Number.isFinite(m.soft.tokensPerSecond));
  t.same(summary.dataset.bySteps, { 1: 1, 2: 2 });
  t.equal(summary.concurrency, 3);
  t.notMatch(summary.command, 'sk-test', 'the API key is not written out');
  t.match(summary.command, `--out ${out}`);

  t.equal(fs.readFileSync(path.join(out, 'results.jsonl'), 'utf8').trim().split('\n').length, 18);
  t.match(fs.readFileSync(path.join(out, 'summary.md'), 'utf8'), '| `selar@0.7` | 100.0% |');
  const svg = parseXml(fs.readFileSync(path.join(out, 'accuracy-vs-tau.svg'), 'utf8'));
  t.equal(findAll(svg, (e) => e.attrs.class === 'point').length, 2);
  t.equal(findAll(svg, (e) => e.attrs.class === 'reference').length, 3);
  t.match(c.out(), '| `off-greedy` | 100.0% |');
  t.match(c.err(), /selar eval: 18\/18 100% soft/, 'a plain progress line when stderr is not a terminal');

  const again = capture();
  t.equal(await runEval(argv, again.io), 0, again.err());
  t.equal(server.requests.length, 18, 'the rerun sent nothing');
  t.match(again.err(), 'resuming');
  const resumed = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')) as EvalSummary;
  t.same(
    resumed.metrics.map((x) => [x.config, x.correct, x.count]),
    summary.metrics.map((x) => [x.config, x.correct, x.count]),
  );
});

t.test('a rejected request stops the run with a message that says how to resume', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eval-e2e-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const dataset = path.join(dir, 'd.jsonl');
  fs.writeFileSync(dataset, questions.map((q) => JSON.stringify(q)).join('\n'));
  const server = await startFakeOpenAi((b) =>
    b.selar.mode === 'soft' ? { status: 400, content: '', completionTokens: 0 } : script(b),
  );
  t.teardown(() => server.close());
  const c = capture();
  const code = await runEval(
    [
      '--server',
      `${server.url}/v1/`,
      '--dataset',
      dataset,
      '--presets',
      'off-greedy,soft',
      '--concurrency',
      '1',
      '--out',
      path.join(dir, 'o'),
    ],
    c.io,
  );
  t.equal(code, 1);
  t.match(c.err(), /HTTP 400: scripted 400/);
  t.match(c.err(), /rerun the same command with --out .*\/o to resume/);
  t.equal(
    server.requests.length,
    5,
    'four off-greedy requests, then the first soft one failed and nothing more was sent',
  );
  t.equal(
    fs
      .readFileSync(path.join(dir, 'o', 'results.jsonl'), 'utf8')
      .trim()
      .split('\n').length,
    4,
  );
});

t.test('--plain talks to an endpoint without the selar extension', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eval-e2e-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const dataset = path.join(dir, 'd.jsonl');
  fs.writeFileSync(dataset, questions.map((q) => JSON.stringify(q)).join('\n'));
  // A vanilla endpoint: rejects unknown fields, reports no soft tokens.
  const server = await startFakeOpenAi(
    (b) =>
      'selar' in b
        ? { status: 400, content: '', completionTokens: 0 }
        : { content: 'The answer is 7.', completionTokens: 5 },
    'gpt-x',
  );
  t.teardown(() => server.close());
  const c = capture();
  t.equal(
    await runEval(
      [
        '--server',
        server.url,
        '--plain',
        '--dataset',
        dataset,
        '--limit',
        '2',
        '--n',
        '1',
        '--out',
        path.join(dir, 'o'),
      ],
      c.io,
    ),
    0,
    c.err(),
  );
  t.equal(server.requests.length, 4);
  t.ok(server.requests.every((r) => r.body.model === 'gpt-x' && !('selar' in r.body)));
  const summary = JSON.parse(fs.readFileSync(path.join(dir, 'o', 'summary.json'), 'utf8')) as EvalSummary;
  t.same(
    summary.metrics.map((m) => [m.config, m.correct, m.count, m.softRatio]),
    [
      ['off-greedy', 1, 2, null],
      ['off-sampled', 1, 2, null],
    ],
  );
  t.match(c.out(), /\| `off-greedy` \| 50\.0% \|.*\| n\/a \|/);
});

t.test('usage errors exit 2 and --help prints the usage', async (t) => {
  const c = capture();
  t.equal(await runEval(['--model', 'm', '--taus', '2'], c.io), 2);
  t.match(c.err(), '--taus: τ must lie in [0, 1], got 2');
  const h = capture();
  t.equal(await runEval(['--help'], h.io), 0);
  t.match(h.out(), /^usage: selar eval \(--model DIR \| --server URL\)/);
  t.match(h.out(), 'selar-sampled');
  const d = capture();
  t.equal(await runEval(['--server', 'http://127.0.0.1:9', '--dataset', '/nonexistent.jsonl'], d.io), 1);
  t.match(d.err(), 'cannot read dataset /nonexistent.jsonl');
});

t.test('--ablation: random copies the soft rate selar produced at each τ; hot and random are seeded', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eval-ablation-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const dataset = path.join(dir, 'd.jsonl');
  fs.writeFileSync(dataset, questions.map((q) => JSON.stringify(q)).join('\n') + '\n');
  const reply = (body: Record<string, any>): ScriptedReply => {
    const i = questions.findIndex((q) => q.question === body.messages.at(-1).content);
    // selar@0.3 goes soft on 6 of 30 tokens, selar@0.7 on 4 of 40.
    if (body.selar.mode === 'selar' && !body.selar.entropy)
      return body.selar.entropy_threshold < 0.5
        ? { content: `The answer is ${gold[i]}.`, completionTokens: 30, softTokens: 6 }
        : { content: 'no', completionTokens: 40, softTokens: 4 };
    return {
      content: `The answer is ${gold[i]}.`,
      completionTokens: 10,
      softTokens: body.selar.mode === 'soft' ? 10 : 0,
    };
  };
  const server = await startFakeOpenAi(reply);
  t.teardown(() => server.close());
  const out = path.join(dir, 'out');
  const c = capture();
  const argv = [
    '--server',
    server.url,
    '--dataset',
    dataset,
    '--steps',
    '1,2',
    '--taus',
    '0.3,0.7',
    '--n',
    '1',
    '--ablation',
    '--out',
    out,
  ];
  t.equal(await runEval(argv, c.io), 0, c.err());
  const bodies = server.requests.map((r) => r.body);
  const random = bodies.filter((b) => b.selar.mode === 'random');
  t.equal(random.length, 6, 'random at each τ for each problem');
  for (const b of random) {
    t.equal(b.selar.soft_rate, b.selar.entropy_threshold < 0.5 ? 0.2 : 0.1, 'the soft ratio selar produced at that τ');
    t.type(b.seed, 'number');
    t.equal(b.temperature, 0);
  }
  const hot = bodies.filter((b) => b.selar.mode === 'hot');
  t.equal(hot.length, 6);
  t.ok(hot.every((b) => typeof b.seed === 'number'));
  t.equal(bodies.filter((b) => b.selar.entropy === 'full').length, 6, 'selar-full at each τ');
  const softThinking = bodies.filter((b) => b.selar.mode === 'soft_thinking');
  t.equal(softThinking.length, 6, 'soft-thinking and soft-thinking-dirichlet for each problem');
  t.ok(softThinking.every((b) => b.temperature === 0 && b.selar.contrastive_weight === undefined));
  t.ok(softThinking.filter((b) => b.selar.noise === 'dirichlet').every((b) => typeof b.seed === 'number'));
  // Every random request came after every selar request it depends on.
  const requestBodies = server.requests.map((r) => r.body);
  const lastSelar = requestBodies.reduce((last, b, i) => (b.selar.mode === 'selar' && !b.selar.entropy ? i : last), -1);
  const firstRandom = requestBodies.findIndex((b) => b.selar.mode === 'random');
  t.ok(firstRandom > lastSelar);
  const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')) as EvalSummary;
  t.same(
    summary.metrics.map((m) => m.config),
    [
      'off-greedy',
      'off-sampled',
      'soft',
      'selar@0.3',
      'selar@0.7',
      'random@0.3',
      'random@0.7',
      'hot@0.3',
      'hot@0.7',
      'selar-full@0.3',
      'selar-full@0.7',
      'soft-thinking',
      'soft-thinking-dirichlet',
    ],
  );
  // A rerun resumes everything, the dependent configurations included.
  const before = server.requests.length;
  t.equal(await runEval(argv, capture().io), 0);
  t.equal(server.requests.length, before, 'nothing re-sent');
  t.equal(
    await runEval([...argv, '--presets', 'selar'], capture().io),
    2,
    '--ablation with --presets is a usage error',
  );
});
