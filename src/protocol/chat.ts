// /v1/chat/completions: request, response and stream-chunk schemas.
import { Type, type Static } from '@sinclair/typebox';
import {
  FinishReason, Nullable, OptionalNullable, PromptTokenIds, SelarTraceEntry, StringEnum, Usage, samplingFields,
} from './common.js';
import { structuredOutputFields } from './structured-outputs.js';

export const TextContentPart = Type.Object(
  { type: Type.Literal('text'), text: Type.String() },
  { additionalProperties: false },
);

const MessageContent = Type.Union([Type.String(), Type.Array(TextContentPart, { minItems: 1 })]);

export const ChatMessage = Type.Object(
  {
    role: StringEnum(['system', 'developer', 'user', 'assistant'] as const, { description: '"developer" is treated as "system"' }),
    content: MessageContent,
    name: Type.Optional(Type.String()),
    reasoning_content: OptionalNullable(Type.String({ description: 'extension: earlier reasoning of an assistant turn, passed to the template' })),
  },
  { additionalProperties: false },
);
export type ChatMessage = Static<typeof ChatMessage>;

export const ChatCompletionRequest = Type.Object(
  {
    model: Type.String(),
    messages: Type.Array(ChatMessage, { minItems: 1 }),
    ...samplingFields,
    max_completion_tokens: OptionalNullable(Type.Integer({ minimum: 1 })),
    logprobs: OptionalNullable(Type.Boolean()),
    top_logprobs: OptionalNullable(Type.Integer({ minimum: 0, maximum: 20 })),
    ...structuredOutputFields,
    chat_template_kwargs: OptionalNullable(Type.Record(Type.String(), Type.Unknown(), { description: 'extension: extra variables for the chat template, e.g. {"enable_thinking": false}' })),
  },
  { additionalProperties: false },
);
export type ChatCompletionRequest = Static<typeof ChatCompletionRequest>;

const TopLogprob = Type.Object({ token: Type.String(), logprob: Type.Number(), bytes: Nullable(Type.Array(Type.Integer())) });
export const ChatTokenLogprob = Type.Object({
  token: Type.String(),
  logprob: Type.Number(),
  bytes: Nullable(Type.Array(Type.Integer())),
  top_logprobs: Type.Array(TopLogprob),
});
export type ChatTokenLogprob = Static<typeof ChatTokenLogprob>;
export const ChatLogprobs = Type.Object({ content: Type.Array(ChatTokenLogprob), refusal: Type.Null() });
export type ChatLogprobs = Static<typeof ChatLogprobs>;

/** Per-choice extensions, present only when requested. */
const choiceExtensions = {
  token_ids: Type.Optional(Type.Array(Type.Integer(), { description: 'with return_token_ids' })),
  selar_trace: Type.Optional(Type.Array(SelarTraceEntry, { description: 'with selar.trace' })),
};

export const ChatCompletion = Type.Object({
  id: Type.String(),
  object: Type.Literal('chat.completion'),
  created: Type.Integer(),
  model: Type.String(),
  system_fingerprint: Type.String(),
  choices: Type.Array(Type.Object({
    index: Type.Integer(),
    message: Type.Object({
      role: Type.Literal('assistant'),
      content: Type.String(),
      reasoning_content: Type.Optional(Nullable(Type.String({ description: 'reasoning models only' }))),
      refusal: Type.Null(),
    }),
    logprobs: Nullable(ChatLogprobs),
    finish_reason: FinishReason,
    ...choiceExtensions,
  })),
  usage: Usage,
  prompt_token_ids: Type.Optional(PromptTokenIds),
});
export type ChatCompletion = Static<typeof ChatCompletion>;

export const ChatCompletionChunk = Type.Object({
  id: Type.String(),
  object: Type.Literal('chat.completion.chunk'),
  created: Type.Integer(),
  model: Type.String(),
  system_fingerprint: Type.String(),
  choices: Type.Array(Type.Object({
    index: Type.Integer(),
    delta: Type.Object({
      role: Type.Optional(Type.Literal('assistant')),
      content: Type.Optional(Type.String()),
      reasoning_content: Type.Optional(Type.String()),
    }),
    logprobs: Nullable(ChatLogprobs),
    finish_reason: Nullable(FinishReason),
    ...choiceExtensions,
  })),
  usage: Type.Optional(Nullable(Usage)),
  prompt_token_ids: Type.Optional(PromptTokenIds),
}, { description: 'one `data:` frame of the SSE stream' });
export type ChatCompletionChunk = Static<typeof ChatCompletionChunk>;
