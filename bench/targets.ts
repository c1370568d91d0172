// Issue #6's targets as ratios between rows of the same run (machines are noisy;
// ratios between interleaved measurements much less so). A missing row gives
// pass: null rather than a guess.
import { findRow, headline, rowRatio, type ModelResult, type ResultRow, type TargetCheck } from './results.js';
import { overheadMsPerToken, pairedRatio } from './stats.js';
import type { ModelProfile } from './profile.js';
import { mainThreadUsPerToken } from './main-thread-profile.js';
import { BENCH_STREAM_INTERVAL, type SystemId } from './plan.js';

const fmt = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const ms = (tps: number) => fmt(1000 / tps, 2);

function check(id: string, target: string, threshold: number, ratio: number | null, evidence: string): TargetCheck {
  return {
    id,
    target,
    threshold,
    ratio,
    pass: ratio === null || !Number.isFinite(ratio) ? null : ratio >= threshold,
    evidence,
  };
}

/** What the decode worker spends outside session.run per token (V8 CPU profile at c=1): load-independent evidence. */
function workerOverheadNote(profile: ModelProfile | undefined): string {
  const cpu = profile?.cpu?.find((c) => c.concurrency === 1);
  if (!cpu) return '';
  const get = (name: string) => cpu.categories.find((c) => c.category === name)?.msPerToken ?? 0;
  const run = get('session.run (ORT and binding)');
  const outside = cpu.msPerToken - run;
  return (
    `; CPU profile of the decode worker at c=1: ${fmt(outside, 2)} of ${fmt(cpu.msPerToken, 2)} ms/token outside ` +
    `session.run (${fmt((outside / cpu.msPerToken) * 100, 1)}%: ` +
    `postMessage ${fmt(get('postMessage to the main thread'), 2)}, GC ${fmt(get('garbage collection'), 2)}, loop ` +
    `${fmt(get('decode loop (scheduler, sequence, feeds)'), 2)}, ` +
    `sampling ${fmt(get('sampling and SeLaR'), 2)}, detokenising ${fmt(get('detokenising'), 2)} ms)`
  );
}

const spreads = (...rows: ResultRow[]) =>
  `run-to-run spread ${rows.map((r) => `${fmt(r.summary.spread * 100, 0)}%`).join(' / ')}`;

function engineVsFloor(large: ModelResult | undefined, profile: ModelProfile | undefined): TargetCheck {
  const e = findRow(large, 'engine:off', 1);
  const f = findRow(large, 'floor', 1);
  if (!e || !f)
    return check(
      'engine-vs-floor',
      'engine decode at c=1 within 10% of the raw floor (larger model)',
      0.9,
      null,
      'not measured',
    );
  const ratio = rowRatio(e, f);
  return check(
    'engine-vs-floor',
    'engine decode at c=1 within 10% of the raw floor (larger model)',
    0.9,
    ratio,
    `${large!.model.name}: engine ${fmt(e.summary.decodeTps)} tok/s (${ms(e.summary.decodeTps)} ms/token) vs floor ` +
      `${fmt(f.summary.decodeTps)} tok/s (${ms(f.summary.decodeTps)} ms/token): ` +
      `${fmt(overheadMsPerToken(e.summary.decodeTps, f.summary.decodeTps), 2)} ms/token over the floor (medians; ` +
      `${spreads(e, f)})` +
      workerOverheadNote(profile),
  );
}

function engineVsTransformers(demo: ModelResult | undefined, profile: ModelProfile | undefined): TargetCheck {
  const e = findRow(demo, 'engine:off', 1);
  const t = findRow(demo, 'transformers.js', 1);
  const target = 'engine ≥ 2× transformers.js tokens/s (demo model, c=1)';
  if (!e || !t) return check('engine-vs-transformers', target, 2, null, 'not measured');
  const f = findRow(demo, 'floor', 1);
  return check(
    'engine-vs-transformers',
    target,
    2,
    rowRatio(e, t),
    `${demo!.model.name}: engine ${fmt(e.summary.decodeTps)} tok/s vs transformers.js ` +
      `${fmt(t.summary.decodeTps)} tok/s` +
      (f
        ? `; the floor itself is ${fmt(rowRatio(f, t), 2)}× transformers.js, so the engine can reach at most that`
        : '') +
      ` (${spreads(e, t)})` +
      workerOverheadNote(profile),
  );
}

