// Wire schemas shared by the chat and legacy completions endpoints. These TypeBox
// objects are the single source for request validation, the TypeScript types and the
// OpenAPI document. Every object rejects unknown properties: a field we do not
// implement must fail loudly instead of being ignored.
import { Type, type Static, type TSchema, type TLiteral } from '@sinclair/typebox';
import { decodeExtraFields } from './decode-extras.js';

/** OpenAI clients commonly send `null` for "not given"; null means the default. */
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
export const OptionalNullable = <T extends TSchema>(schema: T) => Type.Optional(Nullable(schema));

export function StringEnum<const T extends readonly string[]>(values: T, options: { description?: string } = {}) {
  return Type.Union(values.map((v) => Type.Literal(v)) as unknown as TLiteral<T[number]>[], options);
}

/** Every selar.mode; a new method adds its name here and, with knobs, one object to modeKnobs. */
export const SELAR_MODES = ['selar', 'soft', 'off', 'random', 'hot', 'soft_thinking', 'swir'] as const;

/** Sampling settings after the thinking section (Soft Thinking); an omitted field keeps the request's. */
export const AfterThinking = Type.Object(
  {
    temperature: OptionalNullable(Type.Number({ minimum: 0, maximum: 2 })),
    top_p: OptionalNullable(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
    top_k: OptionalNullable(Type.Integer({ minimum: -1, description: '0 or -1 = off' })),
    min_p: OptionalNullable(Type.Number({ minimum: 0, maximum: 1 })),
  },
  { additionalProperties: false, description: 'sampling settings after the thinking section' },
);

export const SoftThinkingKnobs = Type.Object(
  {
    max_topk: Type.Optional(Type.Integer({ minimum: 1, maximum: 64, description: 'candidates in the concept token' })),
    min_p: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 1,
        description: 'candidates below min_p × the top probability are dropped before the top max_topk',
      }),
    ),
    cold_stop_entropy: Type.Optional(
      Type.Number({ minimum: 0, description: 'Cold Stop: entropy (nats) a thinking step must stay below; 0 = off' }),
    ),
    cold_stop_steps: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Cold Stop: consecutive low-entropy thinking steps' }),
    ),
    after_thinking: OptionalNullable(AfterThinking),
  },
  { additionalProperties: false, description: 'mode "soft_thinking" only: Soft Thinking (arXiv 2505.15778)' },
);

/** Mode swir's knobs (docs/api.md "Mode swir: SwiReasoning"); each omitted one takes its --selar-swir-* flag. */
export const SwirRequest = Type.Object(
  {
    window_size: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'W: steps in explicit mode before a switch back to latent is allowed',
      }),
    ),
    alpha: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 1,
        description: 'alpha_0: weight of the soft input against E[<think>] at a switch to latent (1: no blend)',
      }),
    ),
    beta: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 1,
        description: 'beta_0: weight of the soft input against E[</think>] at a switch to explicit',
      }),
    ),
    max_switch_count: OptionalNullable(
      Type.Integer({
        minimum: 0,
        description:
          'C: from the C-th switch to explicit the end-of-thinking string (think_end) is injected; ' +
          'past 2C, that string and answer_prefix; null: no limit',
      }),
    ),
    answer_prefix: Type.Optional(
      Type.String({ maxLength: 256, description: 'injected after the end string once switches to explicit exceed 2C' }),
    ),
    answer_tokens: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'tokens, counting the triggering one, after which a sequence past 2C switches ends',
      }),
    ),
  },
  { additionalProperties: false, description: 'mode "swir" only: SwiReasoning\'s knobs' },
);
export type SwirRequest = Static<typeof SwirRequest>;

/**
 * The knobs of the modes that have their own, one object per mode, named like the mode
 * (sending one with another mode is a 400). A new method with knobs adds one entry.
 */
export const modeKnobs = {
  soft_thinking: Type.Optional(SoftThinkingKnobs),
  swir: Type.Optional(SwirRequest),
};

