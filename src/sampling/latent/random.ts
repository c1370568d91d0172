// Mode random (ablation): soft on a seeded Bernoulli(soft_rate) draw, from a stream of
// its own so the draws never shift token sampling (docs/api.md "Semantics" 8).
import type { LatentMethod, MethodContext } from './method.js';
import { ContrastiveMix } from './contrastive-mix.js';
import { Xoshiro128 } from '../rng.js';

/** Derives the coin stream's seed from the sequence's sampling seed. */
const COIN_STREAM = 0x5e1a5e1a;

export function randomMethod({ params, dim, seed, noise }: MethodContext): LatentMethod {
  const mix = new ContrastiveMix(params.topK, dim, params.contrastiveWeight, noise);
  const coin = new Xoshiro128(seed ^ COIN_STREAM);
  return {
    wantsSoft: () => coin.next() < params.softRate,
    softInput: (d, table, out) => mix.write(d, table, out),
  };
}
