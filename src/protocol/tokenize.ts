// POST /tokenize, POST /detokenize and GET /version, in vLLM's shapes (scripts written
// against vLLM work unchanged).
import { Type, type Static } from '@sinclair/typebox';
import { Nullable, OptionalNullable } from './common.js';
import { ChatMessage } from './messages.js';

const model = Type.Optional(Type.String({ description: "optional; when given, the served model's id" }));
const returnTokenStrs = OptionalNullable(Type.Boolean({ description: "also return each token's vocabulary string" }));

export const TokenizePromptRequest = Type.Object(
  {
    model,
    prompt: Type.String(),
    add_special_tokens: OptionalNullable(Type.Boolean({ description: 'default true, as for /v1/completions prompts' })),
    return_token_strs: returnTokenStrs,
  },
  { additionalProperties: false },
);

export const TokenizeChatRequest = Type.Object(
  {
    model,
    messages: Type.Array(ChatMessage, { minItems: 1 }),
    add_generation_prompt: OptionalNullable(Type.Boolean({ description: 'default true' })),
    continue_final_message: OptionalNullable(Type.Boolean()),
    add_special_tokens: OptionalNullable(Type.Boolean({ description: 'default false: the template places them' })),
    documents: OptionalNullable(Type.Array(Type.Record(Type.String(), Type.String(), { additionalProperties: false }))),
    chat_template_kwargs: OptionalNullable(Type.Record(Type.String(), Type.Unknown())),
    return_token_strs: returnTokenStrs,
  },
  { additionalProperties: false },
);

export const TokenizeRequest = Type.Union([TokenizePromptRequest, TokenizeChatRequest], {
  description: "a prompt, or chat messages rendered with the model's chat template (as /v1/chat/completions does)",
});
export type TokenizeRequest = Static<typeof TokenizeRequest>;

export const TokenizeResponse = Type.Object({
  count: Type.Integer(),
  max_model_len: Type.Integer({ description: 'the context length' }),
  tokens: Type.Array(Type.Integer()),
  token_strs: Type.Optional(Nullable(Type.Array(Type.String()))),
});
export type TokenizeResponse = Static<typeof TokenizeResponse>;

export const DetokenizeRequest = Type.Object(
  { model, tokens: Type.Array(Type.Integer({ minimum: 0 })) },
  { additionalProperties: false },
);
export type DetokenizeRequest = Static<typeof DetokenizeRequest>;

export const DetokenizeResponse = Type.Object({ prompt: Type.String({ description: 'special tokens included' }) });
export type DetokenizeResponse = Static<typeof DetokenizeResponse>;

export const VersionResponse = Type.Object({ version: Type.String() });