export const SelarRequest = Type.Object(
  {
    mode: Type.Optional(
      StringEnum(SELAR_MODES, {
        description:
          '"selar": entropy-gated soft steps; "soft": every step soft; "off": plain decoding; ' +
          '"soft_thinking": every thinking step a concept token (Soft Thinking); "swir": SwiReasoning, latent and ' +
          'explicit thinking switched on the entropy trend. Ablations: ' +
          '"random": soft steps at random with probability soft_rate (seeded); "hot": where the gate fires, stay ' +
          'discrete but sample at hot_temperature',
      }),
    ),
    top_k: Type.Optional(
      Type.Integer({ minimum: 2, maximum: 64, description: 'candidates mixed into a soft embedding' }),
    ),
    entropy_threshold: Type.Optional(
      Type.Number({ minimum: 0, maximum: 1, description: 'tau, compared with the normalised top-k entropy' }),
    ),
    contrastive_weight: Type.Optional(
      Type.Number({ minimum: 0, description: 'w; 0 disables the push away from the top-1 token' }),
    ),
    discrete_tokens: Type.Optional(StringEnum(['math', 'none'] as const)),
    scope: Type.Optional(StringEnum(['all', 'thinking'] as const)),
    trace: Type.Optional(
      Type.Union([Type.Boolean(), Type.Literal('mix')], {
        description: 'true: per-token entropy and soft/discrete decisions; "mix": also each soft step\'s candidates',
      }),
    ),
    think_end: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description: "the end-of-thinking string (default: the tokenizer's </think>)",
      }),
    ),
    noise: Type.Optional(
      StringEnum(['none', 'gumbel', 'dirichlet'] as const, {
        description: "stochastic mixing of every soft input's weights (seeded like sampling)",
      }),
    ),
    noise_temperature: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 100,
        description: 'noise "gumbel" only: Gumbel-softmax temperature',
      }),
    ),
    noise_alpha: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 1e6,
        description: 'noise "dirichlet" only: weights ~ Dirichlet(noise_alpha · q)',
      }),
    ),
    entropy: Type.Optional(
      StringEnum(['topk', 'full'] as const, {
        description: 'gate entropy: normalised top-k entropy (the reference) or full-vocabulary entropy / ln|V|',
      }),
    ),
    soft_rate: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 1,
        description: 'mode "random" only (required there): probability of a soft step',
      }),
    ),
    hot_temperature: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 10,
        description: 'mode "hot" only: temperature where the gate fires',
      }),
    ),
    ...modeKnobs,
  },
  { additionalProperties: false, description: 'SeLaR decoding options; omitted fields take the server defaults' },
);
export type SelarRequest = Static<typeof SelarRequest>;

export const StopParam = Type.Union([
  Type.String({ minLength: 1 }),
  Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 4 }),
]);

export const LogitBias = Type.Record(Type.Integer(), Type.Number({ minimum: -100, maximum: 100 }), {
  additionalProperties: false,
  description: 'token id → bias added to its logit; ids must be in the vocabulary',
});

export const StreamOptions = Type.Object(
  {
    include_usage: Type.Optional(Type.Boolean()),
    include_obfuscation: Type.Optional(Type.Boolean({ description: 'no-op: chunks are never padded' })),
  },
  { additionalProperties: false },
);

const SAFE = Number.MAX_SAFE_INTEGER;

