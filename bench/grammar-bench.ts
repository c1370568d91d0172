// The engine:schema row: the engine:off request (greedy, eos ignored) under a JSON
// schema, so the two rows price structured outputs at the same concurrency. The
// schema leaves the answer open (one long string), so the grammar rarely ends a
// sequence before its token count; when it does, the sequence's own count is timed.
import type { Engine } from '../src/engine/types.js';
import type { GrammarSpec } from '../src/grammar/spec.js';
import { benchRequest } from './requests.js';
import type { SequenceTiming } from './stats.js';

export const BENCH_SCHEMA: GrammarSpec = {
  type: 'json_schema',
  schema: JSON.stringify({
    type: 'object',
    properties: { answer: { type: 'string' }, confidence: { type: 'number' } },
    required: ['answer', 'confidence'],
  }),
};

export async function timeSchemaSequence(engine: Engine, promptIds: number[], tokens: number): Promise<SequenceTiming> {
  const request = benchRequest(promptIds, tokens, 'off', engine.model.eosTokenIds);
  request.grammar = BENCH_SCHEMA;
  request.grammarParam = 'response_format';
  const startMs = performance.now();
  let firstTokenMs = 0;
  let lastTokenMs = 0;
  let count = 0;
  for await (const event of engine.generate(request)) {
    if (event.type !== 'token') continue;
    lastTokenMs = performance.now();
    if (count++ === 0) firstTokenMs = lastTokenMs;
  }
  if (count < 2) throw new Error(`the schema request produced ${count} tokens: too few to time`);
  return { startMs, firstTokenMs, lastTokenMs, tokens: count, softTokens: 0 };
}

/** `concurrency` schema requests started together, prompts taken round-robin. */
export function runSchema(
  engine: Engine,
  prompts: number[][],
  concurrency: number,
  tokens: number,
): Promise<SequenceTiming[]> {
  return Promise.all(
    Array.from({ length: concurrency }, (_, i) => timeSchemaSequence(engine, prompts[i % prompts.length], tokens)),
  );
}
