import t from 'tap';
import { renderMarkdown, vsFloor } from '../../bench/render.js';
import { rowRatio, type BenchResults, type ModelResult, type ResultRow } from '../../bench/results.js';
import type { SystemId } from '../../bench/plan.js';
import { checkTargets } from '../../bench/targets.js';
import type { ModelProfile } from '../../bench/profile.js';

function row(
  system: SystemId,
  concurrency: number,
  decodeTps: number,
  aggregateTps: number,
  softFraction = 0,
): ResultRow {
  return {
    system,
    concurrency,
    tokens: 32,
    runs: [],
    summary: { runs: 3, decodeTps, aggregateTps, ttftMs: 20, softFraction, mainThreadBusy: 0.5, spread: 0.05 },
  };
}

function model(role: 'demo' | 'large', rows: ResultRow[]): ModelResult {
  const shape = { hidden: 256, layers: 4, heads: 4, kvHeads: 2, intermediate: 704, vocab: 512 };
  const snap = { at: '2026-01-01T09:00:00Z', loadAverage: [1.5, 1, 1] as [number, number, number], busiest: [] };
  const measured = {
    startedAt: '2026-01-01T09:00:00.000Z',
    finishedAt: '2026-01-01T09:05:00.000Z',
    load: { start: snap, end: snap },
    source: { commit: 'abc1234', dirtySrc: [] },
  };
  const engine = { workers: 2, threadsPerWorker: 1, maxSequencesPerWorker: 16 };
  return {
    model: { role, name: `${role}-model`, origin: 'test', shape },
    promptTokens: [10, 12],
    repeats: { 1: 3, 16: 3 },
    rows,
    skipped: [],
    engine,
    measured,
  };
}

const demo = model('demo', [
  row('floor', 1, 400, 300),
  row('floor', 16, 100, 2400),
  row('engine:off', 1, 200, 150),
  row('engine:off', 16, 20, 300),
  row('engine:padded', 16, 30, 600),
  row('engine:selar', 1, 190, 140, 0.5),
  row('http:off', 1, 196, 140),
  row('transformers.js', 1, 50, 40),
]);
const large = model('large', [row('floor', 1, 10, 9), row('engine:off', 1, 9.5, 9)]);

t.test('each target is a ratio against its threshold', async (t) => {
  const byId = new Map(checkTargets([demo, large]).map((c) => [c.id, c]));
  t.equal(byId.get('engine-vs-floor')!.ratio, 0.95);
  t.equal(byId.get('engine-vs-floor')!.pass, true);
  t.equal(byId.get('engine-vs-transformers')!.ratio, 4);
  t.equal(byId.get('selar-vs-off:demo')!.ratio, 0.95);
  t.equal(byId.get('selar-vs-off:demo')!.pass, true);
  t.equal(byId.get('http-vs-engine:demo:c1')!.ratio, 0.98);
  const gain = byId.get('concurrency-gain')!;
  t.equal(gain.ratio, 2);
  t.equal(gain.pass, false);
  t.match(gain.evidence, /reaches 8\.00× batch 1/);
  const padded = byId.get('concurrency-gain:padded')!;
  t.equal(padded.ratio, 4);
  t.equal(padded.pass, true);
  t.match(padded.target, /--batching padded/);
});

t.test('a target without its rows is "not measured", never a pass', async (t) => {
  const checks = checkTargets([model('demo', [row('engine:off', 1, 100, 90)])]);
  const floor = checks.find((c) => c.id === 'engine-vs-floor')!;
  t.equal(floor.pass, null);
  t.equal(floor.ratio, null);
});

t.test(
  'rows compare per-stream decode at c=1 and aggregate above with the floor at the same concurrency',
  async (t) => {
    const one = vsFloor(demo, demo.rows[2]);
    t.equal(one.ratio, 0.5);
    t.equal(one.overheadMs, 2.5); // 5 ms vs 2.5 ms per token
    const sixteen = vsFloor(demo, demo.rows[3]);
    t.equal(sixteen.ratio, 0.125);
    t.ok(Number.isNaN(vsFloor(large, row('engine:off', 4, 1, 1)).ratio));
  },
);

