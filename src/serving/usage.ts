// usage for a finished (or streaming) plan: prompts counted once each, completions
// summed over every choice, with the reasoning and soft-step details.
import type { LatentUsage, Usage } from '../protocol/common.js';
import type { ChoiceState } from './choice-state.js';
import type { GenerationPlan } from './plan.js';

export function usageOf(plan: GenerationPlan, choices: ChoiceState[]): Usage {
  const prompt = plan.prompts.reduce((s, p) => s + p.length, 0);
  let completion = 0;
  let reasoning = 0;
  let soft = 0;
  let hot = 0;
  for (const c of choices) {
    // A finished choice reports the engine's counts; fall back to what we saw.
    completion += c.finish?.completionTokens ?? c.tokens.length;
    reasoning += c.finish?.reasoningTokens ?? c.tokens.filter((t) => t.reasoning).length;
    soft += c.finish?.softTokens ?? c.tokens.filter((t) => t.soft).length;
    hot += c.finish?.hotTokens ?? c.tokens.filter((t) => t.hot).length;
  }
  const details: Usage['completion_tokens_details'] = { reasoning_tokens: reasoning, soft_tokens: soft };
  const mode = plan.params.selar.mode;
  if (mode === 'hot') details.hot_tokens = hot;
  if (plan.params.latentUsage) details.latent = latentUsage(mode, soft, choices);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    completion_tokens_details: details,
  };
}

export function promptTokenIds(plan: GenerationPlan): number[] | number[][] {
  return plan.batched ? plan.prompts : plan.prompts[0];
}

/** The fields every finished choice carries, chat or completion, after its text and logprobs. */
export function choiceTail(plan: GenerationPlan, c: ChoiceState) {
  const p = plan.params;
  return {
    finish_reason: c.finish?.reason ?? ('length' as const),
    ...(p.returnTokenIds ? { token_ids: c.tokenIds } : {}),
    ...(p.selar.trace ? { selar_trace: c.trace } : {}),
  };
}

/**
 * The echoed text choice `index` starts with ('' without echo): its prompt's, as choice p * n + i belongs to prompt p.
 */
export function echoOf(plan: GenerationPlan, index: number): string {
  return plan.echo === null ? '' : plan.echo[Math.floor(index / plan.params.n)];
}

/** The latent method's counts: its soft steps and what ended each sequence's thinking. */
function latentUsage(mode: LatentUsage['mode'], softSteps: number, choices: ChoiceState[]): LatentUsage {
  const ended = { model: 0, budget: 0, cold_stop: 0 };
  for (const c of choices) if (c.finish?.thinkingEnd) ended[c.finish.thinkingEnd]++;
  return { mode, soft_steps: softSteps, thinking_ended: ended };
}
