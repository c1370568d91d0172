// One sequence's latent decision: its method (by selar.mode) and the vetoes every
// method shares, evaluated in the order docs/api.md "Semantics" 4 documents:
//   before the visible token: method.redrawTemperature, only in scope;
//   after it (the sequence continues): method.wantsSoft, then the forced-discrete veto
//   (the visible token), then the scope veto (judged after the visible token);
//   when soft: method.softInput, else method.discreteInput or the visible token's embedding.
//   before the visible token, inside the thinking section: method.endThinking (Cold Stop);
//   outside it: method.filtersOutsideThinking (the step's sampling settings).
// Mode swir also injects tokens (forcedToken), follows every step (observe) and may end
// the sequence (endsHere).
import type { FilterSettings, SelarParams, SoftMix } from '../../engine/types.js';
import type { StepDistribution } from '../sampler.js';
import type { EmbeddingLookup, LatentMethod } from './method.js';
import { mixNoise } from './noise.js';
import { latentMethods } from './registry.js';

export interface DecisionContext {
  /** Hidden size of the embedding table. */
  dim: number;
  /** The sequence's sampling seed. */
  seed: number;
  /** Ids that always stay discrete under discrete_tokens: "math". */
  mathIds: ReadonlySet<number>;
  vocabSize: number;
  /** The sequence's resolved max_tokens (1 where a test builds a decision without a sequence). */
  maxTokens?: number;
}

export class LatentDecision {
  private readonly method: LatentMethod;
  private readonly forcedDiscrete: ReadonlySet<number>;
  private readonly everywhere: boolean;

  constructor(params: SelarParams, ctx: DecisionContext) {
    const noise = mixNoise(params, ctx.seed);
    this.method = latentMethods[params.mode]({
      params,
      dim: ctx.dim,
      seed: ctx.seed,
      vocabSize: ctx.vocabSize,
      noise,
      maxTokens: ctx.maxTokens ?? 1,
    });
    this.forcedDiscrete = params.discreteTokens === 'math' ? ctx.mathIds : new Set();
    this.everywhere = params.scope === 'all' && !this.method.thinkingOnly;
  }

  /** Inside the thinking section, before the visible token: whether the method ends thinking now. */
  endsThinking(d: StepDistribution): boolean {
    return this.method.endThinking?.(d) ?? false;
  }

  /** The sampling settings of a step outside the thinking section, or null for the request's. */
  filtersOutsideThinking(): Partial<FilterSettings> | null {
    return this.method.filtersOutsideThinking?.() ?? null;
  }

  /** Whether this method can redraw visible tokens (its token events carry `hot`). */
  get redraws(): boolean {
    return this.method.redrawTemperature !== undefined;
  }

  /** Before the visible token: the temperature to draw it at instead, or null. */
  redrawTemperature(d: StepDistribution, inThink: boolean): number | null {
    const t = this.method.redrawTemperature?.(d) ?? null;
    return t !== null && this.inScope(inThink) ? t : null;
  }

  /** After the visible token, when the sequence continues: whether the next input is soft. */
  nextIsSoft(d: StepDistribution, token: number, inThink: boolean): boolean {
    return this.method.wantsSoft(d) && !this.forcedDiscrete.has(token) && this.inScope(inThink);
  }

  /** Writes the soft input into out (after nextIsSoft returned true); the candidates and weights used. */
  softInput(d: StepDistribution, table: EmbeddingLookup, out: Float32Array): Promise<SoftMix> {
    return this.method.softInput(d, table, out);
  }

  /** Before the visible token, when the thinking budget does not force it: a token the method injects, or null. */
  forcedToken(): number | null {
    return this.method.forcedToken?.() ?? null;
  }

  /** After the visible token, at every step: the method's bookkeeping, then whether it ends the sequence here. */
  observe(d: StepDistribution, token: number, injected: boolean, completesEnd: boolean): boolean {
    this.method.observe?.(d, token, injected, completesEnd);
    return this.method.endsHere?.() ?? false;
  }

  /** When the next input is not soft: writes the method's own input and returns true, or false for E[token]. */
  discreteInput(d: StepDistribution, table: EmbeddingLookup, out: Float32Array): Promise<boolean> {
    return this.method.discreteInput?.(d, table, out) ?? Promise.resolve(false);
  }

  /** Mode swir: whether this step switched and the switches so far; null in other modes. */
  switchInfo(): { switched: boolean; switches: number } | null {
    return this.method.switchInfo?.() ?? null;
  }

  /** scope "all", or scope "thinking" (or a thinking-only method) inside the thinking section. */
  private inScope(inThink: boolean): boolean {
    return this.everywhere || inThink;
  }
}
