// Logits → the filtered next-token distribution p (temperature, top_k, top_p, min_p).
// One pass for the softmax, partial selection for the filters: the per-step cost
// stays small against the forward pass even at a 150k vocabulary.
import { topK } from './topk.js';

export interface FilterParams {
  /** Already mapped: greedy requests use 1 here (the SeLaR quantities use temperature 1). */
  temperature: number;
  topK: number;
  topP: number;
  minP: number;
}

/** Reusable scratch space for one vocabulary size, so the hot loop allocates nothing. */
export class DistributionScratch {
  readonly probs: Float32Array;
  ids: Int32Array;
  constructor(readonly vocabSize: number) {
    this.probs = new Float32Array(vocabSize);
    this.ids = new Int32Array(64);
  }
  idsFor(k: number): Int32Array {
    if (this.ids.length < k) this.ids = new Int32Array(Math.max(k, this.ids.length * 2));
    return this.ids;
  }
}

/**
 * Computes p into scratch.probs (length V, zeros where filtered out) and returns it.
 * Order: temperature → top_k → top_p → min_p, each on the distribution left by the
 * previous one, renormalised at the end (HF/vLLM order).
 */
export function filteredProbs(logits: Float32Array, f: FilterParams, scratch: DistributionScratch): Float32Array {
  const p = scratch.probs;
  const n = logits.length;
  const invT = 1 / f.temperature;
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (logits[i] > max) max = logits[i];
  if (max === -Infinity) throw new Error('every token is masked: no valid next token');
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const e = Math.exp((logits[i] - max) * invT);
    p[i] = e;
    sum += e;
  }
  const inv = 1 / sum;
  for (let i = 0; i < n; i++) p[i] *= inv;

  let changed = false;
  if (f.topK > 0 && f.topK < n) {
    // Keep every token at least as probable as the k-th (ties kept, as HF does).
    const ids = scratch.idsFor(f.topK);
    topK(p, f.topK, ids);
    const threshold = p[ids[f.topK - 1]];
    for (let i = 0; i < n; i++) if (p[i] < threshold) p[i] = 0;
    changed = true;
  }
  if (f.topP < 1) {
    if (changed) renormalise(p);
    applyTopP(p, f.topP, scratch);
    changed = true;
  }
  if (f.minP > 0) {
    let pmax = 0;
    for (let i = 0; i < n; i++) if (p[i] > pmax) pmax = p[i];
    const threshold = f.minP * pmax;
    for (let i = 0; i < n; i++) if (p[i] < threshold) p[i] = 0;
    changed = true;
  }
  if (changed) renormalise(p);
  return p;
}

function renormalise(p: Float32Array): void {
  let sum = 0;
  for (let i = 0; i < p.length; i++) sum += p[i];
  const inv = 1 / sum;
  for (let i = 0; i < p.length; i++) p[i] *= inv;
}

/**
 * Nucleus filter: keep the smallest set of most probable tokens whose mass reaches
 * top_p (at least one). Grows a partial selection until the mass is covered instead
 * of sorting the vocabulary.
 */
function applyTopP(p: Float32Array, topP: number, scratch: DistributionScratch): void {
  let m = 64;
  for (;;) {
    const k = Math.min(m, p.length);
    const ids = scratch.idsFor(k);
    topK(p, k, ids);
    let cum = 0;
    let keep = -1;
    for (let j = 0; j < k; j++) {
      cum += p[ids[j]];
      if (cum >= topP) {
        keep = j;
        break;
      }
    }
    if (keep >= 0 || k === p.length) {
      const last = keep >= 0 ? keep : k - 1;
      const threshold = p[ids[last]];
      // Everything strictly below the last kept probability goes; equal ties stay only if selected.
      const kept = new Set<number>();
      for (let j = 0; j <= last; j++) kept.add(ids[j]);
      for (let i = 0; i < p.length; i++) if (p[i] < threshold || (p[i] === threshold && !kept.has(i))) p[i] = 0;
      return;
    }
    m *= 4;
  }
}

/** Draws an index from p with one uniform number u in [0,1). */
export function sampleFrom(p: Float32Array, u: number): number {
  let cum = 0;
  let last = -1;
  for (let i = 0; i < p.length; i++) {
    const v = p[i];
    if (v <= 0) continue;
    cum += v;
    last = i;
    if (u < cum) return i;
  }
  return last; // rounding left u above the total mass: the last nonzero entry
}
