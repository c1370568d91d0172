// One sequence's token choice per step: processors → distribution → visible token →
// SeLaR mix. Pure over typed arrays (no ONNX Runtime), reusing its buffers every step.
import type { SamplingParams } from '../engine/types.js';
import { applyLogitBias, applyPenalties, suppress, TokenHistory } from './penalties.js';
import { DistributionScratch, filteredProbs, sampleFrom } from './distribution.js';
import { argmax } from './topk.js';
import { createTopKMix, topKMix, type TopKMix } from './selar.js';
import { tokenLogprobs } from './logprobs.js';
import { Xoshiro128, type Rng } from './rng.js';

export interface SampleResult {
  token: number;
  /** Top-k candidates of p and their normalised entropy (valid until the next step). */
  mix: TopKMix;
  logprob?: number;
  topLogprobs?: { id: number; logprob: number }[];
}

export class SequenceSampler {
  private readonly history: TokenHistory;
  private readonly scratch: DistributionScratch;
  private readonly mix: TopKMix;
  private readonly rng: Rng;
  private readonly logprobIds: Int32Array;

  constructor(
    private readonly params: SamplingParams,
    selarTopK: number,
    vocabSize: number,
    promptIds: readonly number[],
    seed: number,
  ) {
    this.history = new TokenHistory(promptIds);
    this.scratch = new DistributionScratch(vocabSize);
    this.mix = createTopKMix(selarTopK);
    this.rng = new Xoshiro128(seed);
    this.logprobIds = new Int32Array(Math.max(1, params.topLogprobs));
  }

  /**
   * Chooses the next token from the last position's logits (modified in place).
   * `banned` ids are masked first (eos before min_tokens).
   */
  sample(logits: Float32Array, banned: readonly number[] = []): SampleResult {
    const s = this.params;
    if (banned.length) suppress(logits, banned);
    if (s.logitBias.length) applyLogitBias(logits, s.logitBias);
    applyPenalties(logits, this.history, s);

    const greedy = s.temperature === 0;
    const p = filteredProbs(logits, { temperature: greedy ? 1 : s.temperature, topK: s.topK, topP: s.topP, minP: s.minP }, this.scratch);
    const token = greedy ? argmax(logits) : sampleFrom(p, this.rng.next());
    topKMix(p, this.mix);

    const result: SampleResult = { token, mix: this.mix };
    if (s.logprobs) {
      const lp = tokenLogprobs(logits, token, s.topLogprobs, this.logprobIds);
      result.logprob = lp.logprob;
      result.topLogprobs = lp.top;
    }
    this.history.push(token);
    return result;
  }
}
