// `selar eval --model`: the real engine and server, in-process, on a tiny
// random-weight model. Accuracy is meaningless here; the path is what is tested.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { runEval } from '../../src/cli/eval.js';
import type { ResultRecord } from '../../src/eval/results-file.js';
import type { EvalSummary } from '../../src/eval/summary.js';
import { llamaModel } from '../support/models.js';

t.test('--model starts the server in-process, evaluates, and shuts it down', async (t) => {
  const model = await llamaModel();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eval-model-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const dataset = path.join(dir, 'd.jsonl');
  fs.writeFileSync(
    dataset,
    ['What is 2 + 3?', 'What is 4 * 5?', 'Not reached']
      .map((q, i) => JSON.stringify({ question: q, answer: `#### ${i}`, steps: 1 }))
      .join('\n'),
  );
  const out = path.join(dir, 'out');
  let stdout = '';
  let stderr = '';
  const io = {
    out: (s: string) => {
      stdout += s;
    },
    progress: {
      write: (s: string) => {
        stderr += s;
      },
      isTTY: false,
    },
  };
  const code = await runEval(
    [
      '--model',
      model,
      '--workers',
      '1',
      '--dataset',
      dataset,
      '--limit',
      '2',
      '--presets',
      'off-greedy,selar-sampled,soft',
      '--taus',
      '0',
      '--n',
      '1',
      '--max-tokens',
      '6',
      '--concurrency',
      '2',
      '--out',
      out,
    ],
    io,
  );
  t.equal(code, 0, stderr);
  const records = fs
    .readFileSync(path.join(out, 'results.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as ResultRecord);
  t.equal(records.length, 6);
  for (const r of records) {
    t.ok(r.completion_tokens >= 1 && r.completion_tokens <= 6, `${r.config}: ${r.completion_tokens} tokens`);
    t.equal(typeof r.soft_tokens, 'number', 'our server reports soft tokens');
  }
  const soft = (name: string) => records.filter((r) => r.config === name).map((r) => r.soft_tokens!);
  t.same(soft('off-greedy'), [0, 0], 'off never feeds a soft step');
  // τ = 0: every step passes the gate, like soft, except forced-discrete math tokens and the last token.
  t.ok(soft('soft').every((n, i) => n > 0 && n <= records.filter((r) => r.config === 'soft')[i].completion_tokens));
  t.ok(soft('selar-sampled@0').every((n) => n > 0));
  const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')) as EvalSummary;
  t.match(summary.endpoint, /^in-process server/);
  t.equal(summary.metrics.length, 3);
  t.match(stdout, '| `soft` |');
});
