// One sequence's sampling per step, in two calls: `distribution` (processors → p →
// the top-k mix and its entropy) and `choose` (the visible token). Between them a
// latent method may ask for the token at another temperature (mode hot). Pure over
// typed arrays (no ONNX Runtime), reusing its buffers every step.
import type { FilterSettings, SamplingParams, SelarParams, TopLogprob } from '../engine/types.js';
import { applyLogitBias, applyPenalties, TokenHistory } from './penalties.js';
import { applyAllowedMask, requestMasks, suppress, type TokenMask } from './token-masks.js';
import { DistributionScratch, filteredProbs, sampleFrom, type FilterParams } from './distribution.js';
import { argmax } from './topk.js';
import { createTopKMix, fullEntropy, topKMix, topKMixFromLogits, type TopKMix } from './topk-mix.js';
import { tokenLogprobs } from './logprobs.js';
import { Xoshiro128, type Rng } from './rng.js';

/** One step's distribution (buffers valid until the sequence's next step). */
export interface StepDistribution {
  /** The last position's logits after bans, logit_bias and penalties (modified in place). */
  logits: Float32Array;
  /** p (length V), or null on the greedy unfiltered fast path, which never computes it. */
  p: Float32Array | null;
  /** The step draws the argmax (temperature 0, the request's or after_thinking's). */
  greedy: boolean;
  /** Temperature (1 when greedy) and filters that made p. */
  filters: FilterParams;
  /** Top-k candidates of p and their normalised entropy. */
  mix: TopKMix;
  /** The gate's entropy: mix.entropy, or the full-vocabulary entropy with selar.entropy = "full". */
  entropy: number;
}

export interface TokenChoice {
  token: number;
  logprob?: number;
  topLogprobs?: TopLogprob[];
}

export class SequenceSampler {
  private readonly history: TokenHistory;
  private readonly scratch: DistributionScratch;
  /** Where a redraw at another temperature computes its distribution, so p stays valid. */
  private redrawScratch: DistributionScratch | null = null;
  private readonly mix: TopKMix;
  private readonly rng: Rng;
  private readonly logprobIds: Int32Array;
  private readonly masks: TokenMask[];

  constructor(
    private readonly params: SamplingParams,
    private readonly selar: Pick<SelarParams, 'topK' | 'entropy'>,
    vocabSize: number,
    promptIds: readonly number[],
    seed: number,
  ) {
    this.history = new TokenHistory(promptIds);
    this.scratch = new DistributionScratch(vocabSize);
    this.mix = createTopKMix(selar.topK);
    this.rng = new Xoshiro128(seed);
    this.logprobIds = new Int32Array(Math.max(1, params.topLogprobs));
    this.masks = requestMasks(params, vocabSize);
  }

  /**
   * Processes the last position's logits (in place) into p, the top-k mix and the gate's
   * entropy. Token masks come first, in one step: `banned` ids (eos and stop_token_ids
   * before min_tokens), the request's (bad_words, allowed_token_ids), then `allowed`, a
   * grammar's bitmask; p, the mix and the entropy see only the tokens left. `settings`
   * replace the request's temperature and filters for this step (Soft Thinking's after_thinking);
   * the visible token is then drawn at them too.
   */
  distribution(
    logits: Float32Array,
    banned: readonly number[] = [],
    allowed: Int32Array | null = null,
    settings: Partial<FilterSettings> | null = null,
  ): StepDistribution {
    const s = settings ? { ...this.params, ...settings } : this.params;
    if (banned.length) suppress(logits, banned);
    for (const mask of this.masks) mask.apply(logits, this.history.output);
    if (allowed) applyAllowedMask(logits, allowed);
    if (s.logitBias.length) applyLogitBias(logits, s.logitBias);
    applyPenalties(logits, this.history, s);

    const greedy = s.temperature === 0;
    const filters = { temperature: greedy ? 1 : s.temperature, topK: s.topK, topP: s.topP, minP: s.minP };
    const unfiltered = s.topK === 0 && s.topP === 1 && s.minP === 0;
    if (greedy && unfiltered && this.selar.entropy === 'topk') {
      // Hot path: one partial selection over the logits, no vocabulary-wide softmax.
      const entropy = topKMixFromLogits(logits, this.mix).entropy;
      return { logits, p: null, greedy, filters, mix: this.mix, entropy };
    }
    const p = filteredProbs(logits, filters, this.scratch);
    topKMix(p, this.mix);
    const entropy = this.selar.entropy === 'full' ? fullEntropy(p) : this.mix.entropy;
    return { logits, p, greedy, filters, mix: this.mix, entropy };
  }

  /**
   * The visible token: the argmax when greedy, else drawn from p with the request's
   * seeded stream. With `redrawTemperature`, drawn (from the same stream) from p
   * recomputed at that temperature instead, greedy or not. A `forced` token (the
   * thinking budget's injected tag) is taken as is, with its logprob under p's logits.
   */
  choose(d: StepDistribution, redrawTemperature: number | null = null, forced: number | null = null): TokenChoice {
    let token: number;
    if (forced !== null) {
      token = forced;
    } else if (redrawTemperature !== null) {
      this.redrawScratch ??= new DistributionScratch(this.scratch.vocabSize);
      const hot = filteredProbs(d.logits, { ...d.filters, temperature: redrawTemperature }, this.redrawScratch);
      token = sampleFrom(hot, this.rng.next());
    } else if (d.greedy) {
      token = d.p === null ? d.mix.ids[0] : argmax(d.logits);
    } else {
      token = sampleFrom(d.p!, this.rng.next());
    }
    const choice: TokenChoice = { token };
    if (this.params.logprobs) {
      const lp = tokenLogprobs(d.logits, token, this.params.topLogprobs, this.logprobIds);
      choice.logprob = lp.logprob;
      choice.topLogprobs = lp.top;
    }
    this.history.push(token);
    return choice;
  }
}
