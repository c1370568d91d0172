// Per-configuration metrics from the stored results: accuracy (overall and per
// `steps` group) with Wilson 95% intervals, mean completion tokens, the share of
// tokens followed by a soft step, and throughput over the configuration's wall time.
import type { DecodingConfig } from './configs.js';
import type { ResultRecord } from './results-file.js';
import { wilsonInterval, type Interval } from './wilson.js';

export interface GroupMetrics {
  count: number;
  correct: number;
  accuracy: number;
  ci95: Interval;
}

export interface ConfigMetrics extends GroupMetrics {
  config: string;
  preset: string;
  mode: string;
  tau: number | null;
  sampled: boolean;
  samplesPerProblem: number;
  problems: number;
  /** Keyed by the `steps` value ("unknown" for problems without one). */
  bySteps: Record<string, GroupMetrics>;
  meanCompletionTokens: number;
  /** soft_tokens / completion_tokens; null when the server reported no soft_tokens. */
  softRatio: number | null;
  /** Completion tokens / wall time; wall time is the union of this configuration's request intervals. */
  tokensPerSecond: number;
  wallSeconds: number;
  /** The --concurrency values the results were produced under. */
  concurrency: number[];
  /** Replies with no number in them. */
  unanswered: number;
  /** Replies cut off by max_tokens or the context length. */
  truncated: number;
}

function group(records: ResultRecord[]): GroupMetrics {
  const correct = records.filter((r) => r.correct).length;
  return {
    count: records.length,
    correct,
    accuracy: records.length ? correct / records.length : 0,
    ci95: wilsonInterval(correct, records.length),
  };
}

/** Total length of the union of [start, end] intervals: time with at least one request in flight. */
export function busyMilliseconds(intervals: Array<[number, number]>): number {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let start = -Infinity;
  let end = -Infinity;
  for (const [s, e] of sorted) {
    if (s > end) {
      if (end > start) total += end - start;
      start = s;
      end = e;
    } else if (e > end) end = e;
  }
  if (end > start) total += end - start;
  return total;
}

export function configMetrics(config: DecodingConfig, records: ResultRecord[]): ConfigMetrics {
  const bySteps: Record<string, GroupMetrics> = {};
  const stepKeys = [...new Set(records.map((r) => (r.steps === null ? 'unknown' : String(r.steps))))].sort((a, b) =>
    a === 'unknown' ? 1 : b === 'unknown' ? -1 : Number(a) - Number(b),
  );
  for (const key of stepKeys)
    bySteps[key] = group(records.filter((r) => (r.steps === null ? 'unknown' : String(r.steps)) === key));
  const tokens = records.reduce((s, r) => s + r.completion_tokens, 0);
  const reported = records.filter((r) => r.soft_tokens !== null);
  const reportedTokens = reported.reduce((s, r) => s + r.completion_tokens, 0);
  const softTokens = reported.reduce((s, r) => s + (r.soft_tokens ?? 0), 0);
  const wallMs = busyMilliseconds(records.map((r) => [r.started_at, r.ended_at]));
  return {
    config: config.name,
    preset: config.preset,
    mode: config.mode,
    tau: config.tau,
    sampled: config.sampled,
    samplesPerProblem: config.samples,
    problems: new Set(records.map((r) => r.problem)).size,
    ...group(records),
    bySteps,
    meanCompletionTokens: records.length ? tokens / records.length : 0,
    softRatio: reported.length === 0 ? null : reportedTokens === 0 ? 0 : softTokens / reportedTokens,
    tokensPerSecond: wallMs > 0 ? tokens / (wallMs / 1000) : 0,
    wallSeconds: wallMs / 1000,
    concurrency: [...new Set(records.map((r) => r.concurrency))].sort((a, b) => a - b),
    unanswered: records.filter((r) => r.predicted === null).length,
    truncated: records.filter((r) => r.finish_reason === 'length').length,
  };
}
