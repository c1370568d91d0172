// The shape of bench/results.json, and the look-ups the report and the target
// checks make on it.
import type { LoadSnapshot, MachineFacts, SourceState } from './machine.js';
import type { EngineSettings } from './engine-bench.js';
import type { BenchModel } from './models.js';
import type { ModelProfile } from './profile.js';
import type { BenchOptions, SystemId } from './plan.js';
import { pairedRatio, type RunMetrics, type Summary } from './stats.js';

export interface ResultRow {
  system: SystemId;
  concurrency: number;
  tokens: number;
  summary: Summary;
  runs: RunMetrics[];
}

export interface ModelResult {
  model: Pick<BenchModel, 'role' | 'name' | 'origin' | 'shape'>;
  promptTokens: number[];
  repeats: Record<number, number>;
  rows: ResultRow[];
  /** Systems that could not run on this model, and why. */
  skipped: Array<{ system: SystemId; reason: string }>;
  /**
   * How the engine ran this model (the server's defaults for it unless --workers/--threads); the floor and
   * transformers.js use the same threads.
   */
  engine: EngineSettings;
  /** When and under which load this model was measured (models can come from different runs with --merge). */
  measured: {
    startedAt: string;
    finishedAt: string;
    load: { start: LoadSnapshot; end: LoadSnapshot };
    source: SourceState;
  };
}

export interface TargetCheck {
  id: string;
  target: string;
  /** measured / required as a ratio (e.g. engine tok/s ÷ floor tok/s). */
  ratio: number | null;
  threshold: number;
  pass: boolean | null;
  /** The measurement behind the ratio, and what explains a miss. */
  evidence: string;
}

export interface BenchResults {
  version: 1;
  startedAt: string;
  finishedAt: string;
  durationS: number;
  options: Omit<BenchOptions, 'outDir'>;
  machine: MachineFacts;
  /** The checkout measured: other engineers change src/ while the bench runs. */
  source: SourceState;
  load: { start: LoadSnapshot; end: LoadSnapshot };
  models: ModelResult[];
  targets: TargetCheck[];
  profile: { models: ModelProfile[]; messageRoundTripUs: number } | null;
}

export function findRow(m: ModelResult | undefined, system: SystemId, concurrency: number): ResultRow | undefined {
  return m?.rows.find((r) => r.system === system && r.concurrency === concurrency);
}

/** The figure a row is judged by: per-stream decode speed alone, aggregate throughput under concurrency. */
export function headline(row: ResultRow): number {
  return row.concurrency === 1 ? row.summary.decodeTps : row.summary.aggregateTps;
}

/** The per-run figures a row is judged by (see headline). */
export function headlineRuns(row: ResultRow): number[] {
  return row.runs.map((r) => (row.concurrency === 1 ? r.decodeTps : r.aggregateTps));
}

/**
 * a ÷ b on their headline figures: the median of paired per-round ratios when both rows
 * have their runs, else the ratio of the medians.
 */
export function rowRatio(a: ResultRow, b: ResultRow): number {
  const x = headlineRuns(a);
  const y = headlineRuns(b);
  return x.length && y.length ? pairedRatio(x, y) : headline(a) / headline(b);
}
