// The resumable results file: one JSON line per finished (configuration, problem,
// sample), appended the moment it completes, so an interrupted run loses at most
// the requests in flight. Rerunning with the same --out reads it back and skips
// every key already present.
import fs from 'node:fs';
import type { ExtractionMethod } from './extract.js';

export interface ResultRecord {
  config: string;
  /** configs.fingerprint(): the model and request fields this result was produced with. */
  fingerprint: string;
  problem: string;
  sample: number;
  seed: number | null;
  steps: number | null;
  kind: string | null;
  gold: number;
  predicted: number | null;
  method: ExtractionMethod | null;
  correct: boolean;
  prompt_tokens: number;
  completion_tokens: number;
  soft_tokens: number | null;
  finish_reason: string | null;
  /** Epoch milliseconds, so wall time can be measured across resumed runs. */
  started_at: number;
  ended_at: number;
  /** Requests allowed in flight when this one ran. */
  concurrency: number;
  content: string;
  reasoning: string;
}

export const resultKey = (fingerprint: string, problem: string, sample: number) =>
  `${fingerprint}|${problem}|${sample}`;

export interface LoadedResults {
  records: Map<string, ResultRecord>;
  /** Lines that could not be read (a line cut short by a crash): not reused, recomputed. */
  skippedLines: number;
}

function isRecord(v: unknown): v is ResultRecord {
  const r = v as ResultRecord;
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.fingerprint === 'string' &&
    typeof r.problem === 'string' &&
    Number.isInteger(r.sample) &&
    typeof r.correct === 'boolean' &&
    typeof r.completion_tokens === 'number' &&
    typeof r.started_at === 'number' &&
    typeof r.ended_at === 'number'
  );
}

export class ResultsFile {
  constructor(readonly path: string) {}

  load(): LoadedResults {
    const records = new Map<string, ResultRecord>();
    let skippedLines = 0;
    if (!fs.existsSync(this.path)) return { records, skippedLines };
    const text = fs.readFileSync(this.path, 'utf8');
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        skippedLines++;
        continue;
      }
      if (!isRecord(parsed)) {
        skippedLines++;
        continue;
      }
      records.set(resultKey(parsed.fingerprint, parsed.problem, parsed.sample), parsed);
    }
    // A crash mid-write leaves a partial last line; start the next record on a line of its own.
    if (text.length > 0 && !text.endsWith('\n')) fs.appendFileSync(this.path, '\n');
    return { records, skippedLines };
  }

  /** Synchronous so that concurrent completions never interleave within a line. */
  append(record: ResultRecord): void {
    fs.appendFileSync(this.path, JSON.stringify(record) + '\n');
  }
}
