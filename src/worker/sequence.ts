// One sequence's decode state and its step: sample the visible token, turn it into
// safe text, detect the end, and feed the next input as the sequence's latent
// decision (src/sampling/latent) says. No ONNX Runtime here: the scheduler
// runs the forward passes and hands this class the logits.
import type {
  FinishEvent,
  FinishReason,
  GenerationRequest,
  PromptLogprob,
  SoftMix,
  ThinkingEnd,
  TokenEvent,
} from '../engine/types.js';
import { SequenceSampler, type StepDistribution } from '../sampling/sampler.js';
import { LatentDecision } from '../sampling/latent/decision.js';
import { randomSeed } from '../sampling/rng.js';
import { promptLogprobs } from '../sampling/prompt-logprobs.js';
import { IncrementalDetokenizer, type Decoder } from './detokenizer.js';
import { StopMatcher } from './stop-matcher.js';
import type { EmbeddingSource } from './embeddings.js';
import type { GrammarConstraint } from '../grammar/constraint.js';
import type { GrammarHost } from '../grammar/host.js';

/** What a sequence needs from the model, shared by all sequences of a worker. */
export interface SequenceContext {
  tokenizer: Decoder;
  embeddings: EmbeddingSource;
  vocabSize: number;
  contextLength: number;
  /** ids that always stay discrete under discrete_tokens: "math". */
  mathIds: ReadonlySet<number>;
  thinkIds: { open: number; close: number } | null;
  /** Compiles structured-output grammars for this model's vocabulary (on its own thread). */
  grammars: GrammarHost | null;
}

const NO_IDS: readonly number[] = [];

export type StepOutcome = { token: TokenEvent; finish: FinishEvent | null };

interface VisibleText {
  text: string;
  /** Set when the sequence ends with this token. */
  reason: FinishReason | null;
  /** A stop string cut the text (nothing held back is released at the end). */
  cutByStopString: boolean;
}

export class Sequence {
  readonly request: GenerationRequest;
  /** The embedding the next forward pass receives (hidden floats). */
  readonly nextInput: Float32Array;
  private readonly ctx: SequenceContext;
  private readonly sampler: SequenceSampler;
  private readonly latent: LatentDecision;
  private readonly detok: IncrementalDetokenizer;
  private readonly stop: StopMatcher;
  private generated = 0;
  private softTokens = 0;
  private hotTokens = 0;
  private reasoningTokens = 0;
  private inThink: boolean;
  private promptEntries: Array<PromptLogprob | null> | null = null;
  /** Tokens generated strictly inside <think>…</think> (the thinking budget counts these). */
  private thinkingTokens = 0;
  /** How many of the end tag's ids have been injected (0: not injecting). */
  private injecting = 0;
  /** Why the end of thinking is being injected (budget, Cold Stop); null: not injecting. */
  private injectedFor: ThinkingEnd | null = null;
  /** What ended the thinking section, once it ended. */
  private thinkingEnd: ThinkingEnd | null = null;
  /** The last generated ids, as many as the end-of-thinking string has (to spot its end). */
  private readonly recent: number[] = [];
  /** The ids that end the thinking section: the request's end string, else the tokenizer's `</think>`. */
  private readonly endIds: readonly number[];
  private grammar: GrammarConstraint | null = null;
  private released = false;
  /** eos and stop_token_ids: the ids masked until min_tokens (built once, not per step). */
  private readonly stopIds: readonly number[];

  constructor(request: GenerationRequest, ctx: SequenceContext) {
    this.request = request;
    this.ctx = ctx;
    const seed = request.sampling.seed ?? randomSeed();
    this.sampler = new SequenceSampler(request.sampling, request.selar, ctx.vocabSize, request.promptIds, seed);
    this.detok = new IncrementalDetokenizer(ctx.tokenizer, request.skipSpecialTokens);
    this.stop = new StopMatcher(request.stop.strings, request.stop.includeInOutput);
    this.nextInput = new Float32Array(ctx.embeddings.dim);
    this.latent = new LatentDecision(request.selar, {
      dim: ctx.embeddings.dim,
      seed,
      mathIds: ctx.mathIds,
      vocabSize: ctx.vocabSize,
      maxTokens: request.stop.maxTokens,
    });
    this.inThink = ctx.thinkIds ? lastThinkOpen(request.promptIds, ctx.thinkIds) : request.thinking.startsInside;
    this.stopIds = [...request.stop.eosTokenIds, ...request.stop.tokenIds];
    const ownEnd = ctx.thinkIds ? [ctx.thinkIds.close] : [];
    this.endIds = request.thinking.endIds.length > 0 ? request.thinking.endIds : ownEnd;
  }

