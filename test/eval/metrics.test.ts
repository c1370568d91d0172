import t from 'tap';
import { expandConfigs } from '../../src/eval/configs.js';
import { busyMilliseconds, configMetrics } from '../../src/eval/metrics.js';
import { record } from './records.js';

t.test('busy time is the union of request intervals', async (t) => {
  t.equal(busyMilliseconds([]), 0);
  t.equal(busyMilliseconds([[0, 10]]), 10);
  t.equal(
    busyMilliseconds([
      [0, 10],
      [5, 20],
      [30, 40],
    ]),
    30,
    'overlap merged, the gap excluded',
  );
  t.equal(
    busyMilliseconds([
      [30, 40],
      [0, 10],
      [2, 3],
    ]),
    20,
    'order and nesting do not matter',
  );
});

t.test('per-configuration metrics', async (t) => {
  const [config] = expandConfigs({
    presets: ['selar'],
    taus: [0.5],
    n: 1,
    temperature: 1,
    topP: 1,
    selar: {},
    maxTokens: null,
  });
  const records = [
    record({
      problem: 'a',
      steps: 1,
      correct: true,
      completion_tokens: 10,
      soft_tokens: 2,
      started_at: 0,
      ended_at: 1000,
    }),
    record({
      problem: 'b',
      steps: 1,
      correct: false,
      predicted: null,
      completion_tokens: 30,
      soft_tokens: 6,
      started_at: 500,
      ended_at: 2000,
      finish_reason: 'length',
    }),
    record({
      problem: 'c',
      steps: 3,
      correct: true,
      completion_tokens: 20,
      soft_tokens: 2,
      started_at: 3000,
      ended_at: 4000,
    }),
    record({
      problem: 'd',
      steps: null,
      correct: false,
      predicted: 5,
      completion_tokens: 20,
      soft_tokens: 0,
      started_at: 3000,
      ended_at: 4000,
      concurrency: 4,
    }),
  ];
  const m = configMetrics(config, records);
  t.match(m, {
    config: 'selar@0.5',
    preset: 'selar',
    mode: 'selar',
    tau: 0.5,
    sampled: false,
    count: 4,
    correct: 2,
    accuracy: 0.5,
    problems: 4,
  });
  t.same(Object.keys(m.bySteps), ['1', '3', 'unknown']);
  t.match(m.bySteps['1'], { count: 2, correct: 1, accuracy: 0.5 });
  t.match(m.bySteps['3'], { count: 1, correct: 1, accuracy: 1 });
  t.equal(m.meanCompletionTokens, 20);
  t.equal(m.softRatio, 10 / 80);
  t.equal(m.wallSeconds, 3, '0–2 s and 3–4 s busy');
  t.equal(m.tokensPerSecond, 80 / 3);
  t.same(m.concurrency, [2, 4]);
  t.equal(m.unanswered, 1);
  t.equal(m.truncated, 1);
  t.ok(m.ci95.low < 0.5 && m.ci95.high > 0.5);
});

t.test('soft ratio is null when the server reports no soft tokens; empty input is safe', async (t) => {
  const [config] = expandConfigs({
    presets: ['off-greedy'],
    taus: [],
    n: 1,
    temperature: 1,
    topP: 1,
    selar: {},
    maxTokens: null,
  });
  t.equal(configMetrics(config, [record({ soft_tokens: null })]).softRatio, null);
  const empty = configMetrics(config, []);
  t.match(empty, { count: 0, accuracy: 0, tokensPerSecond: 0, meanCompletionTokens: 0, softRatio: null });
  t.same(empty.ci95, { low: 0, high: 1 });
});
