// Server configuration: ONE TypeBox schema, filled from CLI flags, then SELAR_*
// environment variables, then the schema defaults, validated and frozen. Flag and
// variable names are derived from the property names (queueSize → --queue-size,
// SELAR_QUEUE_SIZE) so the three can never drift apart.
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { StringEnum } from './protocol/common.js';
import { validator } from './protocol/validate.js';
import { ConfigError, SelarError } from './errors.js';
import { SUPPORTED_DTYPES } from './model/layout.js';
import { ENGINE_DEFAULTS, type EngineOptions } from './engine/options.js';
import { QUANTIZE_DEFAULTS, QUANTIZE_LEVELS, quantizeSpec } from './model/quantize/index.js';

/** The demo model shipped in the repository (models/selar-demo), served when no --model is given. */
export const BUNDLED_MODEL = fileURLToPath(new URL('../models/selar-demo', import.meta.url));

const Ms = (def: number, description: string) => Type.Integer({ minimum: 0, default: def, description });

export const ConfigSchema = Type.Object(
  {
    model: Type.String({
      minLength: 1,
      default: BUNDLED_MODEL,
      description: 'model folder (ONNX model, tokenizer.json, configs); default: the bundled demo model',
    }),
    modelId: Type.String({ default: '', description: 'model id clients must send (default: the model folder name)' }),
    host: Type.String({
      minLength: 1,
      default: '127.0.0.1',
      description: 'address to listen on (0.0.0.0 for all interfaces)',
    }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8000, description: 'TCP port (0 = any free port)' }),
    cpus: Type.Integer({
      minimum: 0,
      default: 0,
      description:
        'CPU cores to plan workers and threads for (0 = every core the machine reports; in a container, set ' +
        'its CPU limit)',
    }),
    workers: Type.Integer({
      minimum: 0,
      default: 0,
      description:
        'worker threads, each with its own session (0 = automatic: one per core for models with hidden size < 512, ' +
        'else one per two cores)',
    }),
    threadsPerWorker: Type.Integer({
      minimum: 0,
      default: 0,
      description:
        'intra-op threads per worker (0 = automatic: 1 for models with hidden size < 512, else cores / workers)',
    }),
    maxSequencesPerWorker: Type.Integer({
      minimum: 1,
      default: ENGINE_DEFAULTS.maxSequencesPerWorker,
      description: 'sequences each worker decodes concurrently',
    }),
    batching: StringEnum(['exact', 'padded'] as const, {
      description:
        'exact: only sequences of equal length share a forward pass (each answer bitwise as if alone); padded: all ' +
        'do, left-padded (more throughput with mixed lengths; equal up to float rounding)',
    }),
    queueSize: Type.Integer({
      minimum: 1,
      default: ENGINE_DEFAULTS.queueSize,
      description: 'sequences waiting for a worker before requests get 429',
    }),
    maxN: Type.Integer({
      minimum: 1,
      maximum: 128,
      default: 8,
      description: 'largest accepted `n` (sequences per request)',
    }),
    device: Type.String({
      pattern: '^(cpu|auto|cuda(:[0-9]+)?)$',
      default: ENGINE_DEFAULTS.device,
      description: 'cpu, cuda, cuda:N or auto',
    }),
    dtype: StringEnum(SUPPORTED_DTYPES, {
      description: `ONNX weights variant to load (${SUPPORTED_DTYPES.join(', ')})`,
    }),
    quantize: StringEnum(['none', ...QUANTIZE_LEVELS] as const, {
      description:
        'quantize the loaded fp32/fp16 weights at start-up (q4, q8: block-wise MatMulNBits, cached like `selar convert --quantize`); none = as exported',
    }),
    quantizeBlockSize: Type.Integer({
      minimum: 16,
      maximum: 4096,
      default: QUANTIZE_DEFAULTS.blockSize,
      description:
        'with --quantize: weights per quantization block along K (a power of two; a MatMul whose K it does not divide takes the largest smaller one that does)',
    }),
    quantizeAccuracyLevel: Type.Integer({
      minimum: 0,
      maximum: 4,
      default: QUANTIZE_DEFAULTS.accuracyLevel,
      description: 'with --quantize: MatMulNBits accuracy_level (4 = int8 compute, fastest on CPU; 0 = fp32 compute)',
    }),
    temperature: Type.Number({ minimum: 0, maximum: 2, default: 1, description: 'default temperature (0 = greedy)' }),
    topP: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 1, description: 'default top_p' }),
    topK: Type.Integer({ minimum: 0, default: 0, description: 'default top_k (0 = off)' }),
    minP: Type.Number({ minimum: 0, maximum: 1, default: 0, description: 'default min_p (0 = off)' }),
    repetitionPenalty: Type.Number({
      exclusiveMinimum: 0,
      maximum: 10,
      default: 1,
      description: 'default repetition_penalty (1 = off)',
    }),
    presencePenalty: Type.Number({ minimum: -2, maximum: 2, default: 0, description: 'default presence_penalty' }),
    frequencyPenalty: Type.Number({ minimum: -2, maximum: 2, default: 0, description: 'default frequency_penalty' }),
    maxTokens: Type.Integer({
      minimum: 0,
      default: 0,
      description: 'default max_tokens when a request gives none (0 = up to the context length)',
    }),
    selarMode: StringEnum(['selar', 'soft', 'off', 'soft_thinking', 'swir'] as const, {
      description: 'default selar.mode',
    }),
    selarTopK: Type.Integer({ minimum: 2, maximum: 64, default: 3, description: 'default selar.top_k' }),
    selarEntropyThreshold: Type.Number({
      minimum: 0,
      maximum: 1,
      default: 0.5,
      description: 'default selar.entropy_threshold',
    }),
    selarContrastiveWeight: Type.Number({ minimum: 0, default: 1, description: 'default selar.contrastive_weight' }),
    selarDiscreteTokens: StringEnum(['math', 'none'] as const, { description: 'default selar.discrete_tokens' }),
    selarScope: StringEnum(['all', 'thinking'] as const, { description: 'default selar.scope' }),
    selarEntropy: StringEnum(['topk', 'full'] as const, { description: 'default selar.entropy' }),
    selarHotTemperature: Type.Number({
      exclusiveMinimum: 0,
      maximum: 10,
      default: 1.5,
      description: 'default selar.hot_temperature',
    }),
    selarThinkEnd: Type.String({
      maxLength: 64,
      default: '',
      description: "default selar.think_end (empty = the tokenizer's </think>)",
    }),
    selarNoise: StringEnum(['none', 'gumbel', 'dirichlet'] as const, { description: 'default selar.noise' }),
    selarNoiseTemperature: Type.Number({
      exclusiveMinimum: 0,
      maximum: 100,
      default: 1,
      description: 'default selar.noise_temperature',
    }),
    selarNoiseAlpha: Type.Number({
      exclusiveMinimum: 0,
      maximum: 1e6,
      default: 1,
      description: 'default selar.noise_alpha',
    }),
    selarSoftThinkingMaxTopk: Type.Integer({
      minimum: 1,
      maximum: 64,
      default: 15,
      description: 'default selar.soft_thinking.max_topk',
    }),
    selarSoftThinkingMinP: Type.Number({
      minimum: 0,
      maximum: 1,
      default: 0,
      description: 'default selar.soft_thinking.min_p',
    }),
    selarSoftThinkingColdStopEntropy: Type.Number({
      minimum: 0,
      default: 0,
      description: 'default selar.soft_thinking.cold_stop_entropy (0 = Cold Stop off)',
    }),
    selarSoftThinkingColdStopSteps: Type.Integer({
      minimum: 1,
      default: 256,
      description: 'default selar.soft_thinking.cold_stop_steps',
    }),
    selarSoftThinkingAfterTemperature: Type.Number({
      minimum: -1,
      maximum: 2,
      default: -1,
      description: "default selar.soft_thinking.after_thinking.temperature (-1 = the request's temperature)",
    }),
    selarSoftThinkingAfterTopP: Type.Number({
      minimum: -1,
      maximum: 1,
      default: -1,
      description: "default selar.soft_thinking.after_thinking.top_p (-1 = the request's top_p)",
    }),
    selarSoftThinkingAfterTopK: Type.Integer({
      minimum: -1,
      default: -1,
      description: "default selar.soft_thinking.after_thinking.top_k (-1 = the request's top_k, 0 = off)",
    }),
    selarSoftThinkingAfterMinP: Type.Number({
      minimum: -1,
      maximum: 1,
      default: -1,
      description: "default selar.soft_thinking.after_thinking.min_p (-1 = the request's min_p)",
    }),
    selarSwirWindowSize: Type.Integer({ minimum: 1, default: 512, description: 'default selar.swir.window_size' }),
    selarSwirAlpha: Type.Number({ minimum: 0, maximum: 1, default: 1, description: 'default selar.swir.alpha' }),
    selarSwirBeta: Type.Number({ minimum: 0, maximum: 1, default: 0.7, description: 'default selar.swir.beta' }),
    selarSwirMaxSwitchCount: Type.Integer({
      minimum: -1,
      default: -1,
      description: 'default selar.swir.max_switch_count (-1 = no limit)',
    }),
    selarSwirAnswerPrefix: Type.String({
      maxLength: 256,
      default: String.raw`\n\nThe final answer is`,
      description: String.raw`default selar.swir.answer_prefix (\n stands for a newline)`,
    }),
    selarSwirAnswerTokens: Type.Integer({ minimum: 1, default: 32, description: 'default selar.swir.answer_tokens' }),
    apiKeys: Type.Array(Type.String({ minLength: 1 }), {
      default: [],
      description: 'comma-separated API keys; empty = no authentication',
    }),
    corsOrigins: Type.Array(Type.String({ minLength: 1 }), {
      default: [],
      description: 'comma-separated allowed CORS origins (* = any); empty = CORS off',
    }),
    bodyLimit: Type.Integer({ minimum: 1024, default: 4 * 1024 * 1024, description: 'largest request body in bytes' }),
    headersTimeoutMs: Ms(30_000, 'time allowed to receive the request headers'),
    requestTimeoutMs: Ms(60_000, 'time allowed to receive the whole request (not the response)'),
    deadlineMs: Ms(600_000, 'longest a generation may run before it is cut off with 504 (0 = none)'),
    streamInterval: Type.Integer({
      minimum: 1,
      maximum: 1024,
      default: 1,
      description:
        'tokens per SSE chunk after the first (1 = each token as it is produced; more = fewer, larger chunks and ' +
        'less CPU per token under load)',
    }),
    responsesMaxStored: Type.Integer({
      minimum: 0,
      default: 1000,
      description: 'stored /v1/responses kept in memory, oldest dropped first (0 = store none); per process',
    }),
    responsesTtlS: Type.Integer({
      minimum: 1,
      default: 3600,
      description: 'seconds a stored /v1/responses response is kept',
    }),
    pingIntervalMs: Ms(10_000, 'send an SSE `: ping` comment after this much silence (0 = never)'),
    drainTimeoutMs: Ms(30_000, 'on SIGTERM/SIGINT, how long in-flight requests may finish'),
    retryAfterS: Type.Integer({ minimum: 1, default: 1, description: 'Retry-After seconds sent with 429' }),
    logLevel: StringEnum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, {
      description: 'pino log level',
    }),
    toolCallParser: StringEnum(['auto', 'hermes', 'llama3_json', 'mistral', 'generic'] as const, {
      description:
        'how the model writes tool calls (auto: detected from the chat template; generic: a JSON envelope any model ' +
        'can follow)',
    }),
    grammarCompileTimeoutMs: Ms(
      ENGINE_DEFAULTS.grammarCompileTimeoutMs,
      'longest one grammar compile (structured outputs, tools) may run; a request whose grammar runs over gets 400 (0 = no limit)',
    ),
    logPrompts: Type.Boolean({
      default: false,
      description: 'log prompt text with each request (off: prompts are never logged)',
    }),
  },
  { additionalProperties: false },
);

