// Mode soft: every step wants a soft input (the gate always fires).
import type { LatentMethod, MethodContext } from './method.js';
import { ContrastiveMix } from './contrastive-mix.js';

export function softMethod({ params, dim, noise }: MethodContext): LatentMethod {
  const mix = new ContrastiveMix(params.topK, dim, params.contrastiveWeight, noise);
  return {
    wantsSoft: () => true,
    softInput: (d, table, out) => mix.write(d, table, out),
  };
}
