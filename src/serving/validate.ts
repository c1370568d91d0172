// Structural validation of a request body against its TypeBox schema. The first
// failure becomes a SelarError naming the offending parameter the way OpenAI does
// (`messages[0].content`), so clients can tell exactly what to fix.
import type { TSchema, Static } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { SelarError } from '../errors.js';

/** OpenAI parameters we know and deliberately do not implement, with the reason. */
const unsupported: Record<string, string> = {
  tools: 'tool calling is not supported by this server',
  tool_choice: 'tool calling is not supported by this server',
  parallel_tool_calls: 'tool calling is not supported by this server',
  functions: 'function calling is not supported by this server',
  function_call: 'function calling is not supported by this server',
  echo: 'echo is not supported (only echo=false)',
  suffix: 'suffix is not supported',
  audio: 'audio output is not supported',
  modalities: 'only text output is supported',
  prediction: 'predicted outputs are not supported',
  web_search_options: 'web search is not supported',
  reasoning_effort: 'reasoning_effort is not supported; use chat_template_kwargs',
  store: 'stored completions are not supported',
  metadata: 'stored completions are not supported',
  service_tier: 'service tiers are not supported',
};

/** `/messages/0/content` → `messages[0].content`; with the value, numeric object keys stay `.5`. */
export function paramName(path: string, root?: unknown): string | null {
  const parts = path.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
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

/** A nullable field's error is about its one non-null form: report that error, at its own path. */
function unwrapNullable(error: ValueError): ValueError {
  while (error.type === ValueErrorType.Union) {
    const variants = (error.schema.anyOf ?? []) as TSchema[];
    const nonNull = variants.map((v, i) => [v, i] as const).filter(([v]) => v.type !== 'null');
    if (variants.length !== 2 || nonNull.length !== 1 || error.value === null) break;
    const inner = [...error.errors[nonNull[0][1]]][0];
    if (!inner) break;
    error = inner;
  }
  return error;
}

export function toSelarError(raw: ValueError, body?: unknown): SelarError {
  const error = unwrapNullable(raw);
  const param = paramName(error.path, body);
  // Anything wrong inside a field we deliberately do not support is reported on that field.
  const field = error.path.split('/')[1];
  if (field !== undefined && Object.hasOwn(unsupported, field)) return new SelarError('invalid_request', unsupported[field], field);
  if (error.type === ValueErrorType.ObjectAdditionalProperties) {
    return new SelarError('invalid_request', `Unrecognized request argument supplied: ${param}`, param);
  }
  if (error.type === ValueErrorType.ObjectRequiredProperty) {
    return new SelarError('invalid_request', `Missing required parameter: '${param}'`, param);
  }
  if (param === null) return new SelarError('invalid_request', `The request body must be a JSON object (${describe(error)})`, null);
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
