// Prompt logprobs (prompt_logprobs, echo with logprobs): each prompt token's
// log-probability under the raw logits of the position before it, its rank, and the
// most probable alternatives. Pure over the [T, V] logits of one prefill row.
import type { PromptLogprob, TopLogprob } from '../engine/types.js';
import { logSumExp } from './logprobs.js';
import { topK } from './topk.js';

/** `all` holds T rows of V logits (position t predicts token t + 1); k alternatives per token. */
export function promptLogprobs(
  all: Float32Array,
  vocab: number,
  ids: readonly number[],
  k: number,
): Array<PromptLogprob | null> {
  const out: Array<PromptLogprob | null> = [null];
  const scratch = new Int32Array(Math.max(1, k));
  for (let t = 1; t < ids.length; t++) {
    const row = all.subarray((t - 1) * vocab, t * vocab);
    const lse = logSumExp(row);
    const id = ids[t];
    const value = row[id];
    // Rank as vLLM counts it: 1 + the number of strictly more probable tokens.
    let rank = 1;
    for (let v = 0; v < vocab; v++) if (row[v] > value) rank++;
    const top: TopLogprob[] = [];
    const m = topK(row, k, scratch);
    for (let j = 0; j < m; j++) top.push({ id: scratch[j], logprob: row[scratch[j]] - lse });
    out.push({ id, logprob: value - lse, rank, top });
  }
  return out;
}
