// The structured-output fields of a request → one GrammarSpec (or none), and the
// check that XGrammar accepts it, so a bad schema, regex or grammar is a 400 naming
// the param before the request reaches a worker.
import type { Static } from '@sinclair/typebox';
import { SelarError } from '../errors.js';
import { asStructuralTag, grammarKey, type GrammarSpec } from '../grammar/spec.js';
import { captureReason, GrammarError, loadXGrammar } from '../grammar/xgrammar.js';
import { compactStructuralTag } from '../grammar/compact-tag.js';
import { JSON_OPTIONS } from '../grammar/json-options.js';
import type { structuredOutputFields } from '../protocol/structured-outputs.js';

type Fields = { [K in keyof typeof structuredOutputFields]?: Static<(typeof structuredOutputFields)[K]> };

/** A grammar and the request param it came from (named in errors). */
export interface GrammarRequest {
  spec: GrammarSpec;
  param: string;
}

function schemaText(value: string | Record<string, unknown>, param: string): string {
  if (typeof value !== 'string') return JSON.stringify(value);
  try {
    JSON.parse(value);
  } catch (err) {
    throw new SelarError(
      'invalid_request',
      `Invalid value for '${param}': not JSON (${(err as Error).message})`,
      param,
    );
  }
  return value;
}

function candidates(req: Fields): GrammarRequest[] {
  const out: GrammarRequest[] = [];
  const rf = req.response_format;
  if (rf?.type === 'json_object') out.push({ spec: { type: 'json_object' }, param: 'response_format' });
  if (rf?.type === 'json_schema') {
    const param = 'response_format.json_schema.schema';
    if (rf.json_schema.schema === undefined)
      throw new SelarError('invalid_request', `Missing required parameter: '${param}'`, param);
    out.push({ spec: { type: 'json_schema', schema: JSON.stringify(rf.json_schema.schema) }, param });
  }
  const so = req.structured_outputs;
  if (so) {
    const given: GrammarRequest[] = [];
    if (so.json !== undefined)
      given.push({
        spec: { type: 'json_schema', schema: schemaText(so.json, 'structured_outputs.json') },
        param: 'structured_outputs.json',
      });
    if (so.regex !== undefined)
      given.push({ spec: { type: 'regex', pattern: so.regex }, param: 'structured_outputs.regex' });
    if (so.choice !== undefined)
      given.push({ spec: { type: 'choice', choices: so.choice }, param: 'structured_outputs.choice' });
    if (so.grammar !== undefined)
      given.push({ spec: { type: 'ebnf', grammar: so.grammar }, param: 'structured_outputs.grammar' });
    if (so.json_object === true) given.push({ spec: { type: 'json_object' }, param: 'structured_outputs.json_object' });
    if (given.length === 0)
      throw new SelarError(
        'invalid_request',
        'structured_outputs must set one of json, regex, choice, grammar, json_object',
        'structured_outputs',
      );
    out.push(...given);
  }
  if (req.guided_json != null)
    out.push({
      spec: { type: 'json_schema', schema: schemaText(req.guided_json, 'guided_json') },
      param: 'guided_json',
    });
  if (req.guided_regex != null) out.push({ spec: { type: 'regex', pattern: req.guided_regex }, param: 'guided_regex' });
  if (req.guided_choice != null)
    out.push({ spec: { type: 'choice', choices: req.guided_choice }, param: 'guided_choice' });
  if (req.guided_grammar != null)
    out.push({ spec: { type: 'ebnf', grammar: req.guided_grammar }, param: 'guided_grammar' });
  if (req.json_schema != null)
    out.push({ spec: { type: 'json_schema', schema: JSON.stringify(req.json_schema) }, param: 'json_schema' });
  if (req.grammar != null) out.push({ spec: { type: 'ebnf', grammar: req.grammar }, param: 'grammar' });
  return out;
}

/** The request's one grammar, or null; two constraints in one request are a 400. */
export function resolveGrammar(req: Fields): GrammarRequest | null {
  const all = candidates(req);
  if (all.length > 1) {
    throw new SelarError(
      'invalid_request',
      `Only one structured-output constraint per request: '${all[0].param}' and '${all[1].param}' were both given`,
      all[1].param,
    );
  }
  return all[0] ?? null;
}

/** Sources XGrammar has accepted recently, so a repeated schema is not parsed again. */
const accepted = new Set<string>();
const ACCEPTED_MAX = 256;

/**
 * Parses the grammar with XGrammar on this thread (no vocabulary: milliseconds);
 * compiling it for the vocabulary is the worker's job.
 */
export async function checkGrammar(g: GrammarRequest): Promise<void> {
  const key = grammarKey(g.spec);
  if (accepted.has(key)) return;
  const xg = await loadXGrammar();
  const spec = g.spec;
  try {
    const o = JSON_OPTIONS;
    const grammar = await captureReason(async () => {
      if (spec.type === 'json_object') return xg.Grammar.builtinJSONGrammar();
      if (spec.type === 'json_schema')
        return xg.Grammar.fromJSONSchema(spec.schema, o.anyWhitespace, o.indent, o.separators, o.strict);
      if (spec.type === 'ebnf') return xg.Grammar.fromEBNF(spec.grammar);
      return xg.Grammar.fromStructuralTag(await compactStructuralTag(xg, asStructuralTag(spec)!));
    });
    grammar.dispose();
  } catch (err) {
    if (!(err instanceof GrammarError)) throw err;
    throw new SelarError('invalid_request', `Invalid value for '${g.param}': ${err.reason}`, g.param);
  }
  if (accepted.size >= ACCEPTED_MAX) accepted.delete(accepted.values().next().value as string);
  accepted.add(key);
}
