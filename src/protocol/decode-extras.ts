// vLLM's request extras that act inside the decode worker (stop tokens, detokenisation,
// token masks, scheduling priority, the thinking budget, prompt logprobs). Kept in one
// object that both endpoints spread into their request schemas (docs/api.md).
import { Type, type TSchema } from '@sinclair/typebox';

// common.ts spreads these fields, so this module cannot import its helpers (a cycle).
const OptionalNullable = <T extends TSchema>(schema: T) => Type.Optional(Type.Union([schema, Type.Null()]));

export const decodeExtraFields = {
  stop_token_ids: OptionalNullable(
    Type.Array(Type.Integer({ minimum: 0 }), {
      description: 'extension (vLLM): token ids that end the sequence with finish_reason "stop"',
    }),
  ),
  include_stop_str_in_output: OptionalNullable(
    Type.Boolean({
      description: 'extension (vLLM): keep the matched stop string or stop token text at the end of the output',
    }),
  ),
  skip_special_tokens: OptionalNullable(
    Type.Boolean({ description: 'extension (vLLM, default true): leave special tokens out of the text' }),
  ),
  spaces_between_special_tokens: OptionalNullable(
    Type.Boolean({
      description: 'extension (vLLM): accepted; no effect with tokenizer.json tokenizers, as in vLLM',
    }),
  ),
  bad_words: OptionalNullable(
    Type.Array(Type.String({ minLength: 1 }), {
      description: 'extension (vLLM): words whose token sequences are never generated',
    }),
  ),
  allowed_token_ids: OptionalNullable(
    Type.Array(Type.Integer({ minimum: 0 }), {
      minItems: 1,
      description: 'extension (vLLM): only these token ids may be generated',
    }),
  ),
  max_thinking_tokens: OptionalNullable(
    Type.Integer({
      minimum: 0,
      description: 'extension: thinking budget; when spent, the end-of-thinking tag is injected',
    }),
  ),
  priority: OptionalNullable(
    Type.Integer({
      minimum: -(2 ** 31),
      maximum: 2 ** 31 - 1,
      description:
        'extension (vLLM): while every decode slot is busy, lower values are admitted first (FCFS within a value)',
    }),
  ),
  prompt_logprobs: OptionalNullable(
    Type.Integer({
      minimum: 0,
      maximum: 20,
      description: 'extension (vLLM): logprobs of the prompt tokens, with this many alternatives each',
    }),
  ),
};

const PromptTokenLogprob = Type.Object({
  logprob: Type.Number(),
  rank: Type.Integer({ minimum: 1 }),
  decoded_token: Type.String(),
});

/** vLLM's prompt_logprobs: per prompt token (the first null), token id → its logprob entry. */
export const PromptLogprobs = Type.Array(Type.Union([Type.Null(), Type.Record(Type.String(), PromptTokenLogprob)]), {
  description: 'with prompt_logprobs: one entry per prompt token (the first null), token id → logprob, rank, text',
});

/** Chat only (OpenAI's field): the thinking budget by name (docs/api.md "Thinking budget"). */
export const chatThinkingFields = {
  reasoning_effort: OptionalNullable(
    Type.Union(
      [
        Type.Literal('none'),
        Type.Literal('minimal'),
        Type.Literal('low'),
        Type.Literal('medium'),
        Type.Literal('high'),
      ],
      {
        description:
          'thinking budget for reasoning models: none/minimal 0 (and enable_thinking false), low 1024, medium ' +
          '4096, high none',
      },
    ),
  ),
};
