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

/** The end-of-thinking tag's token ids: the tokenizer's own `</think>`, or none. */
export function thinkEndIds(ctx: ServingContext): number[] {
  const think = ctx.model.thinkTokenIds;
  return think ? [think.close] : [];
}

export function resolveThinkingBudget(
  effort: ReasoningEffort | null | undefined,
  maxThinkingTokens: number | null | undefined,
  ctx: ServingContext,
): ThinkingBudget {
  if (effort != null && maxThinkingTokens != null) {
    throw new SelarError(
      'invalid_request',
      'send either reasoning_effort or max_thinking_tokens, not both',
      'max_thinking_tokens',
    );
  }
  const endIds = thinkEndIds(ctx);
  // Without think tags there is no section to close: the budget changes nothing.
  if (endIds.length === 0) return { budget: null, endIds };
  const budget = maxThinkingTokens ?? (effort == null ? null : EFFORT_BUDGETS[effort]);
  return { budget, endIds };
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