  /** Compiles (or takes from the cache) the request's grammar; call before the first step. */
  async prepare(): Promise<void> {
    const spec = this.request.grammar;
    if (!spec) return;
    if (!this.ctx.grammars) throw new Error('this worker has no grammar compiler');
    // A prompt that already closed a thinking section (thinking switched off) leaves no
    // room to open one; a prompt without think tags lets the model start by thinking.
    const think = this.ctx.thinkIds;
    const mayOpenThink = think !== null && !this.request.promptIds.includes(think.close) && !this.inThink;
    const grammar = await this.ctx.grammars.open(spec, this.request.stop.eosTokenIds, mayOpenThink ? think.open : null);
    // Cancelled while its grammar compiled.
    if (this.released) grammar.dispose();
    else this.grammar = grammar;
  }

  /** Frees the grammar's matcher (XGrammar's WebAssembly memory is not garbage-collected). */
  release(): void {
    this.released = true;
    this.grammar?.dispose();
    this.grammar = null;
  }

  /** Embeddings of the prompt, T × hidden, for the prefill pass. */
  async promptEmbeddings(): Promise<Float32Array> {
    const ids = this.request.promptIds;
    const out = new Float32Array(ids.length * this.ctx.embeddings.dim);
    await this.ctx.embeddings.lookup(ids, out);
    return out;
  }

  /** From the prefill's logits of every prompt position: the prompt logprobs the first token event carries. */
  recordPromptLogprobs(all: Float32Array): void {
    const k = this.request.promptLogprobs ?? 0;
    this.promptEntries = promptLogprobs(all, this.ctx.vocabSize, this.request.promptIds, k);
  }

  /**
   * Consumes the logits of the last position and prepares nextInput. `positions`: how
   * many positions of the KV cache the sequence holds after the pass that made them.
   */
  async step(logits: Float32Array, positions: number): Promise<StepOutcome> {
    const { stop } = this.request;
    // The grammar waits while the model thinks (and the end may not come before the answer);
    // once it runs, it alone decides when the end may come. eos and stop_token_ids are masked
    // until min_tokens.
    const grammar = this.inThink ? null : this.grammar;
    const masked = (this.generated < stop.minTokens && !grammar) || (this.grammar && this.inThink);
    const banned = masked ? this.stopIds : NO_IDS;
    const filters = this.inThink ? null : this.latent.filtersOutsideThinking();
    const d = this.sampler.distribution(logits, banned, grammar ? await grammar.allowed() : null, filters);
    // A running grammar alone chooses the answer's tokens: a method injects nothing then.
    const injected = this.injectedToken(d);
    const forced = injected ?? (grammar ? null : this.latent.forcedToken());
    // Mode swir's end tag past its switch limit ends thinking on the method's account.
    if (injected === null && forced !== null && this.inThink) this.injectedFor ??= 'switch_limit';
    const redraw = forced === null ? this.latent.redrawTemperature(d, this.inThink) : null;
    const choice = this.sampler.choose(d, redraw, forced);
    const token = choice.token;
    grammar?.accept(token);
    this.generated++;
    if (redraw !== null) this.hotTokens++;

    const { isTag, reasoning, completesEnd } = this.trackThinking(token);
    const methodEnds = this.latent.observe(d, token, forced !== null, completesEnd);
    const visible = this.visibleText(token, isTag, positions, grammar?.terminated ?? false);
    const { text, cutByStopString } = visible;
    // A method's own end (mode swir's answer budget) is a length limit.
    const reason = visible.reason ?? (methodEnds ? 'length' : null);
    const mix = reason === null ? await this.prepareNextInput(d, token, forced !== null) : null;
    const soft = mix !== null;

    const event: TokenEvent = { type: 'token', id: token, text, entropy: d.entropy, soft, reasoning };
    if (this.latent.redraws) event.hot = redraw !== null;
    if (mix && this.request.selar.trace === 'mix') {
      event.mix = { ...mix, tokens: mix.ids.map((id) => this.ctx.tokenizer.decode([id], false)) };
    }
    const switches = this.latent.switchInfo();
    if (switches) event.switch = switches.switched;
    if (choice.logprob !== undefined) {
      event.logprob = choice.logprob;
      event.topLogprobs = choice.topLogprobs;
    }
    if (this.promptEntries) {
      event.promptLogprobs = this.promptEntries;
      this.promptEntries = null;
    }
    return { token: event, finish: reason ? this.finish(reason, cutByStopString) : null };
  }

  /**
   * The end-of-thinking string's ids, fed one per step instead of sampling, once the thinking
   * budget is spent (the tokens generated inside the section reach it) or the method ends
   * thinking (Cold Stop); null otherwise. The budget wins when both apply.
   */
  private injectedToken(d: StepDistribution): number | null {
    const { budget, endIds } = this.request.thinking;
    if (this.injecting < endIds.length && this.injecting > 0) return endIds[this.injecting++];
    this.injecting = 0;
    if (!this.inThink || endIds.length === 0) return null;
    if (budget !== null && this.thinkingTokens >= budget) this.injectedFor = 'budget';
    else if (this.latent.endsThinking(d)) this.injectedFor = 'cold_stop';
    else return null;
    return endIds[this.injecting++];
  }