// Enum defaults live here because StringEnum builds a union (no `default` slot of its own).
const enumDefaults = {
  toolCallParser: 'auto',
  batching: ENGINE_DEFAULTS.batching,
  dtype: ENGINE_DEFAULTS.dtype,
  quantize: 'none',
  selarMode: 'selar',
  selarDiscreteTokens: 'math',
  selarScope: 'all',
  selarEntropy: 'topk',
  selarNoise: 'none',
  logLevel: 'info',
} as const;

export type Config = Readonly<Static<typeof ConfigSchema>>;
export type ConfigKey = keyof Static<typeof ConfigSchema>;

export const flagName = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
export const envName = (key: string) => `SELAR_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;

const props = ConfigSchema.properties as Record<ConfigKey, TSchema>;
const keys = Object.keys(props) as ConfigKey[];

export function defaultOf(key: ConfigKey): unknown {
  return (enumDefaults as Record<string, unknown>)[key] ?? props[key].default;
}

function coerce(key: ConfigKey, raw: string | boolean, source: string): unknown {
  const schema = props[key];
  if (typeof raw === 'boolean') return raw;
  const text = raw.trim();
  switch (schema.type) {
    case 'integer':
    case 'number': {
      const n = Number(text);
      if (text === '' || !Number.isFinite(n))
        throw new ConfigError(`${source}: expected a number, got ${JSON.stringify(raw)}`);
      return n;
    }
    case 'boolean':
      if (/^(1|true|yes|on)$/i.test(text)) return true;
      if (/^(0|false|no|off)$/i.test(text)) return false;
      throw new ConfigError(`${source}: expected true or false, got ${JSON.stringify(raw)}`);
    case 'array':
      return text
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
    default:
      return text;
  }
}

/** Flags win over environment variables, which win over the defaults. */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Config {
  const options = Object.fromEntries(
    keys.map((k) => [flagName(k), { type: props[k].type === 'boolean' ? 'boolean' : 'string' } as const]),
  );
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const flag = values[flagName(key)];
    const fromEnv = env[envName(key)];
    if (flag !== undefined) out[key] = coerce(key, flag, `--${flagName(key)}`);
    else if (fromEnv !== undefined && fromEnv !== '') out[key] = coerce(key, fromEnv, envName(key));
    else if (defaultOf(key) !== undefined) out[key] = structuredClone(defaultOf(key));
  }
  return checked(out);
}

/**
 * A configuration from typed values over the defaults, for commands that start a
 * server or engine themselves (selar generate, selar eval): no flags to format and
 * parse back, and no environment (SELAR_* variables meant for a separately run server
 * must not change what they do). Validated as loadConfig validates.
 */
export function configFrom(values: Partial<Static<typeof ConfigSchema>>): Config {
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const given = values[key];
    if (given !== undefined) out[key] = structuredClone(given);
    else if (defaultOf(key) !== undefined) out[key] = structuredClone(defaultOf(key));
  }
  return checked(out);
}

/** Validates a filled-in configuration and freezes it. */
function checked(out: Record<string, unknown>): Config {
  try {
    validator(ConfigSchema).parse(out);
  } catch (err) {
    if (!(err instanceof SelarError)) throw err;
    const key = err.param as ConfigKey | null;
    const where = key && key in props ? `--${flagName(key)} / ${envName(key)}` : 'configuration';
    throw new ConfigError(`${where}: ${err.message.replace(/^Invalid value for '[^']*': /, '')}`);
  }
  // Node refuses a headers timeout longer than the whole-request timeout.
  const { headersTimeoutMs, requestTimeoutMs } = out as { headersTimeoutMs: number; requestTimeoutMs: number };
  if (requestTimeoutMs > 0 && headersTimeoutMs > requestTimeoutMs) {
    throw new ConfigError('--headers-timeout-ms must not exceed --request-timeout-ms');
  }
  const blockSize = out.quantizeBlockSize as number;
  if ((blockSize & (blockSize - 1)) !== 0)
    throw new ConfigError(`--quantize-block-size / SELAR_QUANTIZE_BLOCK_SIZE: ${blockSize} is not a power of two`);
  for (const v of Object.values(out)) if (Array.isArray(v)) Object.freeze(v);
  return Object.freeze(out) as unknown as Config;
}