/** Sampling fields shared by both endpoints (OpenAI's plus the vLLM/SeLaR extensions). */
export const samplingFields = {
  temperature: OptionalNullable(Type.Number({ minimum: 0, maximum: 2 })),
  top_p: OptionalNullable(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
  top_k: OptionalNullable(Type.Integer({ minimum: -1, description: 'extension; 0 or -1 = off' })),
  min_p: OptionalNullable(Type.Number({ minimum: 0, maximum: 1, description: 'extension' })),
  seed: OptionalNullable(Type.Integer({ minimum: -SAFE, maximum: SAFE })),
  n: OptionalNullable(Type.Integer({ minimum: 1 })),
  stop: OptionalNullable(StopParam),
  max_tokens: OptionalNullable(Type.Integer({ minimum: 1 })),
  presence_penalty: OptionalNullable(Type.Number({ minimum: -2, maximum: 2 })),
  frequency_penalty: OptionalNullable(Type.Number({ minimum: -2, maximum: 2 })),
  repetition_penalty: OptionalNullable(
    Type.Number({ exclusiveMinimum: 0, maximum: 10, description: 'extension; 1 = off' }),
  ),
  logit_bias: OptionalNullable(LogitBias),
  min_tokens: OptionalNullable(Type.Integer({ minimum: 0, description: 'extension (vLLM)' })),
  ignore_eos: OptionalNullable(Type.Boolean({ description: 'extension (vLLM)' })),
  stream: OptionalNullable(Type.Boolean()),
  stream_options: OptionalNullable(StreamOptions),
  user: OptionalNullable(Type.String({ description: 'end-user id; logged with the request, not used for generation' })),
  return_token_ids: OptionalNullable(Type.Boolean({ description: 'extension: generated and prompt token ids' })),
  selar: OptionalNullable(SelarRequest),
  // vLLM extras acting in the decode worker: src/protocol/decode-extras.ts.
  ...decodeExtraFields,
};

/** -1 or a positive count (vLLM's and llama.cpp's convention for "no limit"). */
const minusOneOrPositive = (description: string) =>
  Type.Union([Type.Literal(-1), Type.Integer({ minimum: 1 })], { description });

/** Prompt handling both endpoints share: vLLM's and llama.cpp's extras. */
export const promptFields = {
  truncate_prompt_tokens: OptionalNullable(
    minusOneOrPositive('extension (vLLM): keep only the last k prompt tokens; -1 keeps the last context-length tokens'),
  ),
  n_predict: OptionalNullable(minusOneOrPositive('extension (llama.cpp): another name for max_tokens; -1 = no limit')),
  cache_prompt: OptionalNullable(
    Type.Boolean({ description: 'extension (llama.cpp), no-op: the server keeps no prompt cache' }),
  ),
};

export const MixEntry = Type.Object(
  { id: Type.Integer(), token: Type.String(), weight: Type.Number() },
  { additionalProperties: false },
);

export const SelarTraceEntry = Type.Object(
  {
    entropy: Type.Number(),
    soft: Type.Boolean(),
    hot: Type.Optional(Type.Boolean({ description: 'mode "hot" only: sampled at hot_temperature' })),
    mix: Type.Optional(
      Type.Array(MixEntry, { description: 'trace "mix", soft steps: the candidates and the weights used' }),
    ),
    switch: Type.Optional(
      Type.Boolean({ description: 'mode "swir" only: this step switched between latent and explicit thinking' }),
    ),
  },
  { additionalProperties: false },
);
export type SelarTraceEntry = Static<typeof SelarTraceEntry>;

/** Per-method counts; a mode with more to report (switches, …) adds optional fields here. */
export const LatentUsage = Type.Object(
  {
    mode: StringEnum(SELAR_MODES),
    soft_steps: Type.Integer(),
    thinking_ended: Type.Object(
      {
        model: Type.Integer(),
        budget: Type.Integer(),
        cold_stop: Type.Integer(),
        switch_limit: Type.Optional(
          Type.Integer({ description: 'mode "swir" only: ended by the end tag injected past max_switch_count' }),
        ),
      },
      {
        description:
          "sequences whose thinking section the model, the thinking budget, Cold Stop or swir's switch limit ended",
      },
    ),
    switches: Type.Optional(
      Type.Integer({ description: 'mode "swir" only: switches between latent and explicit thinking, both directions' }),
    ),
  },
  { description: 'with a selar object, every mode but "off": the latent method\'s counts, summed over the choices' },
);
export type LatentUsage = Static<typeof LatentUsage>;

export const Usage = Type.Object({
  prompt_tokens: Type.Integer(),
  completion_tokens: Type.Integer(),
  total_tokens: Type.Integer(),
  completion_tokens_details: Type.Object({
    reasoning_tokens: Type.Integer(),
    soft_tokens: Type.Integer({ description: 'generated tokens followed by a soft step' }),
    hot_tokens: Type.Optional(Type.Integer({ description: 'mode "hot" only: tokens sampled at hot_temperature' })),
    latent: Type.Optional(LatentUsage),
    switches: Type.Optional(
      Type.Integer({ description: 'mode "swir" only: switches between latent and explicit thinking, both directions' }),
    ),
  }),
});
export type Usage = Static<typeof Usage>;

export const FinishReason = StringEnum(['stop', 'length'] as const);

/** Response-level extension for `return_token_ids`: one list, or one per prompt for batched completions. */
export const PromptTokenIds = Type.Union([Type.Array(Type.Integer()), Type.Array(Type.Array(Type.Integer()))]);

export const ErrorResponse = Type.Object({
  error: Type.Object({
    message: Type.String(),
    type: Type.String(),
    param: Nullable(Type.String()),
    code: Nullable(Type.String()),
  }),
});
export type ErrorResponse = Static<typeof ErrorResponse>;
