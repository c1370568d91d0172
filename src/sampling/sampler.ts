// One sequence's token choice per step: processors → distribution → visible token →
// SeLaR mix. Pure over typed arrays (no ONNX Runtime), reusing its buffers every step.
import type { SamplingParams, SelarParams } from '../engine/types.js';
import { applyLogitBias, applyPenalties, suppress, TokenHistory } from './penalties.js';
import { applyAllowedMask } from './token-mask.js';
import { DistributionScratch, filteredProbs, sampleFrom } from './distribution.js';
import { argmax } from './topk.js';
import { createTopKMix, fullEntropy, topKMix, topKMixFromLogits, type TopKMix } from './selar.js';
import { tokenLogprobs } from './logprobs.js';
import { Xoshiro128, type Rng } from './rng.js';

export interface SampleResult {
  token: number;
  /** Top-k candidates of p and their normalised entropy (valid until the next step). */
  mix: TopKMix;
  /** The gate's entropy: mix.entropy, or the full-vocabulary entropy with selar.entropy = "full". */
  entropy: number;
  /** hot mode: the visible token was drawn at hot_temperature. */
  hot: boolean;
  logprob?: number;
  topLogprobs?: { id: number; logprob: number }[];
}

export class SequenceSampler {
  private readonly history: TokenHistory;
  private readonly scratch: DistributionScratch;
  private readonly mix: TopKMix;
  private readonly rng: Rng;
  /** A separate stream for random-mode soft decisions, so they never shift token sampling. */
  private readonly gateRng: Rng;
  private readonly logprobIds: Int32Array;

  constructor(
    private readonly params: SamplingParams,
    private readonly selar: SelarParams,
    vocabSize: number,
    promptIds: readonly number[],
    seed: number,
  ) {
    this.history = new TokenHistory(promptIds);
    this.scratch = new DistributionScratch(vocabSize);
    this.mix = createTopKMix(selar.topK);
    this.rng = new Xoshiro128(seed);
    this.gateRng = new Xoshiro128(seed ^ 0x5e1a5e1a);
    this.logprobIds = new Int32Array(Math.max(1, params.topLogprobs));
  }

  /** random mode: one seeded Bernoulli(soft_rate) draw per step. */
  randomGate(): boolean {
    return this.gateRng.next() < this.selar.softRate;
  }

  /**
   * Chooses the next token from the last position's logits (modified in place).
   * `banned` ids are masked first (eos before min_tokens). `inScope` says whether a
   * gated step is allowed here (hot mode resamples only in scope). `allowed` is a
   * grammar's bitmask: applied after penalties, so the distribution, the gate's
   * entropy and the soft mix all see only allowed tokens.
   */
  sample(logits: Float32Array, banned: readonly number[] = [], inScope = true, allowed: Int32Array | null = null): SampleResult {
    const s = this.params;
    if (banned.length) suppress(logits, banned);
    if (s.logitBias.length) applyLogitBias(logits, s.logitBias);
    applyPenalties(logits, this.history, s);
    if (allowed) applyAllowedMask(logits, allowed);

    const greedy = s.temperature === 0;
    const filters = { temperature: greedy ? 1 : s.temperature, topK: s.topK, topP: s.topP, minP: s.minP };
    const unfiltered = s.topK === 0 && s.topP === 1 && s.minP === 0;
    let entropy: number;
    let p: Float32Array | null = null;
    if (greedy && unfiltered && this.selar.entropy === 'topk') {
      // Hot path: one partial selection over the logits, no vocabulary-wide softmax.
      entropy = topKMixFromLogits(logits, this.mix).entropy;
    } else {
      p = filteredProbs(logits, filters, this.scratch);
      topKMix(p, this.mix);
      entropy = this.selar.entropy === 'full' ? fullEntropy(p) : this.mix.entropy;
    }
    const hot = this.selar.mode === 'hot' && inScope && entropy >= this.selar.entropyThreshold;
    let token: number;
    if (hot) token = sampleFrom(filteredProbs(logits, { ...filters, temperature: this.selar.hotTemperature }, this.scratch), this.rng.next());
    else if (greedy) token = p === null ? this.mix.ids[0] : argmax(logits);
    else token = sampleFrom(p!, this.rng.next());

    const result: SampleResult = { token, mix: this.mix, entropy, hot };
    if (s.logprobs) {
      const lp = tokenLogprobs(logits, token, s.topLogprobs, this.logprobIds);
      result.logprob = lp.logprob;
      result.topLogprobs = lp.top;
    }
    this.history.push(token);
    return result;
  }
}
