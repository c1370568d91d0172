// The thinking budget: reasoning_effort (chat) or max_thinking_tokens → the engine's
// ThinkingBudget (docs/api.md "Thinking budget").
import { SelarError } from '../errors.js';
import type { ThinkingBudget } from '../engine/types.js';
import type { ServingContext } from './context.js';

export type ReasoningEffort = 'none' | 'minimal' | 'low' | 'medium' | 'high';

/** Budget per effort; null: no budget. */
export const EFFORT_BUDGETS: Record<ReasoningEffort, number | null> = {
  none: 0,
  minimal: 0,
  low: 1024,
  medium: 4096,
  high: null,
};

/**
 * The end-of-thinking string's token ids: the tokenizer's own `</think>` when the string is
 * its text, else the string encoded without special tokens; none without a string.
 */
export function thinkEndIds(thinkEnd: string | null, ctx: ServingContext): number[] {
  if (thinkEnd === null) return [];
  const think = ctx.model.thinkTokenIds;
  if (think && ctx.tokenizer.decode([think.close], false) === thinkEnd) return [think.close];
  const ids = ctx.tokenizer.encode(thinkEnd, false);
  if (ids.length === 0 || !ids.every((id) => Number.isInteger(id) && id < ctx.vocabLimit)) {
    throw new SelarError(
      'invalid_request',
      `selar.think_end ${JSON.stringify(thinkEnd)} encodes to no token of this model's vocabulary`,
      'selar.think_end',
    );
  }
  return ids;
}

export function resolveThinkingBudget(
  effort: ReasoningEffort | null | undefined,
  maxThinkingTokens: number | null | undefined,
  thinkEnd: string | null,
  ctx: ServingContext,
): ThinkingBudget {
  if (effort != null && maxThinkingTokens != null) {
    throw new SelarError(
      'invalid_request',
      'send either reasoning_effort or max_thinking_tokens, not both',
      'max_thinking_tokens',
    );
  }
  const endIds = thinkEndIds(thinkEnd, ctx);
  // A model without think tags thinks from the start when a think_end is set.
  const startsInside = endIds.length > 0 && ctx.model.thinkTokenIds === null;
  // Without an end string there is no section to close: the budget changes nothing.
  if (endIds.length === 0) return { budget: null, endIds, startsInside };
  const budget = maxThinkingTokens ?? (effort == null ? null : EFFORT_BUDGETS[effort]);
  return { budget, endIds, startsInside };
}

/**
 * With a zero effort, templates that read enable_thinking render without thinking
 * (unless the request set it), so the model is not even asked to think.
 */
export function thinkingTemplateKwargs(
  effort: ReasoningEffort | null | undefined,
  kwargs: Record<string, unknown>,
  ctx: ServingContext,
): Record<string, unknown> {
  if (effort == null || EFFORT_BUDGETS[effort] !== 0) return kwargs;
  if (Object.hasOwn(kwargs, 'enable_thinking') || !ctx.tokenizer.templateReads('enable_thinking')) return kwargs;
  return { ...kwargs, enable_thinking: false };
}