/** The option table for `--help` and docs/configuration.md. */
export function configTable(): string {
  const rows = keys.map((k) => {
    const def = defaultOf(k);
    const shown =
      k === 'model'
        ? '`models/selar-demo` (bundled)'
        : Array.isArray(def)
          ? '(empty)'
          : def === undefined
            ? '(required)'
            : def === ''
              ? '(none)'
              : String(def);
    return `| \`--${flagName(k)}\` | \`${envName(k)}\` | ${shown} | ${props[k].description ?? ''} |`;
  });
  return ['| flag | environment variable | default | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/** The engine settings a configuration implies (serve, generate and eval share them). */
export function engineOptions(config: Config): EngineOptions {
  return {
    modelDir: config.model,
    modelId: config.modelId === '' ? undefined : config.modelId,
    cpus: config.cpus === 0 ? undefined : config.cpus,
    workers: config.workers === 0 ? undefined : config.workers,
    threadsPerWorker: config.threadsPerWorker === 0 ? undefined : config.threadsPerWorker,
    maxSequencesPerWorker: config.maxSequencesPerWorker,
    batching: config.batching,
    queueSize: config.queueSize,
    device: config.device,
    dtype: config.dtype,
    grammarCompileTimeoutMs: config.grammarCompileTimeoutMs,
    quantize:
      config.quantize === 'none'
        ? undefined
        : quantizeSpec(config.quantize, {
            blockSize: config.quantizeBlockSize,
            accuracyLevel: config.quantizeAccuracyLevel,
          }),
  };
}