  /**
   * Follows the thinking section: whether the token is a tag, whether it counts as reasoning,
   * and whether it completes the end-of-thinking string.
   */
  private trackThinking(token: number): { isTag: boolean; reasoning: boolean; completesEnd: boolean } {
    const think = this.ctx.thinkIds;
    const isTag = think !== null && (token === think.open || token === think.close);
    if (this.inThink && !isTag) this.thinkingTokens++;
    const reasoning = this.inThink || isTag;
    if (think && token === think.open) this.inThink = true;
    const completesEnd = this.endsWithThinkEnd(token);
    if (completesEnd && this.inThink) {
      this.inThink = false;
      this.thinkingEnd = this.injectedFor ?? 'model';
      this.injectedFor = null;
    }
    if (reasoning) this.reasoningTokens++;
    return { isTag, reasoning, completesEnd };
  }

  /** Whether the generated ids, with this one, end with the end-of-thinking string's ids. */
  private endsWithThinkEnd(token: number): boolean {
    const end = this.endIds;
    if (end.length === 0) return false;
    this.recent.push(token);
    if (this.recent.length > end.length) this.recent.shift();
    return this.recent.length === end.length && this.recent.every((id, i) => id === end[i]);
  }

  /** The text this token releases and whether the sequence ends here. */
  private visibleText(token: number, isTag: boolean, positions: number, grammarDone: boolean): VisibleText {
    const { stop } = this.request;
    // eos and stop_token_ids are masked until min_tokens, so reaching one here ends the sequence;
    // so does a grammar that accepted its end (even with ignore_eos).
    let reason: FinishReason | null = null;
    let cutByStopString = false;
    const stopToken = (!stop.ignoreEos && stop.eosTokenIds.includes(token)) || stop.tokenIds.includes(token);
    if (stopToken || grammarDone) reason = 'stop';

    let text = '';
    // A stop token's own text is output only with include_stop_str_in_output (as in vLLM).
    if ((reason === null || stop.includeInOutput) && !isTag) {
      const scan = this.stop.push(this.detok.push(token));
      text = scan.text;
      if (scan.stopped) {
        reason = 'stop';
        cutByStopString = true;
      }
    } else if (isTag) {
      // Reasoning and answer are split at the tags: release held text on this side.
      text = this.releaseHeld();
    }
    // The next forward pass would hold positions + 1.
    const full = this.generated >= stop.maxTokens || positions + 1 > this.ctx.contextLength;
    if (reason === null && full) reason = 'length';
    return { text, reason, cutByStopString };
  }

  /**
   * Writes nextInput: soft when the latent decision says so (its mix returned), else the
   * method's own discrete-side input (mode swir's blend at a switch) or the token's embedding (null).
   */
  private async prepareNextInput(d: StepDistribution, token: number, forced: boolean): Promise<SoftMix | null> {
    // An injected token is always fed as itself (the method still sees the step).
    const soft = this.latent.nextIsSoft(d, token, this.inThink) && !forced;
    if (soft) {
      const mix = await this.latent.softInput(d, this.ctx.embeddings, this.nextInput);
      this.softTokens++;
      return mix;
    }
    if (forced || !(await this.latent.discreteInput(d, this.ctx.embeddings, this.nextInput))) {
      await this.ctx.embeddings.lookup([token], this.nextInput);
    }
    return null;
  }

  /** Everything held back (an incomplete character, a possible stop string), stop strings still cut. */
  private releaseHeld(): string {
    return this.stop.push(this.detok.flush()).text + this.stop.flush();
  }

  private finish(reason: FinishReason, cutByStopString: boolean): FinishEvent {
    // A stop string already cut the text; otherwise release what was held back.
    const tail = cutByStopString ? '' : this.releaseHeld();
    const event: FinishEvent = {
      type: 'finish',
      reason,
      text: tail,
      promptTokens: this.request.promptIds.length,
      completionTokens: this.generated,
      softTokens: this.softTokens,
      hotTokens: this.hotTokens,
      reasoningTokens: this.reasoningTokens,
      thinkingEnd: this.thinkingEnd,
    };
    const switches = this.latent.switchInfo();
    if (switches) event.switches = switches.switches;
    return event;
  }
}

/** Whether the prompt leaves the model inside a <think> block (e.g. a template that opens it). */
function lastThinkOpen(ids: readonly number[], think: { open: number; close: number }): boolean {
  for (let i = ids.length - 1; i >= 0; i--) {
    if (ids[i] === think.close) return false;
    if (ids[i] === think.open) return true;
  }
  return false;
}
