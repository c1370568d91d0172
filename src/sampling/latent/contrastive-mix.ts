// SeLaR's soft input, shared by the modes selar, soft and random: the expected
// embedding of the top-k mix, pushed away from the most probable token's embedding.
// See docs/api.md "Semantics" 4.
import type { StepDistribution } from '../sampler.js';
import type { TopKMix } from '../topk-mix.js';
import type { SoftMix } from '../../engine/types.js';
import type { EmbeddingLookup } from './method.js';
import type { MixNoise } from './noise.js';

/**
 * s = e + w·H·(e − E[id_1]) with e = Σ q_i E[id_i] and H the gate's entropy
 * (mix.entropy unless the full-vocabulary gate is chosen).
 * `rows` holds the k candidate rows back to back (k × dim, same order as mix.ids).
 * Accumulates in double precision and writes fp32.
 */
export function softEmbedding(
  rows: Float32Array,
  mix: Pick<TopKMix, 'ids' | 'q'>,
  entropy: number,
  weight: number,
  out: Float32Array,
): Float32Array {
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

/** The candidates of weight > 0 and their weights, for trace "mix". */
export function usedMix(ids: ArrayLike<number>, weights: ArrayLike<number>): SoftMix {
  const mix: SoftMix = { ids: [], weights: [] };
  for (let j = 0; j < ids.length; j++) {
    if (weights[j] > 0) {
      mix.ids.push(ids[j]);
      mix.weights.push(weights[j]);
    }
  }
  return mix;
}

/** softEmbedding over the step's mix, with a reusable buffer for the candidates' rows. */
export class ContrastiveMix {
  private readonly rows: Float32Array;
  private readonly weights: Float64Array;

  constructor(
    k: number,
    dim: number,
    private readonly weight: number,
    private readonly noise: MixNoise,
  ) {
    this.rows = new Float32Array(k * dim);
    this.weights = new Float64Array(k);
  }

  /** The mix's weights drawn with the noise (q itself without), the anchor id_1 still q's most probable. */
  async write(d: StepDistribution, table: EmbeddingLookup, out: Float32Array): Promise<SoftMix> {
    await table.lookup(d.mix.ids, this.rows);
    const q = this.noise.weights(d.mix.q, this.weights);
    softEmbedding(this.rows, { ids: d.mix.ids, q }, d.entropy, this.weight, out);
    return usedMix(d.mix.ids, q);
  }
}
