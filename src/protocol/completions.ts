// /v1/completions (legacy): request, response and stream-chunk schemas.
import { Type, type Static } from '@sinclair/typebox';
import {
  FinishReason,
  Nullable,
  OptionalNullable,
  PromptTokenIds,
  SelarTraceEntry,
  Usage,
  promptFields,
  samplingFields,
} from './common.js';
import { PromptLogprobs } from './decode-extras.js';
import { structuredOutputFields } from './structured-outputs.js';

const TokenIds = Type.Array(Type.Integer({ minimum: 0 }), { minItems: 1 });

export const CompletionRequest = Type.Object(
  {
    model: Type.String(),
    prompt: Type.Union(
      [Type.String(), Type.Array(Type.String(), { minItems: 1 }), TokenIds, Type.Array(TokenIds, { minItems: 1 })],
      { description: 'a string, a batch of strings, token ids, or a batch of token id lists' },
    ),
    ...samplingFields,
    ...promptFields,
    ...structuredOutputFields,
    logprobs: OptionalNullable(
      Type.Integer({ minimum: 0, maximum: 20, description: 'number of alternatives per token' }),
    ),
    echo: OptionalNullable(Type.Boolean({ description: 'text (and logprobs) start with the prompt' })),
    // Accepted only with their no-op values so that clients which always send them work;
    // any other value is rejected rather than silently ignored.
    best_of: OptionalNullable(Type.Integer({ minimum: 1, description: 'must equal n (no server-side ranking)' })),
    suffix: Type.Optional(Type.Null()),
  },
  { additionalProperties: false },
);
export type CompletionRequest = Static<typeof CompletionRequest>;

export const CompletionLogprobs = Type.Object({
  tokens: Type.Array(Type.String()),
  token_logprobs: Type.Array(Nullable(Type.Number()), { description: 'null for the first token of an echoed prompt' }),
  top_logprobs: Type.Array(Nullable(Type.Record(Type.String(), Type.Number()))),
  text_offset: Type.Array(Type.Integer()),
});
export type CompletionLogprobs = Static<typeof CompletionLogprobs>;

const CompletionChoice = Type.Object({
  index: Type.Integer(),
  text: Type.String(),
  logprobs: Nullable(CompletionLogprobs),
  finish_reason: FinishReason,
  token_ids: Type.Optional(Type.Array(Type.Integer(), { description: 'with return_token_ids' })),
  selar_trace: Type.Optional(Type.Array(SelarTraceEntry, { description: 'with selar.trace' })),
  prompt_logprobs: Type.Optional(PromptLogprobs),
});

export const Completion = Type.Object({
  id: Type.String(),
  object: Type.Literal('text_completion'),
  created: Type.Integer(),
  model: Type.String(),
  system_fingerprint: Type.String(),
  choices: Type.Array(CompletionChoice),
  usage: Usage,
  prompt_token_ids: Type.Optional(PromptTokenIds),
});
export type Completion = Static<typeof Completion>;

export const CompletionChunk = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('text_completion'),
    created: Type.Integer(),
    model: Type.String(),
    system_fingerprint: Type.String(),
    choices: Type.Array(Type.Object({ ...CompletionChoice.properties, finish_reason: Nullable(FinishReason) })),
    usage: Type.Optional(Nullable(Usage)),
    prompt_token_ids: Type.Optional(PromptTokenIds),
  },
  { description: 'one `data:` frame of the SSE stream' },
);
export type CompletionChunk = Static<typeof CompletionChunk>;
