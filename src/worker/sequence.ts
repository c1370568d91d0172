// One sequence's decode state and the per-step decision: sample the visible token,
// decide (per sequence) whether the next forward pass gets a soft embedding, turn the
// token into safe text, and detect the end. No ONNX Runtime here: the scheduler
// runs the forward passes and hands this class the logits.
import type { FinishEvent, FinishReason, GenerationRequest, PromptLogprob, TokenEvent } from '../engine/types.js';
import { SequenceSampler } from '../sampling/sampler.js';
import { softEmbedding, softGate } from '../sampling/selar.js';
import { randomSeed } from '../sampling/rng.js';
import { promptLogprobs } from '../sampling/prompt-logprobs.js';
import { IncrementalDetokenizer, type Decoder } from './detokenizer.js';
import { StopMatcher } from './stop-matcher.js';
import type { EmbeddingSource } from './embeddings.js';

/** What a sequence needs from the model, shared by all sequences of a worker. */
export interface SequenceContext {
  tokenizer: Decoder;
  embeddings: EmbeddingSource;
  vocabSize: number;
  contextLength: number;
  /** ids that always stay discrete under discrete_tokens: "math". */
  mathIds: ReadonlySet<number>;
  thinkIds: { open: number; close: number } | null;
}

export type StepOutcome = { token: TokenEvent; finish: FinishEvent | null };

export class Sequence {
  readonly request: GenerationRequest;
  /** The embedding the next forward pass receives (hidden floats). */
  readonly nextInput: Float32Array;
  private readonly ctx: SequenceContext;
  private readonly sampler: SequenceSampler;
  private readonly detok: IncrementalDetokenizer;
  private readonly stop: StopMatcher;
  private readonly mixRows: Float32Array;
  private generated = 0;
  private softTokens = 0;
  private hotTokens = 0;
  private reasoningTokens = 0;
  private inThink: boolean;
  private promptEntries: Array<PromptLogprob | null> | null = null;
  /** Positions in the KV cache after the last forward pass. */
  length = 0;

  constructor(request: GenerationRequest, ctx: SequenceContext) {
    this.request = request;
    this.ctx = ctx;
    const seed = request.sampling.seed ?? randomSeed();
    this.sampler = new SequenceSampler(request.sampling, request.selar, ctx.vocabSize, request.promptIds, seed);
    this.detok = new IncrementalDetokenizer(ctx.tokenizer, request.skipSpecialTokens);
    this.stop = new StopMatcher(request.stop.strings, request.stop.includeInOutput);
    this.nextInput = new Float32Array(ctx.embeddings.dim);
    this.mixRows = new Float32Array(request.selar.topK * ctx.embeddings.dim);
    this.inThink = ctx.thinkIds ? lastThinkOpen(request.promptIds, ctx.thinkIds) : false;
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

  /** Consumes the logits of the last position and prepares nextInput. */
  async step(logits: Float32Array): Promise<StepOutcome> {
    const { stop, selar } = this.request;
    const eos = stop.eosTokenIds;
    const banned = this.generated < stop.minTokens ? [...eos, ...stop.tokenIds] : [];
    const r = this.sampler.sample(logits, banned, selar.scope === 'all' || this.inThink);
    const token = r.token;
    this.generated++;
    if (r.hot) this.hotTokens++;

    const think = this.ctx.thinkIds;
    const isTag = think !== null && (token === think.open || token === think.close);
    const reasoning = this.inThink || isTag;
    if (think && token === think.open) this.inThink = true;
    if (think && token === think.close) this.inThink = false;
    if (reasoning) this.reasoningTokens++;

    // eos and stop_token_ids are masked until min_tokens, so reaching one here ends the sequence.
    let reason: FinishReason | null = null;
    let cutByStopString = false;
    if ((!stop.ignoreEos && eos.includes(token)) || stop.tokenIds.includes(token)) reason = 'stop';

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
    // The next forward pass would hold length + 1 positions.
    if (reason === null && (this.generated >= stop.maxTokens || this.length + 1 > this.ctx.contextLength)) reason = 'length';

    let soft = false;
    if (reason === null) {
      soft = softGate({
        mode: selar.mode,
        entropy: r.entropy,
        threshold: selar.entropyThreshold,
        forcedDiscrete: selar.discreteTokens === 'math' && this.ctx.mathIds.has(token),
        inScope: selar.scope === 'all' || this.inThink,
        coin: selar.mode === 'random' ? this.sampler.randomGate() : undefined,
      });
      if (soft) {
        await this.ctx.embeddings.lookup(r.mix.ids, this.mixRows);
        softEmbedding(this.mixRows, r.mix, r.entropy, selar.contrastiveWeight, this.nextInput);
        this.softTokens++;
      } else {
        await this.ctx.embeddings.lookup([token], this.nextInput);
      }
    }

    const event: TokenEvent = { type: 'token', id: token, text, entropy: r.entropy, soft, reasoning };
    if (selar.mode === 'hot') event.hot = r.hot;
    if (r.logprob !== undefined) {
      event.logprob = r.logprob;
      event.topLogprobs = r.topLogprobs;
    }
    if (this.promptEntries) {
      event.promptLogprobs = this.promptEntries;
      this.promptEntries = null;
    }
    return { token: event, finish: reason ? this.finish(reason, cutByStopString) : null };
  }

  /** Everything held back (an incomplete character, a possible stop string), stop strings still cut. */
  private releaseHeld(): string {
    return this.stop.push(this.detok.flush()).text + this.stop.flush();
  }

  private finish(reason: FinishReason, cutByStopString: boolean): FinishEvent {
    // A stop string already cut the text; otherwise release what was held back.
    const tail = cutByStopString ? '' : this.releaseHeld();
    return {
      type: 'finish',
      reason,
      text: tail,
      promptTokens: this.request.promptIds.length,
      completionTokens: this.generated,
      softTokens: this.softTokens,
      hotTokens: this.hotTokens,
      reasoningTokens: this.reasoningTokens,
    };
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
