// /tokenize and /detokenize: the prompt a generation request would run on, without
// running it. Chat messages go through the same template rendering as chat completions.
import { SelarError } from '../errors.js';
import type { DetokenizeRequest, DetokenizeResponse, TokenizeRequest, TokenizeResponse } from '../protocol/tokenize.js';
import { checkModel, renderChatPrompt } from './chat-request.js';
import type { ServingContext } from './context.js';

export function tokenize(req: TokenizeRequest, ctx: ServingContext): TokenizeResponse {
  if (req.model != null) checkModel(req.model, ctx);
  // As in generation: a plain prompt gets the tokenizer's special tokens, a rendered chat does not.
  const ids =
    'prompt' in req
      ? ctx.tokenizer.encode(req.prompt, req.add_special_tokens ?? true, 'prompt')
      : ctx.tokenizer.encode(renderChatPrompt(req, ctx), req.add_special_tokens ?? false, 'messages');
  return {
    count: ids.length,
    max_model_len: ctx.model.contextLength,
    tokens: ids,
    token_strs: req.return_token_strs === true ? ids.map((id) => ctx.tokenizer.tokenString(id) ?? '') : null,
  };
}

export function detokenize(req: DetokenizeRequest, ctx: ServingContext): DetokenizeResponse {
  if (req.model != null) checkModel(req.model, ctx);
  const bad = req.tokens.findIndex((id) => id >= ctx.vocabLimit);
  if (bad >= 0) {
    throw new SelarError(
      'invalid_request',
      `token id ${req.tokens[bad]} is not in the vocabulary (0..${ctx.vocabLimit - 1})`,
      `tokens[${bad}]`,
    );
  }
  return { prompt: ctx.tokenizer.decode(req.tokens, false) };
}
