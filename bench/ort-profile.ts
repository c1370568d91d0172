// Inside session.run: ORT's own profiler (enableProfiling) on the floor loop gives
// every kernel's duration. Per decode step: how many nodes run, kernel time by
// operator type, ORT's framework time around the kernels (model_run − kernels), and
// the binding's time around model_run (JS wall − model_run: feeds, output copies).
// Plus the floor under other session options and with whole-cache presents, to size
// what they would buy.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DerivedDecoder } from '../src/model/convert/index.js';
import { FloorDecoder } from './floor.js';
import { median, runMetrics } from './stats.js';

export interface OrtStepProfile {
  /** Rows per forward pass. */
  batch: number;
  nodesPerStep: number;
  /** JS-side session.run wall time per decode step (profiling on, so slightly inflated). */
  wallMs: number;
  modelRunMs: number;
  kernelMs: number;
  /** Top operator types by kernel time per step. */
  byOp: Array<{ op: string; ms: number; nodes: number }>;
}

export interface TraceEvent {
  cat?: string;
  name: string;
  ts: number;
  dur: number;
  args?: { op_name?: string };
}

/** Per decode step figures from an ORT trace; the first model_run is the prefill and is left out. */
export function summariseTrace(events: readonly TraceEvent[]): Omit<OrtStepProfile, 'wallMs' | 'batch'> {
  const runs = events
    .filter((e) => e.cat === 'Session' && e.name === 'model_run')
    .sort((a, b) => a.ts - b.ts)
    .slice(1);
  const steps = runs.length;
  if (steps === 0) throw new Error('the ORT trace holds no decode step');
  const inDecode = (e: TraceEvent) => runs.some((r) => e.ts >= r.ts && e.ts <= r.ts + r.dur);
  const nodes = events.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time') && inDecode(e));
  const ops = new Map<string, { us: number; n: number }>();
  for (const n of nodes) {
    const op = n.args?.op_name ?? 'unknown';
    const o = ops.get(op) ?? { us: 0, n: 0 };
    o.us += n.dur;
    o.n++;
    ops.set(op, o);
  }
  const byOp = [...ops.entries()]
    .map(([op, o]) => ({ op, ms: o.us / 1000 / steps, nodes: o.n / steps }))
    .sort((a, b) => b.ms - a.ms);
  return {
    nodesPerStep: nodes.length / steps,
    modelRunMs: runs.reduce((s, r) => s + r.dur, 0) / 1000 / steps,
    kernelMs: nodes.reduce((s, n) => s + n.dur, 0) / 1000 / steps,
    byOp: byOp.slice(0, 8),
  };
}

export async function ortStepProfile(
  derived: DerivedDecoder,
  threads: number,
  promptLength: number,
  tokens: number,
  batch = 1,
): Promise<OrtStepProfile> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'selar-ort-profile-'));
  try {
    // ORT opens the trace file when the session starts: the folder must exist first.
    const floor = await FloorDecoder.open(derived, {
      threads,
      extra: { enableProfiling: true, profileFilePrefix: path.join(dir, 'ort') },
    });
    const [seq] = await floor.run(batch, promptLength, tokens);
    floor.endProfiling();
    await floor.close();
    const file = fs.readdirSync(dir).find((f) => f.endsWith('.json'));
    if (!file) throw new Error('ORT wrote no profile');
    const events = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as TraceEvent[];
    return { batch, wallMs: (seq.lastTokenMs - seq.firstTokenMs) / (tokens - 1), ...summariseTrace(events) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface SessionVariant {
  name: string;
  /** Rows per forward pass. */
  batch: number;
  /** Decode tokens/s of all rows together. */
  decodeTps: number;
}

interface Variant {
  name: string;
  threads: number;
  spinning: boolean;
  /** The decoder derived with whole-cache presents (DeriveOptions.wholeCacheOutputs). */
  wholeCache: boolean;
  batch: number;
}

/**
 * The engine's options first (spinning off), then the same with spinning on, one thread
 * (when the engine uses more), and whole-cache presents; whole-cache presents again at
 * `maxBatch` rows beside the engine's options there (when the decoder has new-positions
 * presents at all, else there is nothing to compare).
 */
export function sessionVariantList(engineThreads: number, maxBatch = 1, presentNewOnly = false): Variant[] {
  const threads = `${engineThreads} intra-op thread${engineThreads > 1 ? 's' : ''}`;
  const engine = { threads: engineThreads, spinning: false, wholeCache: false };
  const list: Variant[] = [
    { name: `engine options (${threads}, spinning off)`, ...engine, batch: 1 },
    { name: `${threads}, spinning on`, ...engine, spinning: true, batch: 1 },
  ];
  if (engineThreads > 1) list.push({ name: '1 intra-op thread', ...engine, threads: 1, batch: 1 });
  if (!presentNewOnly) return list;
  const whole = 'whole-cache presents (the binding copies the cache out every step)';
  list.push({ name: whole, ...engine, wholeCache: true, batch: 1 });
  if (maxBatch > 1)
    list.push(
      { name: 'engine options', ...engine, batch: maxBatch },
      { name: whole, ...engine, wholeCache: true, batch: maxBatch },
    );
  return list;
}

/** The floor under other session options and cache outputs; runs interleaved, medians. */
export async function sessionVariants(
  derived: DerivedDecoder,
  wholeCache: DerivedDecoder,
  engineThreads: number,
  maxBatch: number,
  promptLength: number,
  tokens: number,
  repeats: number,
): Promise<SessionVariant[]> {
  const variants = sessionVariantList(engineThreads, maxBatch, derived.presentNewOnly);
  const floors = [];
  for (const v of variants) {
    // `extra` replaces the engine's: an empty one leaves ORT's default, spinning on.
    floors.push(
      await FloorDecoder.open(v.wholeCache ? wholeCache : derived, {
        threads: v.threads,
        extra: v.spinning ? { extra: {} } : {},
      }),
    );
  }
  const tps: number[][] = variants.map(() => []);
  try {
    for (let i = 0; i < floors.length; i++) await floors[i].run(variants[i].batch, promptLength, tokens); // warm-up
    for (let r = 0; r < repeats; r++) {
      for (let i = 0; i < floors.length; i++)
        tps[i].push(
          runMetrics(await floors[i].run(variants[i].batch, promptLength, tokens)).decodeTps * variants[i].batch,
        );
    }
  } finally {
    for (const f of floors) await f.close();
  }
  return variants.map((v, i) => ({ name: v.name, batch: v.batch, decodeTps: median(tps[i]) }));
}
