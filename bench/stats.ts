// Turning timed runs into the numbers the report prints: per-sequence timings →
// decode tokens/s, time to first token and aggregate tokens/s, and medians over
// repeated runs (medians, because other processes on a shared machine add spikes).

/** One sequence of one run, in milliseconds on the performance.now() clock. */
export interface SequenceTiming {
  startMs: number;
  firstTokenMs: number;
  lastTokenMs: number;
  tokens: number;
  /** Steps that fed a soft embedding (SeLaR modes only). */
  softTokens?: number;
}

/** What one run (all sequences started together at one concurrency) measured. */
export interface RunMetrics {
  /**
   * Tokens after the first per second of a stream: all sequences' tokens after their first ÷ their summed
   * first-to-last times.
   */
  decodeTps: number;
  /** Median time to first token over the run's sequences. */
  ttftMs: number;
  /** All tokens of all sequences over the run's wall time (first start to last token). */
  aggregateTps: number;
  tokens: number;
  wallMs: number;
  softFraction: number;
  /** Event-loop utilisation of the main thread during the run (0..1), when measured. */
  mainThreadBusy?: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Spread of repeated runs as (max - min) / median, so noisy rows stand out in the report. */
export function relativeSpread(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = median(values);
  return m > 0 ? (Math.max(...values) - Math.min(...values)) / m : 0;
}

export function runMetrics(seqs: readonly SequenceTiming[]): RunMetrics {
  if (seqs.length === 0) throw new Error('a run needs at least one sequence');
  let tokens = 0;
  let soft = 0;
  let start = Infinity;
  let end = -Infinity;
  let decodeTokens = 0;
  let decodeMs = 0;
  const ttft: number[] = [];
  for (const s of seqs) {
    if (s.tokens < 1) throw new Error('a timed sequence produced no token');
    tokens += s.tokens;
    soft += s.softTokens ?? 0;
    start = Math.min(start, s.startMs);
    end = Math.max(end, s.lastTokenMs);
    ttft.push(s.firstTokenMs - s.startMs);
    // The first token comes from the prefill; decode speed is measured over the rest. Summing
    // before dividing keeps one stream whose tokens arrived in a burst (a consumer that was
    // descheduled for a while) from dominating, as an average of per-stream rates would.
    if (s.tokens > 1) {
      decodeTokens += s.tokens - 1;
      decodeMs += s.lastTokenMs - s.firstTokenMs;
    }
  }
  const wallMs = end - start;
  return {
    decodeTps: decodeTokens ? (decodeTokens * 1000) / Math.max(1e-6, decodeMs) : Number.NaN,
    ttftMs: median(ttft),
    aggregateTps: (tokens * 1000) / Math.max(1e-6, wallMs),
    tokens,
    wallMs,
    softFraction: tokens ? soft / tokens : 0,
  };
}

export interface Summary {
  runs: number;
  decodeTps: number;
  ttftMs: number;
  aggregateTps: number;
  softFraction: number;
  /** Median main-thread event-loop utilisation (NaN when not measured). */
  mainThreadBusy: number;
  /** Relative spread of the figure the row is judged by (decode at c=1, aggregate above). */
  spread: number;
}

/** Medians over repeated runs of one configuration. */
export function summarise(runs: readonly RunMetrics[], concurrency: number): Summary {
  const key = concurrency === 1 ? runs.map((r) => r.decodeTps) : runs.map((r) => r.aggregateTps);
  return {
    runs: runs.length,
    decodeTps: median(runs.map((r) => r.decodeTps)),
    ttftMs: median(runs.map((r) => r.ttftMs)),
    aggregateTps: median(runs.map((r) => r.aggregateTps)),
    softFraction: median(runs.map((r) => r.softFraction)),
    mainThreadBusy: median(runs.flatMap((r) => (r.mainThreadBusy === undefined ? [] : [r.mainThreadBusy]))),
    spread: relativeSpread(key),
  };
}

/** Milliseconds a token costs beyond the reference (positive: slower than the reference). */
export function overheadMsPerToken(tps: number, referenceTps: number): number {
  return 1000 / tps - 1000 / referenceTps;
}

/**
 * Median of run-by-run ratios a[i] / b[i] of two configurations measured in the same
 * rounds: each pair ran seconds apart, so load that drifts over minutes cancels out.
 */
export function pairedRatio(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  const ratios: number[] = [];
  for (let i = 0; i < n; i++) if (b[i] > 0 && Number.isFinite(a[i]) && Number.isFinite(b[i])) ratios.push(a[i] / b[i]);
  return median(ratios);
}
