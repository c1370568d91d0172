// Log-probabilities for the `logprobs` / `top_logprobs` response fields, from the
// processed logits (after logit_bias and penalties, before temperature and filters).
import { topK } from './topk.js';
import type { TopLogprob } from '../engine/types.js';

export function logSumExp(logits: Float32Array): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i] - max);
  return max + Math.log(sum);
}

export function tokenLogprobs(
  logits: Float32Array,
  chosen: number,
  n: number,
  scratch: Int32Array,
): { logprob: number; top: TopLogprob[] } {
  const lse = logSumExp(logits);
  const top: TopLogprob[] = [];
  if (n > 0) {
    const m = topK(logits, n, scratch);
    // Masked ids (-Infinity) are no alternatives: fewer than n may remain.
    for (let j = 0; j < m && logits[scratch[j]] !== -Infinity; j++)
      top.push({ id: scratch[j], logprob: logits[scratch[j]] - lse });
  }
  return { logprob: logits[chosen] - lse, top };
}
