// /v1/chat/completions request → GenerationPlan: messages through the model's chat
// template, then the shared parameter resolution.
import { excerpt, SelarError } from '../errors.js';
import type { ChatCompletionRequest } from '../protocol/chat.js';
import { toTemplateMessages } from './chat-messages.js';
import type { ServingContext } from './context.js';
import { buildPlan, type GenerationPlan } from './plan.js';
import { resolveParams } from './resolve-params.js';

/** Variables the template receives from us; a kwarg may not replace them. */
const reservedKwargs = ['messages', 'add_generation_prompt', 'bos_token', 'eos_token'];

export function checkModel(model: string, ctx: ServingContext): void {
  if (model !== ctx.model.id) {
    throw new SelarError('model_not_found', `The model '${excerpt(model)}' does not exist; this server serves '${ctx.model.id}'`, 'model');
  }
}

export function renderChatPrompt(req: ChatCompletionRequest, ctx: ServingContext): string {
  const kwargs = req.chat_template_kwargs ?? {};
  for (const key of reservedKwargs) {
    if (Object.hasOwn(kwargs, key)) {
      throw new SelarError('invalid_request', `chat_template_kwargs may not set '${key}'`, `chat_template_kwargs.${key}`);
    }
  }
  if (!ctx.tokenizer.hasChatTemplate) {
    throw new SelarError('invalid_request', 'This model has no chat template; use /v1/completions', 'messages');
  }
  try {
    return ctx.tokenizer.applyChatTemplate(toTemplateMessages(req.messages), true, kwargs);
  } catch (err) {
    // Templates reject conversations with raise_exception (e.g. roles that do not alternate).
    throw new SelarError('invalid_request', `The chat template rejected the messages: ${(err as Error).message}`, 'messages');
  }
}

export function planChat(req: ChatCompletionRequest, ctx: ServingContext): GenerationPlan {
  checkModel(req.model, ctx);
  if (req.top_logprobs != null && req.top_logprobs > 0 && req.logprobs !== true) {
    throw new SelarError('invalid_request', 'top_logprobs requires logprobs to be true', 'top_logprobs');
  }
  if (req.max_tokens != null && req.max_completion_tokens != null && req.max_tokens !== req.max_completion_tokens) {
    throw new SelarError('invalid_request', 'max_tokens and max_completion_tokens disagree; send only max_completion_tokens', 'max_tokens');
  }
  const maxTokens = req.max_completion_tokens != null
    ? { value: req.max_completion_tokens, param: 'max_completion_tokens' }
    : { value: req.max_tokens ?? null, param: 'max_tokens' };
  const params = resolveParams(req, { logprobs: req.logprobs ?? false, topLogprobs: req.top_logprobs ?? 0 }, maxTokens, ctx);
  const text = renderChatPrompt(req, ctx);
  const ids = ctx.tokenizer.encode(text, false);
  if (ids.length === 0) throw new SelarError('invalid_request', 'The rendered prompt is empty', 'messages');
  return buildPlan('chat', [ids], () => [text], false, params, 'messages', ctx);
}
