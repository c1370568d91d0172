// Mode selar: the entropy gate. Soft when H >= entropy_threshold (docs/api.md "Semantics" 4).
import type { LatentMethod, MethodContext } from './method.js';
import { ContrastiveMix } from './contrastive-mix.js';

export function selarMethod({ params, dim, noise }: MethodContext): LatentMethod {
  const mix = new ContrastiveMix(params.topK, dim, params.contrastiveWeight, noise);
  return {
    wantsSoft: (d) => d.entropy >= params.entropyThreshold,
    softInput: (d, table, out) => mix.write(d, table, out),
  };
}
