// /v1/responses request → a GenerationPlan (one sequence) plus what the response
// object echoes and what the store keeps: the conversation so far (a previous
// response's, then this input) becomes chat messages and goes through the template.
import { SelarError, excerpt } from '../../errors.js';
import type { ResponseCreateRequest } from '../../protocol/responses.js';
import { checkModel, renderChatPrompt } from '../chat-request.js';
import type { ServingContext } from '../context.js';
import { buildPlan, type GenerationPlan } from '../plan.js';
import { resolveParams } from '../resolve-params.js';
import type { ResolvedTools } from '../tool-request.js';
import { thinkingTemplateKwargs, type ReasoningEffort } from '../thinking-budget.js';
import { inputItems, type ConversationItem } from './items.js';
import { toMessages, type PlacedItem } from './input-messages.js';
import type { ResponseStore } from './store.js';
import { resolveResponseTools } from './tools.js';

export interface ResponsesPlan extends GenerationPlan {
  request: ResponseCreateRequest;
  store: boolean;
  /** This request's input items, with ids. */
  inputItems: ConversationItem[];
  /** The previous response's conversation, then this input. */
  conversation: ConversationItem[];
}

/** Fields whose other values would change the result: refused until the server can honour them. */
function checkSupported(req: ResponseCreateRequest): void {
  if (req.background === true) {
    throw new SelarError(
      'invalid_request',
      'background responses are not supported; use stream or wait for the reply',
      'background',
    );
  }
}

function earlierConversation(id: string | null | undefined, store: ResponseStore): ConversationItem[] {
  if (id == null) return [];
  const found = store.get(id);
  if (!found) throw new SelarError('not_found', `No stored response with id '${excerpt(id)}'`, 'previous_response_id');
  return found.conversation;
}

/** reasoning.effort as chat's reasoning_effort: the thinking budget (xhigh and max have none, like high). */
function effortOf(req: ResponseCreateRequest): ReasoningEffort | null {
  const effort = req.reasoning?.effort ?? null;
  return effort === 'xhigh' || effort === 'max' ? 'high' : effort;
}

function render(
  req: ResponseCreateRequest,
  items: PlacedItem[],
  ctx: ServingContext,
  tools: ResolvedTools,
): { text: string; ids: number[] } {
  // reasoning.effort "none"/"minimal" asks for no thinking section: templates with a switch take it from
  // enable_thinking.
  const kwargs = thinkingTemplateKwargs(effortOf(req), {}, ctx);
  const messages = toMessages(req.instructions ?? null, items);
  const text = renderChatPrompt({ messages, chat_template_kwargs: kwargs }, ctx, tools);
  return { text, ids: ctx.tokenizer.encode(text, false, 'input') };
}

/** truncation "auto": the oldest items are dropped (instructions stay) until the prompt leaves room to generate. */
function renderFitting(
  req: ResponseCreateRequest,
  items: PlacedItem[],
  ctx: ServingContext,
  tools: ResolvedTools,
): { text: string; ids: number[] } {
  let out = render(req, items, ctx, tools);
  if (req.truncation !== 'auto') return out;
  const room = req.max_output_tokens ?? 1;
  let kept = items;
  while (out.ids.length + room > ctx.model.contextLength && kept.length > 1) {
    kept = kept.slice(1);
    out = render(req, kept, ctx, tools);
  }
  return out;
}

export function planResponse(req: ResponseCreateRequest, ctx: ServingContext, store: ResponseStore): ResponsesPlan {
  checkModel(req.model, ctx);
  checkSupported(req);
  const topLogprobs = req.top_logprobs ?? 0;
  const logprobs = topLogprobs > 0 || (req.include ?? []).includes('message.output_text.logprobs');
  const format = req.text?.format;
  // text.format is response_format with the json_schema fields on the format itself.
  const responseFormat =
    format?.type === 'json_schema'
      ? {
          type: 'json_schema' as const,
          json_schema: { name: format.name, schema: format.schema, strict: format.strict },
        }
      : (format ?? undefined);
  const params = resolveParams(
    {
      temperature: req.temperature,
      top_p: req.top_p,
      stream: req.stream,
      selar: req.selar,
      response_format: responseFormat,
    },
    { logprobs, topLogprobs },
    { value: req.max_output_tokens ?? null, param: 'max_output_tokens' },
    ctx,
    effortOf(req),
  );
  if (params.grammar)
    params.grammar = {
      ...params.grammar,
      param: format?.type === 'json_schema' ? 'text.format.schema' : 'text.format',
    };
  const tools = resolveResponseTools(req, ctx);
  if (tools.grammar) {
    if (params.grammar) {
      throw new SelarError(
        'invalid_request',
        'text.format cannot be combined with tools unless tool_choice is "none"',
        'text.format',
      );
    }
    params.grammar = tools.grammar;
  }
  const earlier = earlierConversation(req.previous_response_id, store);
  const input = inputItems(req.input, (id) => store.item(id));
  const placed: PlacedItem[] = [
    ...earlier.map((item) => ({ item, param: 'previous_response_id' })),
    ...input.map((item, i) => ({ item, param: typeof req.input === 'string' ? 'input' : `input[${i}]` })),
  ];
  const { text, ids } = renderFitting(req, placed, ctx, tools);
  if (ids.length === 0) throw new SelarError('invalid_request', 'The rendered prompt is empty', 'input');
  const plan = buildPlan('response', [ids], () => [text], false, params, 'input', ctx);
  plan.tools = tools.parser;
  return { ...plan, request: req, store: req.store ?? true, inputItems: input, conversation: [...earlier, ...input] };
}
