// The benchmark's generation request: greedy, eos ignored, an exact token count, so
// every system under test does the same amount of work per sequence.
import { SELAR_EXTRAS } from '../src/sampling/latent/defaults.js';
import type { GenerationRequest, SelarMode } from '../src/engine/types.js';

let counter = 0;

export function benchRequest(
  promptIds: number[],
  maxTokens: number,
  mode: SelarMode,
  eosTokenIds: number[],
): GenerationRequest {
  return {
    id: `bench-${++counter}`,
    promptIds,
    sampling: {
      temperature: 0,
      topK: 0,
      topP: 1,
      minP: 0,
      seed: 0,
      presencePenalty: 0,
      frequencyPenalty: 0,
      repetitionPenalty: 1,
      logitBias: [],
      logprobs: false,
      topLogprobs: 0,
      badWords: [],
      allowedTokenIds: null,
    },
    stop: { strings: [], eosTokenIds, ignoreEos: true, maxTokens, minTokens: 0, tokenIds: [], includeInOutput: false },
    // The server's defaults for the SeLaR knobs (src/config.ts), except discrete_tokens:
    // 'none' so that every gated step really goes soft.
    selar: {
      mode,
      topK: 3,
      entropyThreshold: 0.5,
      contrastiveWeight: 1,
      discreteTokens: 'none',
      scope: 'all',
      trace: false,
      entropy: 'topk',
      softRate: 0,
      hotTemperature: 1.5,
      ...SELAR_EXTRAS,
    },
    skipSpecialTokens: true,
    priority: 0,
    promptLogprobs: null,
    thinking: { budget: null, endIds: [], startsInside: false },
  };
}
