// SeLaR's soft input, shared by the modes selar, soft and random: the expected
// embedding of the top-k mix, pushed away from the most probable token's embedding.
// See docs/api.md "Semantics" 4.
import type { StepDistribution } from '../sampler.js';
import type { TopKMix } from '../topk-mix.js';
import type { EmbeddingLookup } from './method.js';

/**
 * s = e + w·H·(e − E[id_1]) with e = Σ q_i E[id_i] and H the gate's entropy
 * (mix.entropy unless the full-vocabulary gate is chosen).
 * `rows` holds the k candidate rows back to back (k × dim, same order as mix.ids).
 * Accumulates in double precision and writes fp32.
 */
export function softEmbedding(
  rows: Float32Array,
  mix: TopKMix,
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

/** softEmbedding over the step's mix, with a reusable buffer for the candidates' rows. */
export class ContrastiveMix {
  private readonly rows: Float32Array;

  constructor(
    k: number,
    dim: number,
    private readonly weight: number,
  ) {
    this.rows = new Float32Array(k * dim);
  }

  async write(d: StepDistribution, table: EmbeddingLookup, out: Float32Array): Promise<void> {
    await table.lookup(d.mix.ids, this.rows);
    softEmbedding(this.rows, d.mix, d.entropy, this.weight, out);
  }
}
