// prompt_logprobs (vLLM) and echo with logprobs (OpenAI's completions): what the engine
// is asked for, and the engine's prompt entries rendered in both response shapes.
import type { Static } from '@sinclair/typebox';
import { SelarError } from '../errors.js';
import type { PromptLogprob, TokenEvent } from '../engine/types.js';
import type { PromptLogprobs } from '../protocol/decode-extras.js';
import type { CompletionLogprobs } from '../protocol/completions.js';
import type { ServingContext } from './context.js';
import type { TokenRenderer } from './logprobs.js';

/**
 * Alternatives per prompt token the engine computes (the larger of prompt_logprobs and
 * echo's logprobs), or null when neither asks.
 */
export function promptLogprobsRequest(
  promptLogprobs: number | null,
  echoLogprobs: number | null,
  ctx: ServingContext,
): number | null {
  if (promptLogprobs === null && echoLogprobs === null) return null;
  if (!ctx.model.promptLogits) {
    const param = promptLogprobs !== null ? 'prompt_logprobs' : 'echo';
    throw new SelarError(
      'invalid_request',
      "this model's decoder cannot return logits for every prompt position",
      param,
    );
  }
  return Math.max(promptLogprobs ?? 0, echoLogprobs ?? 0);
}

/** vLLM's shape: token id → { logprob, rank, decoded_token }, the prompt token and its k alternatives. */
export function vllmPromptLogprobs(
  entries: Array<PromptLogprob | null>,
  k: number,
  renderer: TokenRenderer,
): Static<typeof PromptLogprobs> {
  return entries.map((e) => {
    if (e === null) return null;
    const out: Record<string, { logprob: number; rank: number; decoded_token: string }> = {};
    out[e.id] = { logprob: e.logprob, rank: e.rank, decoded_token: renderer.render(e.id).text };
    e.top.slice(0, k).forEach((a, j) => {
      out[a.id] ??= { logprob: a.logprob, rank: j + 1, decoded_token: renderer.render(a.id).text };
    });
    return out;
  });
}

/**
 * OpenAI's echo shape: the prompt's tokens first, the first one with null logprobs. Like
 * the generated tokens' entries, they line up with the text: a token is its text where
 * the echoed prompt has it next (a BOS the text never showed is ''), and text_offset
 * counts the echoed text before it.
 */
export function echoLogprobs(
  entries: Array<PromptLogprob | null>,
  promptIds: readonly number[],
  echoed: string,
  k: number,
  renderer: TokenRenderer,
): CompletionLogprobs {
  const out: CompletionLogprobs = { tokens: [], token_logprobs: [], top_logprobs: [], text_offset: [] };
  let at = 0;
  promptIds.forEach((id, i) => {
    const rendered = renderer.render(id).text;
    const text = echoed.startsWith(rendered, at) ? rendered : '';
    const e = entries[i];
    out.tokens.push(text);
    out.token_logprobs.push(e ? e.logprob : null);
    out.top_logprobs.push(
      e ? Object.fromEntries(e.top.slice(0, k).map((a) => [renderer.render(a.id).text, a.logprob])) : null,
    );
    out.text_offset.push(at);
    at += text.length;
  });
  return out;
}

/** The prompt entries a choice's tokens carry (on its first token), if the engine sent them. */
export function promptEntries(tokens: readonly TokenEvent[]): Array<PromptLogprob | null> | undefined {
  return tokens.length > 0 ? tokens[0].promptLogprobs : undefined;
}
