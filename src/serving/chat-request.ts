// /v1/chat/completions request → GenerationPlan: messages through the model's chat
// template, then the shared parameter resolution.
import { excerpt, SelarError } from '../errors.js';
import type { ChatCompletionRequest } from '../protocol/chat.js';
import { finalMessageText, toTemplateMessages } from './chat-messages.js';
import type { ServingContext } from './context.js';
import { buildPlan, type GenerationPlan } from './plan.js';
import { requestedMaxTokens, truncatePrompt } from './prompt-options.js';
import { resolveParams } from './resolve-params.js';
import { resolveTools, withToolPrompt, type ResolvedTools } from './tool-request.js';
import { thinkingTemplateKwargs } from './thinking-budget.js';

/** Variables the template receives from us; a kwarg may not replace them. */
const reservedKwargs = ['messages', 'add_generation_prompt', 'bos_token', 'eos_token'];

export function checkModel(model: string, ctx: ServingContext): void {
  if (model !== ctx.model.id) {
    throw new SelarError(
      'model_not_found',
      `The model '${excerpt(model)}' does not exist; this server serves '${ctx.model.id}'`,
      'model',
    );
  }
}

/** What rendering a conversation needs (chat completions and /tokenize share it). */
export type TemplateRequest = Pick<
  ChatCompletionRequest,
  'messages' | 'chat_template_kwargs' | 'add_generation_prompt' | 'continue_final_message' | 'documents'
>;

/** The conversation rendered as vLLM renders it, with its template options resolved. */
export function renderChatPrompt(
  req: TemplateRequest,
  ctx: ServingContext,
  tools: ResolvedTools | null = null,
): string {
  const kwargs = req.chat_template_kwargs ?? {};
  for (const key of reservedKwargs) {
    if (Object.hasOwn(kwargs, key)) {
      throw new SelarError(
        'invalid_request',
        `chat_template_kwargs may not set '${key}'`,
        `chat_template_kwargs.${key}`,
      );
    }
  }
  if (!ctx.tokenizer.hasChatTemplate) {
    throw new SelarError('invalid_request', 'This model has no chat template; use /v1/completions', 'messages');
  }
  const continueFinal = req.continue_final_message ?? false;
  // vLLM requires add_generation_prompt: false beside continue_final_message; only an explicit true conflicts here.
  if (continueFinal && req.add_generation_prompt === true) {
    throw new SelarError(
      'invalid_request',
      'continue_final_message and add_generation_prompt cannot both be true',
      'continue_final_message',
    );
  }
  const addGenerationPrompt = continueFinal ? false : (req.add_generation_prompt ?? true);
  const vars: Record<string, unknown> = req.documents != null ? { documents: req.documents, ...kwargs } : { ...kwargs };
  if (tools?.templateTools) vars.tools = tools.templateTools;
  let text: string;
  try {
    const messages = withToolPrompt(toTemplateMessages(req.messages), tools?.systemPrompt ?? null);
    text = ctx.tokenizer.applyChatTemplate(messages, addGenerationPrompt, vars);
  } catch (err) {
    // Templates reject conversations with raise_exception (e.g. roles that do not alternate).
    throw new SelarError(
      'invalid_request',
      `The chat template rejected the messages: ${(err as Error).message}`,
      'messages',
    );
  }
  return continueFinal ? openFinalMessage(text, req.messages) : text;
}

/**
 * continue_final_message: cut the rendering right after the final message's text, so
 * the template's end-of-turn never follows it (what transformers does).
 */
function openFinalMessage(text: string, messages: TemplateRequest['messages']): string {
  const final = finalMessageText(messages) ?? '';
  const at = final.trim() === '' ? -1 : text.lastIndexOf(final.trim());
  if (at < 0) {
    throw new SelarError(
      'invalid_request',
      'continue_final_message needs a final assistant message with text that the chat template renders',
      'messages',
    );
  }
  // Keep the message's trailing whitespace when the template kept it.
  const end = text.startsWith(final.trimStart(), at) ? at + final.trimStart().length : at + final.trim().length;
  return text.slice(0, end);
}

export function planChat(req: ChatCompletionRequest, ctx: ServingContext): GenerationPlan {
  checkModel(req.model, ctx);
  if (req.top_logprobs != null && req.top_logprobs > 0 && req.logprobs !== true) {
    throw new SelarError('invalid_request', 'top_logprobs requires logprobs to be true', 'top_logprobs');
  }
  const maxTokens = requestedMaxTokens([
    ['max_completion_tokens', req.max_completion_tokens],
    ['max_tokens', req.max_tokens],
    ['n_predict', req.n_predict],
  ]);
  const effort = req.reasoning_effort ?? null;
  const logprobs = { logprobs: req.logprobs ?? false, topLogprobs: req.top_logprobs ?? 0 };
  const params = resolveParams(req, logprobs, maxTokens, ctx, effort);
  const tools = resolveTools(req, ctx);
  if (tools.grammar) {
    if (params.grammar) {
      throw new SelarError(
        'invalid_request',
        `'${params.grammar.param}' cannot be combined with tools unless tool_choice is "none"`,
        params.grammar.param,
      );
    }
    params.grammar = tools.grammar;
  }
  const kwargs = thinkingTemplateKwargs(effort, req.chat_template_kwargs ?? {}, ctx);
  const text = renderChatPrompt({ ...req, chat_template_kwargs: kwargs }, ctx, tools);
  const ids = truncatePrompt(
    ctx.tokenizer.encode(text, req.add_special_tokens ?? false, 'messages'),
    req.truncate_prompt_tokens,
    ctx,
  );
  if (ids.length === 0) throw new SelarError('invalid_request', 'The rendered prompt is empty', 'messages');
  // vLLM's echo: the reply repeats the final message when it is the assistant's own (the one being continued).
  const echoed = req.echo === true ? finalMessageText(req.messages) : null;
  const plan = buildPlan(
    'chat',
    [ids],
    () => [text],
    false,
    params,
    'messages',
    ctx,
    echoed === null ? null : [echoed],
  );
  plan.tools = tools.parser;
  return plan;
}
