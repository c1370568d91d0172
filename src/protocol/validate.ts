// Structural validation of a request body against its TypeBox schema. The first
// failure becomes a SelarError naming the offending parameter the way OpenAI does
// (`messages[0].content`), so clients can tell exactly what to fix.
import type { TSchema, Static } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { SelarError } from '../errors.js';

/**
 * OpenAI parameters we know and accept only in part (or not at all), with the reason.
 * Any error inside one of these fields is reported with this message.
 */
const unsupported: Record<string, string> = {
  // They would change the result silently: audio out, web search, fill-in-the-middle.
  audio: 'audio output is not supported',
  modalities: 'only text output is supported (modalities ["text"])',
  web_search_options: 'web search is not supported',
  suffix: 'suffix is not supported',
  chat_template:
    "a chat template per request is not accepted (as in vLLM by default); the model's own template is used",
  // ── The deprecated function-calling fields (tools and tool_choice replace them) ──
  functions: 'functions is deprecated and not supported; use tools',
  function_call: 'function_call is deprecated and not supported; use tool_choice',
};

/** `/messages/0/content` → `messages[0].content`; with the value, numeric object keys stay `.5`. */
export function paramName(path: string, root?: unknown): string | null {
  const parts = path
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (parts.length === 0) return null;
  let out = '';
  let at: unknown = root;
  for (const p of parts) {
    const index = /^\d+$/.test(p) && (root === undefined || Array.isArray(at));
    out += index ? `[${p}]` : out === '' ? p : `.${p}`;
    at = at !== null && typeof at === 'object' ? (at as Record<string, unknown>)[p] : undefined;
  }
  return out;
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

/** A union reports only "Expected union value"; dig into the variant that matters. */
function describe(error: ValueError): string {
  if (error.type !== ValueErrorType.Union) return lowerFirst(error.message);
  const variants = (error.schema.anyOf ?? []) as TSchema[];
  if (variants.length > 0 && variants.every((v) => 'const' in v)) {
    return `expected one of ${variants.map((v) => JSON.stringify(v.const)).join(', ')}`;
  }
  const nonNull = variants.map((v, i) => [v, i] as const).filter(([v]) => v.type !== 'null');
  if (nonNull.length === 1) {
    const inner = [...error.errors[nonNull[0][1]]][0];
    if (inner) return describe(inner);
  }
  return `${JSON.stringify(error.value)} is not one of the accepted forms`;
}

/** The JSON type of a value as a schema's `type` names it. */
function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function typeMatches(schema: TSchema, value: unknown): boolean {
  const t = jsonType(value);
  if (schema.type === t || (schema.type === 'number' && t === 'integer')) return true;
  return schema.type === undefined && 'const' in schema && schema.const === value;
}

/** The literal values a property's schema allows (a literal or a union of literals), or null. */
function literals(schema: TSchema | undefined): unknown[] | null {
  if (!schema) return null;
  if ('const' in schema) return [schema.const];
  const variants = schema.anyOf as TSchema[] | undefined;
  if (variants && variants.length > 0 && variants.every((v) => 'const' in v)) return variants.map((v) => v.const);
  return null;
}

/** For a union of objects told apart by a literal property (`role`), the variants the value claims. */
function byDiscriminator(
  variants: TSchema[],
  value: Record<string, unknown>,
): { key: string; matches: number[]; allowed: unknown[] } | null {
  const first = variants[0]?.properties as Record<string, TSchema> | undefined;
  if (!first || !variants.every((v) => v.type === 'object')) return null;
  const key = Object.keys(first).find((k) =>
    variants.every((v) => literals((v.properties as Record<string, TSchema>)[k]) !== null),
  );
  if (key === undefined) return null;
  const allowed = variants.flatMap((v) => literals((v.properties as Record<string, TSchema>)[key])!);
  if (value[key] === undefined) return { key, matches: closestWithout(variants, key, value), allowed };
  const matches = variants
    .map((v, i) => [v, i] as const)
    .filter(([v]) => literals((v.properties as Record<string, TSchema>)[key])!.includes(value[key]))
    .map(([, i]) => i);
  return { key, matches, allowed };
}

/**
 * A value without the discriminator (a Responses input message may omit `type`): of
 * the variants where it is optional, those with the most of their required fields present.
 */
function closestWithout(variants: TSchema[], key: string, value: Record<string, unknown>): number[] {
  const required = (v: TSchema) => (v.required ?? []) as string[];
  const scored = variants
    .map((v, i) => ({ i, optional: !required(v).includes(key), present: required(v).filter((k) => k in value).length }))
    .filter((c) => c.optional);
  const best = Math.max(...scored.map((c) => c.present));
  return scored.filter((c) => c.present === best).map((c) => c.i);
}

/**
 * A union reports only "Expected union value". Narrow it to the variant the value was
 * meant to be (the only one of its JSON type, or the one its `role` names) and report
 * that variant's error, at its own path. A discriminator that matches no variant is
 * reported on the discriminator itself (`messages[0].role`).
 */
function narrow(error: ValueError): ValueError {
  while (error.type === ValueErrorType.Union) {
    const variants = (error.schema.anyOf ?? []) as TSchema[];
    let pick = variants
      .map((v, i) => [v, i] as const)
      .filter(([v]) => typeMatches(v, error.value))
      .map(([, i]) => i);
    const value = error.value;
    if (pick.length > 1 && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const d = byDiscriminator(variants, value as Record<string, unknown>);
      if (d && d.matches.length === 0) {
        const message = `expected one of ${d.allowed.map((a) => JSON.stringify(a)).join(', ')}`;
        const at = (value as Record<string, unknown>)[d.key];
        return { ...error, type: ValueErrorType.Literal, path: `${error.path}/${d.key}`, value: at, message };
      }
      if (d) pick = d.matches;
      // Told apart by which required fields are present (a prompt or messages).
      else pick = pick.filter((i) => ((variants[i].required ?? []) as string[]).every((k) => Object.hasOwn(value, k)));
    }
    if (pick.length !== 1) break;
    const inner = [...error.errors[pick[0]]][0];
    if (!inner) break;
    error = inner;
  }
  return error;
}

/** Content parts other than text (images, audio, files) would be dropped: the model cannot see them. */
const contentPart = /^\/messages\/(\d+)\/content\/(\d+)(\/|$)/;

function nonTextPart(path: string, body: unknown): string | null {
  const m = contentPart.exec(path);
  if (!m) return null;
  const messages = (body as { messages?: unknown } | undefined)?.messages;
  const content = Array.isArray(messages)
    ? (messages[Number(m[1])] as { content?: unknown } | undefined)?.content
    : undefined;
  const part = Array.isArray(content) ? (content[Number(m[2])] as { type?: unknown } | undefined) : undefined;
  const type = part !== null && typeof part === 'object' ? part.type : undefined;
  return typeof type === 'string' && type !== 'text' && type !== 'refusal'
    ? `messages[${m[1]}].content[${m[2]}].type`
    : null;
}

export function toSelarError(raw: ValueError, body?: unknown): SelarError {
  const error = narrow(raw);
  const param = paramName(error.path, body);
  const part = nonTextPart(error.path, body);
  if (part !== null) {
    return new SelarError(
      'invalid_request',
      `Invalid value for '${part}': this server serves a text-only model; ` + 'only "text" content parts are accepted',
      part,
    );
  }
  // Anything wrong inside a field we deliberately do not support is reported on that field.
  const field = error.path.split('/')[1];
  if (field !== undefined && Object.hasOwn(unsupported, field))
    return new SelarError('invalid_request', unsupported[field], field);
  if (error.type === ValueErrorType.ObjectAdditionalProperties) {
    return new SelarError('invalid_request', `Unrecognized request argument supplied: ${param}`, param);
  }
  if (error.type === ValueErrorType.ObjectRequiredProperty) {
    return new SelarError('invalid_request', `Missing required parameter: '${param}'`, param);
  }
  if (param === null)
    return new SelarError('invalid_request', `The request body must be a JSON object (${describe(error)})`, null);
  return new SelarError('invalid_request', `Invalid value for '${param}': ${describe(error)}`, param);
}

export interface Validator<T extends TSchema> {
  check(value: unknown): value is Static<T>;
  /** Returns the value typed, or throws SelarError('invalid_request') naming the param. */
  parse(value: unknown): Static<T>;
}

const cache = new WeakMap<TSchema, TypeCheck<TSchema>>();

export function validator<T extends TSchema>(schema: T): Validator<T> {
  let compiled = cache.get(schema) as TypeCheck<T> | undefined;
  if (!compiled) {
    compiled = TypeCompiler.Compile(schema);
    cache.set(schema, compiled);
  }
  const c = compiled;
  return {
    check: (value: unknown): value is Static<T> => c.Check(value),
    parse(value: unknown): Static<T> {
      if (c.Check(value)) return value;
      const first = c.Errors(value).First();
      throw first ? toSelarError(first, value) : new SelarError('invalid_request', 'Invalid request body', null);
    },
  };
}
