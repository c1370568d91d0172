// The interface every latent-reasoning method implements: per step, whether it wants
// the next input soft, and what that soft input is. The order in which these hooks
// and the common vetoes (forced-discrete tokens, scope) run is fixed by decision.ts.
import type { FilterSettings, SelarParams, SoftMix } from '../../engine/types.js';
import type { StepDistribution } from '../sampler.js';
import type { MixNoise } from './noise.js';

/** Rows of the model's input embedding table E (the worker's embedding source fits). */
export interface EmbeddingLookup {
  readonly dim: number;
  /** Writes E[ids[i]] into out[i*dim .. (i+1)*dim). */
  lookup(ids: ArrayLike<number>, out: Float32Array): Promise<void> | void;
}

/** What a method is built from, once per sequence. */
export interface MethodContext {
  params: SelarParams;
  /** Hidden size of the embedding table. */
  dim: number;
  /** The sequence's sampling seed; a method that draws derives its own stream from it. */
  seed: number;
  /** Vocabulary size (a method that needs p on the greedy fast path computes it itself). */
  vocabSize: number;
  /** Draws every soft input's weights around q (selar.noise; `none` returns q). */
  noise: MixNoise;
  /** The sequence's resolved max_tokens (mode swir anneals its blend weights over it). */
  maxTokens: number;
}

export interface LatentMethod {
  /**
   * Before the visible token is chosen: a temperature to draw it at instead of the
   * request's, or null. Only methods that redraw tokens have it (mode hot); their
   * token events carry the `hot` flag.
   */
  redrawTemperature?(d: StepDistribution): number | null;
  /**
   * After the visible token, at every step the sequence continues: whether this
   * method wants the next input soft. Called even where a veto will apply, so a
   * method with its own random stream draws once per step.
   */
  wantsSoft(d: StepDistribution): boolean;
  /**
   * Writes the next pass's soft input into out; called only after wantsSoft held and no veto
   * applied. Returns the candidates and the weights it used (after noise), for trace "mix".
   */
  softInput(d: StepDistribution, table: EmbeddingLookup, out: Float32Array): Promise<SoftMix>;
  /** Soft steps only inside the thinking section, whatever selar.scope says (soft_thinking). */
  readonly thinkingOnly?: boolean;
  /**
   * Inside the thinking section, before the visible token (at every step not already
   * injecting the end of thinking): whether to inject the end-of-thinking string now
   * (Cold Stop). Called at every such step, so a method can count steps.
   */
  endThinking?(d: StepDistribution): boolean;
  /** Sampling settings for a step outside the thinking section, or null for the request's own. */
  filtersOutsideThinking?(): Partial<FilterSettings> | null;
  /**
   * Before the visible token, on steps nothing else forces: a token the method injects
   * instead of sampling (mode swir's end tag and answer prefix), or null.
   */
  forcedToken?(): number | null;
  /**
   * After the visible token, at every step (the last one too), before the end is judged:
   * the method follows the sequence (mode swir's switches). `injected`: the token was
   * forced, not sampled. `completesEnd`: with this token the generated ids end with the
   * whole end-of-thinking string (the sequence alone follows it, src/worker/sequence.ts).
   */
  observe?(d: StepDistribution, token: number, injected: boolean, completesEnd: boolean): void;
  /** After observe: whether the method ends the sequence with this token (finish_reason "length"). */
  endsHere?(): boolean;
  /**
   * When the next input is not soft (and the token was not injected): writes an input of
   * the method's own and returns true (mode swir's blend at a switch), or returns false
   * for the visible token's embedding.
   */
  discreteInput?(d: StepDistribution, table: EmbeddingLookup, out: Float32Array): Promise<boolean>;
  /** Mode swir: whether this step switched, and the switches so far (both directions). */
  switchInfo?(): { switched: boolean; switches: number };
}

/** softInput of methods whose wantsSoft is always false (off, hot). */
export function neverSoft(mode: string): LatentMethod['softInput'] {
  return () => Promise.reject(new Error(`mode ${mode} never feeds a soft input`));
}
