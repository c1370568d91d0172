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
  response_format: "only response_format {\"type\": \"text\"} is supported",
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

/** `/messages/0/content` → `messages[0].content`. */
export function paramName(path: string): string | null {
  const parts = path.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (parts.length === 0) return null;
  let out = '';
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : out === '' ? p : `.${p}`;
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

export function toSelarError(error: ValueError): SelarError {
  const param = paramName(error.path);
  const top = param !== null && !param.includes('.') && !param.includes('[');
  if (error.type === ValueErrorType.ObjectAdditionalProperties) {
    if (top && Object.hasOwn(unsupported, param)) return new SelarError('invalid_request', unsupported[param], param);
    return new SelarError('invalid_request', `Unrecognized request argument supplied: ${param}`, param);
  }
  if (top && Object.hasOwn(unsupported, param)) return new SelarError('invalid_request', unsupported[param], param);
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
      throw first ? toSelarError(first) : new SelarError('invalid_request', 'Invalid request body', null);
    },
  };
}
