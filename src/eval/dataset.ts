// GSM8K-style JSONL datasets: one {"question", "answer"} object per line, where
// the answer ends with "#### N" (GSM8K) or is the number itself. The optional
// `steps` and `kind` fields of the project's synthetic problems group results.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { parseNumber } from './extract.js';

export interface Problem {
  /** Stable across files and reorderings: a hash of the question text. */
  id: string;
  /** 1-based line in the source file, for messages. */
  line: number;
  question: string;
  answer: number;
  steps: number | null;
  kind: string | null;
}

export class DatasetError extends Error {
  override name = 'DatasetError';
}

export function problemId(question: string): string {
  return createHash('sha256').update(question).digest('hex').slice(0, 16);
}

/** The gold number: after the last "####" when present, otherwise the whole answer. */
function goldAnswer(raw: unknown, where: string): number {
  if (typeof raw === 'number' && Number.isFinite(raw)) return raw;
  if (typeof raw !== 'string') throw new DatasetError(`${where}: "answer" must be a string or a number`);
  const marker = raw.lastIndexOf('####');
  const text = marker >= 0 ? raw.slice(marker + 4) : raw;
  const value = parseNumber(text);
  if (value === null) {
    throw new DatasetError(
      marker >= 0
        ? `${where}: the text after "####" is not a number: ${JSON.stringify(text.trim())}`
        : `${where}: "answer" has no "#### N" line and is not a number`,
    );
  }
  return value;
}

export function parseDataset(text: string, source = 'dataset'): Problem[] {
  const problems: Problem[] = [];
  const seen = new Map<string, number>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].trim();
    if (raw === '') continue;
    const where = `${source}:${i + 1}`;
    let record: unknown;
    try {
      record = JSON.parse(raw);
    } catch (err) {
      throw new DatasetError(`${where}: not valid JSON (${(err as Error).message})`);
    }
    if (typeof record !== 'object' || record === null || Array.isArray(record))
      throw new DatasetError(`${where}: expected a JSON object`);
    const r = record as Record<string, unknown>;
    if (typeof r.question !== 'string' || r.question.trim() === '')
      throw new DatasetError(`${where}: "question" must be a non-empty string`);
    if (!('answer' in r)) throw new DatasetError(`${where}: missing "answer"`);
    const answer = goldAnswer(r.answer, where);
    if (r.steps != null && !(Number.isInteger(r.steps) && (r.steps as number) > 0))
      throw new DatasetError(`${where}: "steps" must be a positive integer`);
    if (r.kind != null && typeof r.kind !== 'string') throw new DatasetError(`${where}: "kind" must be a string`);
    const id = problemId(r.question);
    // Results are keyed by the question, so a repeated question would share them.
    const before = seen.get(id);
    if (before !== undefined) throw new DatasetError(`${where}: the same question already appears on line ${before}`);
    seen.set(id, i + 1);
    problems.push({
      id,
      line: i + 1,
      question: r.question,
      answer,
      steps: (r.steps as number | undefined) ?? null,
      kind: (r.kind as string | undefined) ?? null,
    });
  }
  if (problems.length === 0) throw new DatasetError(`${source}: no problems (empty file)`);
  return problems;
}

export function loadDataset(file: string): Problem[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new DatasetError(
      `cannot read dataset ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  return parseDataset(text, file);
}

export interface ProblemFilter {
  /** Keep only these step counts (problems without `steps` are dropped when set). */
  steps?: number[];
  /** Skip this many problems (after the steps filter). */
  offset?: number;
  /** At most this many problems in total. */
  limit?: number;
  /**
   * At most this many problems of each step count, so a small run still covers
   * every group; a record gives a cap per step count (unlisted counts: no cap).
   */
  perSteps?: number | Record<number, number>;
}

export function selectProblems(all: Problem[], f: ProblemFilter): Problem[] {
  let out = f.steps ? all.filter((p) => p.steps !== null && f.steps!.includes(p.steps)) : all;
  out = out.slice(f.offset ?? 0);
  const caps = f.perSteps;
  if (caps !== undefined) {
    const cap = (steps: number | null) =>
      typeof caps === 'number' ? caps : steps !== null && steps in caps ? caps[steps] : Infinity;
    const taken = new Map<number | null, number>();
    out = out.filter((p) => {
      const n = taken.get(p.steps) ?? 0;
      taken.set(p.steps, n + 1);
      return n < cap(p.steps);
    });
  }
  if (f.limit !== undefined) out = out.slice(0, f.limit);
  return out;
}
