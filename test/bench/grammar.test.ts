// The engine:schema row: planned at concurrency 1 only, on both models, and compared
// with engine:off in the report (paired ratio, the grammar's cost per token, the goal).
import t from 'tap';
import { parseBenchArgs } from '../../bench/args.js';
import { schemaComparison, schemaLine } from '../../bench/grammar-report.js';
import { buildPlan } from '../../bench/plan.js';
import { renderMarkdown } from '../../bench/render.js';
import type { BenchResults, ModelResult, ResultRow } from '../../bench/results.js';
import type { SystemId } from '../../bench/plan.js';
import type { RunMetrics } from '../../bench/stats.js';

t.test('the schema row runs at concurrency 1 on both models, and alone with --systems', async (t) => {
  const all = buildPlan(parseBenchArgs([]));
  for (const plan of all) {
    const schema = plan.configs.filter((c) => c.system === 'engine:schema');
    t.same(
      schema.map((c) => c.concurrency),
      [1],
      `${plan.role}: concurrency 1 only`,
    );
    const off = plan.configs.find((c) => c.system === 'engine:off' && c.concurrency === 1)!;
    t.equal(schema[0].tokens, off.tokens, `${plan.role}: as many tokens as the unconstrained row`);
  }
  const only = buildPlan(parseBenchArgs(['--systems', 'engine:off,engine:schema', '--concurrency', '1']));
  t.same(
    only.map((p) => p.configs.map((c) => c.system)),
    [
      ['engine:off', 'engine:schema'],
      ['engine:off', 'engine:schema'],
    ],
  );
});

function row(system: SystemId, decodeTps: number[]): ResultRow {
  const runs = decodeTps.map((tps) => ({ decodeTps: tps, aggregateTps: tps }) as RunMetrics);
  const sorted = [...decodeTps].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  return {
    system,
    concurrency: 1,
    tokens: 128,
    runs,
    summary: {
      runs: runs.length,
      decodeTps: median,
      aggregateTps: median,
      ttftMs: 5,
      softFraction: 0,
      mainThreadBusy: 0.3,
      spread: 0.02,
    },
  };
}

function model(rows: ResultRow[]): ModelResult {
  const snap = { at: '2026-01-01T09:00:00Z', loadAverage: [1.5, 1, 1] as [number, number, number], busiest: [] };
  return {
    model: {
      role: 'demo',
      name: 'demo-model',
      origin: 'test',
      shape: { hidden: 256, layers: 4, heads: 4, kvHeads: 2, intermediate: 704, vocab: 512 },
    },
    promptTokens: [10],
    repeats: { 1: 3 },
    rows,
    skipped: [],
    engine: { workers: 1, threadsPerWorker: 1, maxSequencesPerWorker: 1 },
    measured: {
      startedAt: '2026-01-01T09:00:00.000Z',
      finishedAt: '2026-01-01T09:05:00.000Z',
      load: { start: snap, end: snap },
      source: { commit: 'abc1234', dirtySrc: [] },
    },
  };
}

t.test('the comparison: paired ratio, cost per token and the goal', async (t) => {
  // Per round: 0.95, 0.8, 0.9 → median 0.9.
  const m = model([row('engine:off', [200, 250, 300]), row('engine:schema', [190, 200, 270])]);
  const c = schemaComparison(m)!;
  t.equal(c.offTps, 250);
  t.equal(c.schemaTps, 200);
  t.equal(c.ratio, 0.9);
  t.equal(c.costMs.toFixed(3), (1000 / 200 - 1000 / 250).toFixed(3));
  t.match(schemaLine(m), /200\.0 vs 250\.0 tok\/s, ratio 0\.900 \(within the goal/);
  const slow = model([row('engine:off', [200, 200, 200]), row('engine:schema', [100, 100, 100])]);
  t.match(schemaLine(slow), /ratio 0\.500 \(\*\*outside\*\* the goal/);
  t.equal(schemaComparison(model([row('engine:off', [200])])), null, 'no schema row, no comparison');
  t.equal(schemaLine(model([row('engine:off', [200])])), '');
});

t.test('results.md shows the row and the comparison under the model table', async (t) => {
  const m = model([row('engine:off', [200, 250, 300]), row('engine:schema', [190, 200, 270])]);
  const snapshot = m.measured.load.start;
  const results: BenchResults = {
    version: 1,
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:10:00.000Z',
    durationS: 600,
    options: parseBenchArgs(['--systems', 'engine:off,engine:schema', '--concurrency', '1']),
    machine: {
      cpuModel: 'Test CPU',
      cores: 2,
      memoryGiB: 8,
      os: 'Linux',
      node: 'v20',
      onnxruntimeNode: '1.30.0',
      transformersJs: '4.3.2',
      transformersOnnxruntimeNode: '1.30.0',
    },
    source: { commit: 'abc1234', dirtySrc: [] },
    load: { start: snapshot, end: snapshot },
    models: [m],
    targets: [],
    profile: null,
  } as BenchResults;
  const md = renderMarkdown(results);
  t.match(md, /\| engine, selar off, JSON schema \(response_format\) \| 1 \| 128 \|/);
  t.match(md, /JSON schema vs the same request unconstrained \(c=1\): 200\.0 vs 250\.0 tok\/s, ratio 0\.900/);
});
