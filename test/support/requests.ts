// GenerationRequest builder for engine tests: every field resolved, greedy by default.
import { SELAR_EXTRAS } from '../../src/sampling/latent/defaults.js';
import type {
  GenerationRequest,
  SamplingParams,
  SelarParams,
  StopParams,
  ThinkingBudget,
} from '../../src/engine/types.js';

let counter = 0;

/** Sampling parameters with every field resolved: greedy, no penalties, no masks. */
export function samplingParams(over: Partial<SamplingParams> = {}): SamplingParams {
  return {
    temperature: 0,
    topK: 0,
    topP: 1,
    minP: 0,
    seed: 1,
    presencePenalty: 0,
    frequencyPenalty: 0,
    repetitionPenalty: 1,
    logitBias: [],
    logprobs: false,
    topLogprobs: 0,
    badWords: [],
    allowedTokenIds: null,
    ...over,
  };
}

export function request(
  promptIds: number[],
  over: {
    sampling?: Partial<SamplingParams>;
    stop?: Partial<StopParams>;
    selar?: Partial<SelarParams>;
    id?: string;
    skipSpecialTokens?: boolean;
    priority?: number;
    promptLogprobs?: number | null;
    thinking?: ThinkingBudget;
  } = {},
): GenerationRequest {
  return {
    id: over.id ?? `req-${++counter}`,
    promptIds,
    sampling: samplingParams({ seed: 0, ...over.sampling }),
    stop: {
      strings: [],
      eosTokenIds: [],
      ignoreEos: false,
      maxTokens: 16,
      minTokens: 0,
      tokenIds: [],
      includeInOutput: false,
      ...over.stop,
    },
    selar: {
      mode: 'off',
      topK: 3,
      entropyThreshold: 0.5,
      contrastiveWeight: 1,
      discreteTokens: 'none',
      scope: 'all',
      trace: false,
      entropy: 'topk',
      softRate: 0.2,
      hotTemperature: 1.5,
      ...SELAR_EXTRAS,
      ...over.selar,
    },
    skipSpecialTokens: over.skipSpecialTokens ?? true,
    priority: over.priority ?? 0,
    promptLogprobs: over.promptLogprobs ?? null,
    thinking: over.thinking ?? { budget: null, endIds: [], startsInside: false },
  };
}

export { SELAR_EXTRAS };
