// The quantities SeLaR's gate and soft input are computed from: the renormalised
// top-k of p and its normalised entropy (or the full-vocabulary entropy).
// Pure functions over typed arrays; see docs/api.md "Semantics" 3.
import { topK } from './topk.js';

/** The top-k candidates of p, renormalised, and their normalised entropy. */
export interface TopKMix {
  /** Candidate ids, most probable first (length k). */
  ids: Int32Array;
  /** q: the candidates' probabilities renormalised to sum to 1. */
  q: Float64Array;
  /** H = clamp(-Σ q ln q / ln k, 0, 1). */
  entropy: number;
}

export function createTopKMix(k: number): TopKMix {
  return { ids: new Int32Array(k), q: new Float64Array(k), entropy: 0 };
}

/** Fills `mix` from p (length V) for its k = mix.ids.length. */
export function topKMix(p: Float32Array, mix: TopKMix): TopKMix {
  const k = mix.ids.length;
  topK(p, k, mix.ids);
  let sum = 0;
  for (let j = 0; j < k; j++) sum += p[mix.ids[j]];
  let h = 0;
  for (let j = 0; j < k; j++) {
    const q = sum > 0 ? p[mix.ids[j]] / sum : j === 0 ? 1 : 0;
    mix.q[j] = q;
    if (q > 0) h -= q * Math.log(q);
  }
  mix.entropy = normaliseEntropy(h, k);
  return keepOnlyPossible(mix);
}

/**
 * The same mix straight from unfiltered logits at temperature 1 (greedy requests
 * without top_k/top_p/min_p): the renormalised top-k of softmax(logits) is the
 * softmax of the top-k logits, so the vocabulary-wide exp pass is skipped.
 */
export function topKMixFromLogits(logits: Float32Array, mix: TopKMix): TopKMix {
  const k = mix.ids.length;
  topK(logits, k, mix.ids);
  const max = logits[mix.ids[0]];
  if (max === -Infinity) throw new Error('every token is masked: no valid next token');
  let sum = 0;
  for (let j = 0; j < k; j++) {
    const e = Math.exp(logits[mix.ids[j]] - max);
    mix.q[j] = e;
    sum += e;
  }
  let h = 0;
  for (let j = 0; j < k; j++) {
    const q = mix.q[j] / sum;
    mix.q[j] = q;
    if (q > 0) h -= q * Math.log(q);
  }
  mix.entropy = normaliseEntropy(h, k);
  return keepOnlyPossible(mix);
}

/**
 * Candidates of weight 0 (masked or filtered ids, where fewer than k are possible) point
 * at the most probable id instead: a soft input never looks up a masked id's embedding,
 * and its value is unchanged (their weight stays 0).
 */
function keepOnlyPossible(mix: TopKMix): TopKMix {
  for (let j = 1; j < mix.ids.length; j++) if (mix.q[j] === 0) mix.ids[j] = mix.ids[0];
  return mix;
}

/** Shannon entropy (nats) divided by ln(n), clamped to [0, 1]. */
export function normaliseEntropy(h: number, n: number): number {
  if (n <= 1) return 0;
  const v = h / Math.log(n);
  return v < 0 ? 0 : Math.min(v, 1);
}

/** Entropy of the whole (filtered) distribution divided by ln |V|: the `entropy: "full"` gate. */
export function fullEntropy(p: Float32Array): number {
  let h = 0;
  for (let i = 0; i < p.length; i++) {
    const v = p[i];
    if (v > 0) h -= v * Math.log(v);
  }
  return normaliseEntropy(h, p.length);
}
