// A JSON schema whose compile takes XGrammar seconds whatever the vocabulary (about 4 s alone
// on the CI machine, longer under load), for the compile time limit's tests. Its cost grows
// with the enum's total length; the limits those tests set are at most 300 ms, so a faster
// machine still leaves a margin of ten or more.
import type { GrammarSpec } from '../../src/grammar/spec.js';

export const slowSchema = {
  type: 'object',
  properties: { a: { enum: Array.from({ length: 3000 }, (_, i) => `value-${i}-${'x'.repeat(250 + (i % 17))}`) } },
  required: ['a'],
};

export const SLOW_SPEC: GrammarSpec = { type: 'json_schema', schema: JSON.stringify(slowSchema) };
