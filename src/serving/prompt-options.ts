// Request options about the prompt and the length limit that both endpoints share:
// the max-tokens aliases (OpenAI's two names and llama.cpp's n_predict) and vLLM's
// truncate_prompt_tokens.
import { SelarError } from '../errors.js';
import type { ServingContext } from './context.js';

export interface MaxTokens {
  value: number | null;
  param: string;
}

/**
 * The one max-tokens value among its aliases, in order of preference. -1 (n_predict's
 * "no limit") counts as not given; two different values are an error, not a guess.
 */
export function requestedMaxTokens(aliases: Array<[param: string, value: number | null | undefined]>): MaxTokens {
  const given = aliases.filter((a): a is [string, number] => a[1] != null && a[1] !== -1);
  if (given.length === 0) return { value: null, param: aliases[0][0] };
  const [first, ...rest] = given;
  const other = rest.find(([, v]) => v !== first[1]);
  if (other) {
    throw new SelarError('invalid_request', `${other[0]} and ${first[0]} disagree; send only ${first[0]}`, other[0]);
  }
  return { value: first[1], param: first[0] };
}

/** vLLM's truncate_prompt_tokens: keep the last k tokens; -1 keeps the last context-length tokens. */
export function truncatePrompt(ids: number[], k: number | null | undefined, ctx: ServingContext): number[] {
  if (k == null) return ids;
  const keep = k === -1 ? ctx.model.contextLength : k;
  return ids.length > keep ? ids.slice(ids.length - keep) : ids;
}