/** SeLaR's own per-token work in the loop profile: embedding rows, mix and gate, selar minus off. */
function selarLoopNote(profile: ModelProfile | undefined): string {
  const at = (mode: string) => profile?.loops.find((l) => l.mode === mode && l.concurrency === 1);
  const off = at('off');
  const selar = at('selar');
  if (!off || !selar) return '';
  const own = (l: NonNullable<typeof off>) => l.ms.embeddingLookup + l.ms.samplingAndRest + l.ms.forwardOther;
  return (
    `; loop profile: lookups + sampling + SeLaR + feeds take ${fmt(own(selar), 3)} ms/token in selar mode vs ` +
    `${fmt(own(off), 3)} in off (${fmt(selar.softFraction * 100, 0)}% soft steps)`
  );
}

function selarVsOff(models: ModelResult[], profileOf: (m: ModelResult) => ModelProfile | undefined): TargetCheck[] {
  return models.flatMap((m) => {
    const off = findRow(m, 'engine:off', 1);
    const selar = findRow(m, 'engine:selar', 1);
    const soft = findRow(m, 'engine:soft', 1);
    if (!off || !selar) return [];
    return [
      check(
        `selar-vs-off:${m.model.role}`,
        `selar mode costs ≤ 5% tokens/s over off (${m.model.role} model, c=1)`,
        0.95,
        rowRatio(selar, off),
        `off ${fmt(off.summary.decodeTps)} tok/s, selar ${fmt(selar.summary.decodeTps)} tok/s with ` +
          `${fmt(selar.summary.softFraction * 100, 0)}% soft steps` +
          (soft ? `, soft (every step) ${fmt(soft.summary.decodeTps)} tok/s` : '') +
          `; selar costs ${fmt(overheadMsPerToken(selar.summary.decodeTps, off.summary.decodeTps), 3)} ms/token over ` +
          `off (medians; ${spreads(selar, off)})` +
          selarLoopNote(profileOf(m)),
      ),
    ];
  });
}

/** The server's main-thread CPU per token, HTTP against the engine alone, from the main-thread profile. */
function mainThreadNote(m: ModelResult, h: ResultRow, e: ResultRow, profile: ModelProfile | undefined): string {
  const hUs = mainThreadUsPerToken(h);
  const eUs = mainThreadUsPerToken(e);
  const shares = profile?.mainThread?.find((p) => p.system === h.system && p.concurrency === h.concurrency);
  const part = (name: string) =>
    `${name} ${fmt((shares?.categories.find((c) => c.category === name)?.share ?? 0) * hUs, 0)} µs`;
  return (
    `; main thread per token: HTTP ${fmt(hUs, 0)} µs vs engine alone ${fmt(eUs, 0)} µs` +
    (shares
      ? ` (profile of the HTTP run: ${part('socket write syscalls')}, ${part('Node HTTP and streams')}, ` +
        `${part('SSE framing and responses (src/serving)')})`
      : '') +
    `; on ${m.model.name} the machine's cores are shared by the decode worker's intra-op threads and this thread`
  );
}

/** HTTP rows and the engine row each is held against (the same engine, without HTTP). */
const HTTP_VARIANTS: Partial<Record<SystemId, { engine: SystemId; id: string; label: string }>> = {
  'http:off': { engine: 'engine:off', id: '', label: '' },
  'http:interval': { engine: 'engine:off', id: 'interval:', label: `, --stream-interval ${BENCH_STREAM_INTERVAL}` },
  'http:padded': {
    engine: 'engine:padded',
    id: 'padded:',
    label: `, --batching padded, --stream-interval ${BENCH_STREAM_INTERVAL}`,
  },
};

