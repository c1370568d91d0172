// SeLaR: the normalised top-k entropy gate and the contrastive soft embedding.
// Pure functions over typed arrays; see docs/api.md "Semantics" 3–4.
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
  return mix;
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

export interface GateInput {
  mode: 'selar' | 'soft' | 'off' | 'random' | 'hot';
  entropy: number;
  threshold: number;
  /** The visible token is a forced-discrete token (e.g. a math symbol). */
  forcedDiscrete: boolean;
  /** scope allows a soft step here (always true for scope "all"). */
  inScope: boolean;
  /** random mode: this step's seeded coin flip. */
  coin?: boolean;
}

/** Whether the next forward pass gets a soft embedding (api.md step 4; random for the ablation). */
export function softGate(g: GateInput): boolean {
  if (g.mode === 'off' || g.mode === 'hot' || g.forcedDiscrete || !g.inScope) return false;
  if (g.mode === 'random') return g.coin === true;
  return g.mode === 'soft' || g.entropy >= g.threshold;
}

/**
 * s = e + w·H·(e − E[id_1]) with e = Σ q_i E[id_i] and H the gate's entropy
 * (mix.entropy unless the full-vocabulary gate is chosen).
 * `rows` holds the k candidate rows back to back (k × dim, same order as mix.ids).
 * Accumulates in double precision and writes fp32.
 */
export function softEmbedding(rows: Float32Array, mix: TopKMix, entropy: number, weight: number, out: Float32Array): Float32Array {
  const k = mix.ids.length;
  const dim = out.length;
  const push = weight * entropy;
  for (let d = 0; d < dim; d++) {
    let e = 0;
    for (let j = 0; j < k; j++) e += mix.q[j] * rows[j * dim + d];
    out[d] = e + push * (e - rows[d]);
  }
  return out;
}