t.test('the markdown carries machine facts, load, one table per model and the targets', async (t) => {
  const snapshot = {
    at: '2026-01-01T00:00:00Z',
    loadAverage: [3.5, 2, 1] as [number, number, number],
    busiest: ['95.0 python3'],
  };
  const results: BenchResults = {
    version: 1,
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:10:00.000Z',
    durationS: 600,
    options: {
      models: ['demo', 'large'],
      concurrency: [1, 16],
      systems: [],
      tokens: null,
      repeats: null,
      workers: null,
      threads: null,
      quick: false,
      profile: false,
      merge: false,
      render: false,
    },
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
    source: { commit: 'abc1234', dirtySrc: [' M src/worker/scheduler.ts'] },
    load: { start: snapshot, end: snapshot },
    models: [demo, large],
    targets: checkTargets([demo, large]),
    profile: null,
  };
  const md = renderMarkdown(results);
  t.match(md, /Test CPU, 2 cores/);
  t.match(md, /3\.5 \/ 2 \/ 1/);
  t.match(md, /## demo-model \(demo\)/);
  t.match(md, /## large-model \(large\)/);
  t.match(md, /\| raw floor, one batch of 16 \| 16 \|/);
  t.match(md, /\| engine, selar off \| 1 \| 32 \| 3 \| 200\.0 \| 150\.0 \| 20\.0 \| 0\.50 \| 2\.50 \|/);
  t.match(md, /\| 50% \| 5% \|/);
  t.match(md, /commit abc1234 plus uncommitted changes to 1 file\(s\) under src\/ \(`src\/worker\/scheduler\.ts`\)/);
  t.match(md, /\*\*missed\*\*/);
  t.match(md, /Measured 09:00–09:05 UTC at commit abc1234, load average 1\.5 → 1\.5\./);
  t.match(md, /Engine: 2 workers × 1 intra-op thread, up to 16 sequences per worker/);
});

t.test('the concurrency target cites how many rows the scheduler batched in the profile', async (t) => {
  const loop = (concurrency: number, rowsPerDecodePass: number) => ({ mode: 'off', concurrency, rowsPerDecodePass });
  const profile = { model: 'demo-model', loops: [loop(1, 1), loop(4, 3), loop(16, 3.5)] } as unknown as ModelProfile;
  const gain = checkTargets([demo], [profile]).find((c) => c.id === 'concurrency-gain')!;
  t.match(
    gain.evidence,
    /at c=16 the scheduler ran 3\.50 rows per decode pass \(prompts of 2 different lengths: 10, 12 tokens\)/,
  );
});

t.test('rows with runs compare round by round', async (t) => {
  const withRuns = (system: SystemId, decode: number[]): ResultRow => ({
    ...row(system, 1, decode[1], decode[1]),
    runs: decode.map((d) => ({ decodeTps: d, aggregateTps: d, ttftMs: 1, tokens: 1, wallMs: 1, softFraction: 0 })),
  });
  const floor = withRuns('floor', [100, 40, 100]);
  const engine = withRuns('engine:off', [90, 36, 95]);
  t.equal(rowRatio(engine, floor), 0.9);
});

t.test('engine-vs-floor cites what the decode worker spends outside session.run', async (t) => {
  const cpu = {
    concurrency: 1,
    tokens: 48,
    msPerToken: 100,
    categories: [
      { category: 'session.run (ORT and binding)', msPerToken: 98, share: 0.98 },
      { category: 'postMessage to the main thread', msPerToken: 1, share: 0.01 },
      { category: 'garbage collection', msPerToken: 0.5, share: 0.005 },
    ],
  };
  const profile = { model: 'large-model', loops: [], cpu: [cpu] } as unknown as ModelProfile;
  const check = checkTargets([demo, large], [profile]).find((c) => c.id === 'engine-vs-floor')!;
  t.match(check.evidence, /2\.00 of 100\.00 ms\/token outside session\.run \(2\.0%: postMessage 1\.00, GC 0\.50/);
});

t.test('http-vs-engine cites the main-thread profile', async (t) => {
  // Rows: HTTP 140 tok/s at 50% busy = 3571 µs/token; engine 150 tok/s at 50% busy = 3333 µs/token.
  const profile = {
    model: 'demo-model',
    loops: [],
    mainThread: [
      {
        system: 'http:off',
        concurrency: 1,
        tokens: 100,
        categories: [{ category: 'socket write syscalls', share: 0.5 }],
      },
    ],
  } as unknown as ModelProfile;
  const check = checkTargets([demo], [profile]).find((c) => c.id === 'http-vs-engine:demo:c1')!;
  t.match(
    check.evidence,
    new RegExp(
      String.raw`main thread per token: HTTP 3571 µs vs engine alone 3333 µs \(profile of the HTTP run: ` +
        'socket write syscalls 1786 µs, Node HTTP and streams 0 µs',
    ),
  );
});
