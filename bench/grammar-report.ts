// The structured-outputs comparison under a model's table: the schema row against
// the same request unconstrained (engine:off), at concurrency 1.
import { findRow, headline, rowRatio, type ModelResult } from './results.js';
import { overheadMsPerToken } from './stats.js';

/** The goal: at most 10 % fewer tokens/s with the schema. */
export const SCHEMA_MIN_RATIO = 0.9;

export interface SchemaComparison {
  offTps: number;
  schemaTps: number;
  /** Paired per-round ratio schema / off of tokens/s. */
  ratio: number;
  /** What the grammar adds per token (ms). */
  costMs: number;
}

export function schemaComparison(m: ModelResult): SchemaComparison | null {
  const off = findRow(m, 'engine:off', 1);
  const schema = findRow(m, 'engine:schema', 1);
  if (!off || !schema) return null;
  const [offTps, schemaTps] = [headline(off), headline(schema)];
  return { offTps, schemaTps, ratio: rowRatio(schema, off), costMs: overheadMsPerToken(schemaTps, offTps) };
}

export function schemaLine(m: ModelResult): string {
  const c = schemaComparison(m);
  if (!c) return '';
  const verdict = c.ratio >= SCHEMA_MIN_RATIO ? 'within' : '**outside**';
  return (
    `JSON schema vs the same request unconstrained (c=1): ${c.schemaTps.toFixed(1)} vs ${c.offTps.toFixed(1)} tok/s, ` +
    `ratio ${c.ratio.toFixed(3)} (${verdict} the goal of ≥ ${SCHEMA_MIN_RATIO}), ` +
    `${c.costMs.toFixed(3)} ms per token for the grammar.`
  );
}
