// One profiled configuration of the engine's loop: where each generated token's time
// went, and how repeated measurements of it are reduced.
import type { SelarMode } from '../src/engine/types.js';
import { median } from './stats.js';

/** Milliseconds per generated token in each part of the loop (whole run: prefill, decode, bookkeeping). */
export interface LoopBreakdown {
  mode: SelarMode;
  concurrency: number;
  tokens: number;
  /** Generated tokens per second of the loop alone (no pool, no messages). */
  tokensPerSecond: number;
  /** Rows per decode forward pass (1 = no batching happened). */
  rowsPerDecodePass: number;
  decodePasses: number;
  ms: {
    prefillRun: number;
    decodeRun: number;
    forwardOther: number;
    cacheMergeSplit: number;
    embeddingLookup: number;
    detokenise: number;
    samplingAndRest: number;
    schedulerRest: number;
  };
  softFraction: number;
}

/** Component-wise medians of repeated measurements of one loop configuration. */
export function medianBreakdown(runs: LoopBreakdown[]): LoopBreakdown {
  const m = (f: (l: LoopBreakdown) => number) => median(runs.map(f));
  const keys = Object.keys(runs[0].ms) as Array<keyof LoopBreakdown['ms']>;
  return {
    ...runs[0],
    tokensPerSecond: m((l) => l.tokensPerSecond),
    rowsPerDecodePass: m((l) => l.rowsPerDecodePass),
    decodePasses: m((l) => l.decodePasses),
    softFraction: m((l) => l.softFraction),
    ms: Object.fromEntries(keys.map((k) => [k, m((l) => l.ms[k])])) as LoopBreakdown['ms'],
  };
}
