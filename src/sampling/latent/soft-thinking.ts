// Mode soft_thinking (Soft Thinking, arXiv 2505.15778; docs/api.md "Soft Thinking"):
// every thinking step's input is the concept token, the top-max_topk of p after min_p,
// renormalised, times their embeddings (no contrastive push); Cold Stop injects the end
// of thinking after cold_stop_steps consecutive steps below cold_stop_entropy; outside
// the section the after_thinking sampling settings apply.
import type { FilterSettings, SoftMix } from '../../engine/types.js';
import { DistributionScratch, filteredProbs } from '../distribution.js';
import type { StepDistribution } from '../sampler.js';
import { topK } from '../topk.js';
import { usedMix } from './contrastive-mix.js';
import type { EmbeddingLookup, LatentMethod, MethodContext } from './method.js';
import type { MixNoise } from './noise.js';

/** The concept token's candidates: the top k of p above minP × max p, renormalised (empty slots: id_1, weight 0). */
export function conceptMix(p: Float32Array, k: number, minP: number, ids: Int32Array, q: Float64Array): void {
  topK(p, k, ids);
  const threshold = minP * p[ids[0]];
  let sum = 0;
  for (let j = 0; j < k; j++) {
    q[j] = j === 0 || p[ids[j]] >= threshold ? p[ids[j]] : 0;
    sum += q[j];
  }
  for (let j = 0; j < k; j++) {
    q[j] = sum > 0 ? q[j] / sum : j === 0 ? 1 : 0;
    if (j > 0 && q[j] === 0) ids[j] = ids[0];
  }
}

/** Entropy in nats of softmax(logits / temperature) over the whole vocabulary (Cold Stop's). */
export function softmaxEntropy(logits: Float32Array, temperature: number): number {
  const inv = 1 / temperature;
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  let sum = 0;
  let weighted = 0;
  for (let i = 0; i < logits.length; i++) {
    if (logits[i] === -Infinity) continue;
    const z = (logits[i] - max) * inv;
    const e = Math.exp(z);
    sum += e;
    weighted += e * z;
  }
  // H = log Σ e^z − Σ softmax(z)·z
  return Math.log(sum) - weighted / sum;
}

/** Σ_j w_j E[id_j], accumulated in double precision, written in fp32. */
function conceptEmbedding(rows: Float32Array, w: Float64Array, out: Float32Array): void {
  const dim = out.length;
  for (let d = 0; d < dim; d++) {
    let e = 0;
    for (let j = 0; j < w.length; j++) e += w[j] * rows[j * dim + d];
    out[d] = e;
  }
}

class ConceptToken {
  private readonly ids: Int32Array;
  private readonly q: Float64Array;
  private readonly w: Float64Array;
  private readonly rows: Float32Array;
  private scratch: DistributionScratch | null = null;

  constructor(
    private readonly k: number,
    private readonly minP: number,
    dim: number,
    private readonly vocabSize: number,
    private readonly noise: MixNoise,
  ) {
    this.ids = new Int32Array(k);
    this.q = new Float64Array(k);
    this.w = new Float64Array(k);
    this.rows = new Float32Array(k * dim);
  }

  async write(d: StepDistribution, table: EmbeddingLookup, out: Float32Array): Promise<SoftMix> {
    // The greedy fast path leaves p uncomputed: p at temperature 1, unfiltered, as Semantics step 1 says.
    let p = d.p;
    if (p === null) {
      this.scratch ??= new DistributionScratch(this.vocabSize);
      p = filteredProbs(d.logits, d.filters, this.scratch);
    }
    conceptMix(p, this.k, this.minP, this.ids, this.q);
    const w = this.noise.weights(this.q, this.w);
    await table.lookup(this.ids, this.rows);
    conceptEmbedding(this.rows, w, out);
    return usedMix(this.ids, w);
  }
}

export function softThinkingMethod({ params, dim, vocabSize, noise }: MethodContext): LatentMethod {
  const st = params.softThinking;
  const concept = new ConceptToken(st.maxTopk, st.minP, dim, vocabSize, noise);
  const after: Partial<FilterSettings> = {};
  if (st.afterThinking.temperature !== null) after.temperature = st.afterThinking.temperature;
  if (st.afterThinking.topP !== null) after.topP = st.afterThinking.topP;
  if (st.afterThinking.topK !== null) after.topK = st.afterThinking.topK;
  if (st.afterThinking.minP !== null) after.minP = st.afterThinking.minP;
  const hasAfter = Object.keys(after).length > 0;
  let lowSteps = 0;
  return {
    thinkingOnly: true,
    wantsSoft: () => true,
    softInput: (d, table, out) => concept.write(d, table, out),
    endThinking: (d) => {
      if (st.coldStopEntropy <= 0) return false;
      lowSteps = softmaxEntropy(d.logits, d.filters.temperature) < st.coldStopEntropy ? lowSteps + 1 : 0;
      if (lowSteps < st.coldStopSteps) return false;
      lowSteps = 0;
      return true;
    },
    filtersOutsideThinking: () => (hasAfter ? after : null),
  };
}