function httpVsEngine(models: ModelResult[], profileOf: (m: ModelResult) => ModelProfile | undefined): TargetCheck[] {
  return models.flatMap((m) =>
    m.rows
      .filter((r) => r.system in HTTP_VARIANTS)
      .flatMap((h) => {
        const v = HTTP_VARIANTS[h.system]!;
        const e = findRow(m, v.engine, h.concurrency);
        if (!e) return [];
        const what = h.concurrency === 1 ? 'decode tok/s per stream' : 'aggregate tok/s';
        return [
          check(
            `http-vs-engine:${v.id}${m.model.role}:c${h.concurrency}`,
            `HTTP streaming within 5% of the engine alone (${m.model.role} model, c=${h.concurrency}${v.label})`,
            0.95,
            rowRatio(h, e),
            `${what}: HTTP ${fmt(headline(h))} vs engine ${fmt(headline(e))}; TTFT ${fmt(h.summary.ttftMs)} vs ` +
              `${fmt(e.summary.ttftMs)} ms; ` +
              `main thread busy ${fmt(h.summary.mainThreadBusy * 100, 0)}% vs ` +
              `${fmt(e.summary.mainThreadBusy * 100, 0)}% (${spreads(h, e)})` +
              mainThreadNote(m, h, e, profileOf(m)),
          ),
        ];
      }),
  );
}

/**
 * c=16 over c=1, aggregate tokens/s, on the demo model. Measured for the default exact
 * batching (cohorts of equal cache length) and, when benchmarked, for padded batching
 * (every sequence in one pass); c=1 is the same single-stream engine run for both.
 */
function concurrencyGain(demo: ModelResult | undefined, profile: ModelProfile | undefined): TargetCheck[] {
  const c1 = findRow(demo, 'engine:off', 1);
  const aggregate = (r: ResultRow) => (r.runs.length ? r.runs.map((x) => x.aggregateTps) : [r.summary.aggregateTps]);
  const f1 = findRow(demo, 'floor', 1);
  const f16 = findRow(demo, 'floor', 16);
  const floorGain = f1 && f16 ? pairedRatio(aggregate(f16), aggregate(f1)) : Number.NaN;
  const floorNote =
    `one batched forward pass of 16 rows (floor, batch 16) reaches ${fmt(floorGain, 2)}× batch 1, ` +
    `which is what continuous batching can buy on this machine`;
  const variants = [
    { id: 'concurrency-gain', system: 'engine:off' as const, label: 'exact batching, the default', required: true },
    { id: 'concurrency-gain:padded', system: 'engine:padded' as const, label: '--batching padded', required: false },
  ];
  return variants.flatMap((v) => {
    const target = `aggregate tokens/s at c=16 ≥ 3× c=1 (demo model, CPU, ${v.label})`;
    const c16 = findRow(demo, v.system, 16);
    if (!c1 || !c16) return v.required ? [check(v.id, target, 3, null, 'not measured')] : [];
    return [
      check(
        v.id,
        target,
        3,
        pairedRatio(aggregate(c16), aggregate(c1)),
        `engine aggregate ${fmt(c1.summary.aggregateTps)} (c=1) → ${fmt(c16.summary.aggregateTps)} tok/s (c=16); ` +
          `${floorNote}` +
          (v.system === 'engine:off'
            ? batchingNote(demo!, profile)
            : '; every live sequence shares each decode pass, shorter caches left-padded'),
      ),
    ];
  });
}

/** How much batching the scheduler achieved in the profile, and why (cohorts need equal cache lengths). */
function batchingNote(m: ModelResult, profile: ModelProfile | undefined): string {
  const loop = profile?.loops
    .filter((l) => l.mode === 'off' && l.concurrency > 1)
    .sort((a, b) => b.concurrency - a.concurrency)[0];
  if (!loop) return '';
  const lengths = new Set(m.promptTokens).size;
  return (
    `; in the profile at c=${loop.concurrency} the scheduler ran ${fmt(loop.rowsPerDecodePass, 2)} rows per ` +
    `decode pass (prompts of ${lengths} different lengths: ${m.promptTokens.join(', ')} tokens)`
  );
}

export function checkTargets(models: ModelResult[], profiles: ModelProfile[] = []): TargetCheck[] {
  const demo = models.find((m) => m.model.role === 'demo');
  const large = models.find((m) => m.model.role === 'large');
  const profileOf = (m: ModelResult | undefined): ModelProfile | undefined =>
    profiles.find((p) => p.model === m?.model.name);
  return [
    engineVsFloor(large, profileOf(large)),
    engineVsTransformers(demo, profileOf(demo)),
    ...selarVsOff(models, profileOf),
    ...httpVsEngine(models, profileOf),
    ...concurrencyGain(demo, profileOf(demo)),
  ];
}
