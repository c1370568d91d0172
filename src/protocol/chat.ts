// /v1/chat/completions: request, response and stream-chunk schemas.
import { Type, type Static } from '@sinclair/typebox';
import {
  Nullable,
  OptionalNullable,
  PromptTokenIds,
  SelarTraceEntry,
  StringEnum,
  Usage,
  promptFields,
  samplingFields,
} from './common.js';
import { PromptLogprobs, chatThinkingFields } from './decode-extras.js';
import { ChatMessage, TextContentPart } from './messages.js';
import { structuredOutputFields } from './structured-outputs.js';
import { ResponseToolCall, ToolCallDelta, toolFields } from './tools.js';

/**
 * OpenAI fields with no meaning for a self-hosted server that serves one model: accepted,
 * validated, and otherwise ignored (the table in docs/api.md says why for each).
 */
const noOpFields = {
  store: OptionalNullable(Type.Boolean({ description: 'no-op: completions are not stored' })),
  metadata: OptionalNullable(
    Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 512 }), {
      additionalProperties: false,
      maxProperties: 16,
      description: 'no-op: stored completions only',
    }),
  ),
  service_tier: OptionalNullable(
    StringEnum(['auto', 'default', 'flex', 'scale', 'priority'] as const, {
      description: 'no-op: one tier',
    }),
  ),
  safety_identifier: OptionalNullable(Type.String({ description: 'no-op: no abuse monitoring here' })),
  prompt_cache_key: OptionalNullable(Type.String({ description: 'no-op: no prompt cache' })),
  prompt_cache_retention: OptionalNullable(
    StringEnum(['in-memory', '24h'] as const, { description: 'no-op: no prompt cache' }),
  ),
  verbosity: OptionalNullable(
    StringEnum(['low', 'medium', 'high'] as const, {
      description: "no-op: a hint only OpenAI's models are trained on",
    }),
  ),
  modalities: OptionalNullable(Type.Array(Type.Literal('text'), { description: 'text only; "audio" is rejected' })),
  prediction: OptionalNullable(
    Type.Object(
      {
        type: Type.Literal('content'),
        content: Type.Union([Type.String(), Type.Array(TextContentPart)]),
      },
      {
        additionalProperties: false,
        description: 'no-op: predicted outputs only make OpenAI faster, never change the text',
      },
    ),
  ),
};

/** vLLM's extras for the chat template. */
const templateFields = {
  add_generation_prompt: OptionalNullable(Type.Boolean({ description: 'extension (vLLM), default true' })),
  continue_final_message: OptionalNullable(
    Type.Boolean({
      description: 'extension (vLLM): the final assistant message is left open and the model continues it',
    }),
  ),
  add_special_tokens: OptionalNullable(
    Type.Boolean({
      description:
        "extension (vLLM): also add the tokenizer's special tokens (BOS) to the rendered prompt; default false",
    }),
  ),
  echo: OptionalNullable(
    Type.Boolean({
      description:
        "extension (vLLM): the reply starts with the final message's text when that message is the assistant's",
    }),
  ),
  documents: OptionalNullable(
    Type.Array(Type.Record(Type.String(), Type.String(), { additionalProperties: false }), {
      description: 'extension (vLLM): passed to the template as `documents` (retrieval-augmented templates)',
    }),
  ),
  chat_template: Type.Optional(
    Type.Null({ description: 'extension (vLLM): a template per request is refused, as vLLM does by default' }),
  ),
  chat_template_kwargs: OptionalNullable(
    Type.Record(Type.String(), Type.Unknown(), {
      description: 'extension: extra variables for the chat template, e.g. {"enable_thinking": false}',
    }),
  ),
};

// ───────────────────────────────────────

export const ChatCompletionRequest = Type.Object(
  {
    model: Type.String(),
    messages: Type.Array(ChatMessage, { minItems: 1 }),
    ...samplingFields,
    ...promptFields,
    max_completion_tokens: OptionalNullable(Type.Integer({ minimum: 1 })),
    logprobs: OptionalNullable(Type.Boolean()),
    top_logprobs: OptionalNullable(Type.Integer({ minimum: 0, maximum: 20 })),
    ...noOpFields,
    ...templateFields,
    ...toolFields,
    ...structuredOutputFields,
    // The thinking budget by name: src/protocol/decode-extras.ts.
    ...chatThinkingFields,
  },
  { additionalProperties: false },
);
export type ChatCompletionRequest = Static<typeof ChatCompletionRequest>;

const TopLogprob = Type.Object({
  token: Type.String(),
  logprob: Type.Number(),
  bytes: Nullable(Type.Array(Type.Integer())),
});
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

/** Chat adds "tool_calls": the model called tools (and the choice ended there). */
const ChatFinishReason = StringEnum(['stop', 'length', 'tool_calls'] as const);

export const ChatCompletion = Type.Object({
  id: Type.String(),
  object: Type.Literal('chat.completion'),
  created: Type.Integer(),
  model: Type.String(),
  system_fingerprint: Type.String(),
  choices: Type.Array(
    Type.Object({
      index: Type.Integer(),
      message: Type.Object({
        role: Type.Literal('assistant'),
        content: Nullable(Type.String({ description: 'null when the message is tool calls only' })),
        reasoning_content: Type.Optional(Nullable(Type.String({ description: 'reasoning models only' }))),
        refusal: Type.Null(),
        tool_calls: Type.Optional(Type.Array(ResponseToolCall)),
      }),
      logprobs: Nullable(ChatLogprobs),
      finish_reason: ChatFinishReason,
      ...choiceExtensions,
    }),
  ),
  usage: Usage,
  prompt_token_ids: Type.Optional(PromptTokenIds),
  prompt_logprobs: Type.Optional(PromptLogprobs),
});
export type ChatCompletion = Static<typeof ChatCompletion>;

export const ChatCompletionChunk = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('chat.completion.chunk'),
    created: Type.Integer(),
    model: Type.String(),
    system_fingerprint: Type.String(),
    choices: Type.Array(
      Type.Object({
        index: Type.Integer(),
        delta: Type.Object({
          role: Type.Optional(Type.Literal('assistant')),
          content: Type.Optional(Type.String()),
          reasoning_content: Type.Optional(Type.String()),
          tool_calls: Type.Optional(Type.Array(ToolCallDelta)),
        }),
        logprobs: Nullable(ChatLogprobs),
        finish_reason: Nullable(ChatFinishReason),
        ...choiceExtensions,
      }),
    ),
    usage: Type.Optional(Nullable(Usage)),
    prompt_token_ids: Type.Optional(PromptTokenIds),
    prompt_logprobs: Type.Optional(PromptLogprobs),
  },
  { description: 'one `data:` frame of the SSE stream' },
);
export type ChatCompletionChunk = Static<typeof ChatCompletionChunk>;
