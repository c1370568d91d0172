// /v1/completions request → GenerationPlan. Prompts arrive as text or token ids,
// singly or batched; text gets the tokenizer's special tokens (BOS) as in vLLM.
import { SelarError } from '../errors.js';
import type { CompletionRequest } from '../protocol/completions.js';
import { checkModel } from './chat-request.js';
import type { ServingContext } from './context.js';
import { buildPlan, type GenerationPlan } from './plan.js';
import { requestedMaxTokens, truncatePrompt } from './prompt-options.js';
import { promptLogprobsRequest } from './prompt-logprobs.js';
import { resolveParams } from './resolve-params.js';

type Prompt = CompletionRequest['prompt'];

function isBatch(prompt: Prompt): prompt is string[] | number[][] {
  return Array.isArray(prompt) && (typeof prompt[0] === 'string' || Array.isArray(prompt[0]));
}

function checkIds(ids: number[], param: string, ctx: ServingContext): number[] {
  const bad = ids.find((id) => id >= ctx.vocabLimit);
  if (bad !== undefined)
    throw new SelarError(
      'invalid_request',
      `token id ${bad} is not in the vocabulary (0..${ctx.vocabLimit - 1})`,
      param,
    );
  return ids;
}

export function tokenizePrompts(
  prompt: Prompt,
  ctx: ServingContext,
): { ids: number[][]; text: () => string[]; batched: boolean } {
  const batched = isBatch(prompt);
  const items: Array<string | number[]> = batched ? prompt : [prompt as string | number[]];
  const ids = items.map((item, i) => {
    const param = batched ? `prompt[${i}]` : 'prompt';
    const out = typeof item === 'string' ? ctx.tokenizer.encode(item, true, param) : checkIds(item, param, ctx);
    if (out.length === 0) throw new SelarError('invalid_request', 'The prompt is empty', param);
    return out;
  });
  // Decoding token-id prompts costs ~0.1 ms a request on the main thread: only for the log.
  const text = () => items.map((item) => (typeof item === 'string' ? item : ctx.tokenizer.decode(item, false)));
  return { ids, text, batched };
}

function echoText(ids: number[][], kept: number[][], given: string[], ctx: ServingContext): string[] {
  return kept.map((p, i) => (p === ids[i] ? given[i] : ctx.tokenizer.decode(p, false)));
}

export function planCompletion(req: CompletionRequest, ctx: ServingContext): GenerationPlan {
  checkModel(req.model, ctx);
  const n = req.n ?? 1;
  if (req.best_of != null && req.best_of !== n) {
    throw new SelarError(
      'invalid_request',
      'best_of must equal n: this server returns every sequence it generates',
      'best_of',
    );
  }
  const topLogprobs = req.logprobs ?? null;
  const maxTokens = requestedMaxTokens([
    ['max_tokens', req.max_tokens],
    ['n_predict', req.n_predict],
  ]);
  const params = resolveParams(req, { logprobs: topLogprobs !== null, topLogprobs: topLogprobs ?? 0 }, maxTokens, ctx);
  // echo with logprobs needs the prompt tokens' logprobs from the decode worker.
  if (req.echo === true && topLogprobs !== null)
    params.enginePromptLogprobs = promptLogprobsRequest(params.promptLogprobs, topLogprobs, ctx);
  const { ids, text, batched } = tokenizePrompts(req.prompt, ctx);
  const kept = ids.map((p) => truncatePrompt(p, req.truncate_prompt_tokens, ctx));
  // echo repeats the prompt as given (token-id prompts decoded, special tokens included, as vLLM does), or
  // what is left of it after truncation.
  const echo = req.echo === true ? echoText(ids, kept, text(), ctx) : null;
  return buildPlan('completion', kept, text, batched, params, 'prompt', ctx, echo);
}
