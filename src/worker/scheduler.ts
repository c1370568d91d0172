// The worker's decode loop with continuous batching. Sequences join and leave
// between steps. Newcomers are prefilled (prompts of equal length in one pass), then
// join a cohort, which runs one batched forward pass per step; discrete and soft
// rows share the pass.
// Batching 'exact' (default): a cohort holds the sequences whose KV caches have the
// same number of positions, with no padding, so every row computes exactly what it
// would alone (ORT's kernels treat batch rows independently: verified bitwise).
// Batching 'padded': one cohort holds every sequence, shorter caches left-padded and
// masked; one pass per step whatever the lengths, rows equal to solo runs up to
// float rounding. Under exact batching a cohort a few positions ahead of another
// waits for it (at most CATCH_UP steps in its life): the shorter one's steps close the
// gap, the two merge and share every later pass, so the prompts of one request (or of
// one burst) that differ by a few tokens do not cost a pass each per step for their
// whole life. Cancellation is checked between steps, so a cancelled request stops
// within one.
import type { Batching, GenerationEvent, GenerationRequest } from '../engine/types.js';
import type { DecoderSession } from './decoder-session.js';
import { Cohort } from './cohort.js';
import { Sequence, type SequenceContext } from './sequence.js';
import { GrammarTimeoutError } from '../grammar/host.js';

/** An idle scheduler waits this share of the last prefill's duration for companions, */
const GATHER_SHARE = 0.02;
/** and never longer than this (ms). */
const MAX_GATHER_MS = 10;
/**
 * Exact batching: a cohort at most this many positions ahead of another one waits for it
 * to catch up, and waits at most this many steps in all (a sequence's added latency).
 */
export const CATCH_UP = 8;

export interface SchedulerSink {
  events(id: string, events: GenerationEvent[]): void;
  /** `invalid`: the request was at fault (its grammar did not compile in time), a 400 naming `param`. */
  failed(id: string, message: string, invalid?: { message: string; param: string }): void;
}

export class Scheduler {
  private readonly waiting: Sequence[] = [];
  private cohorts: Cohort[] = [];
  private readonly cancelled = new Set<string>();
  /** Grammar compilation of each sequence not yet prefilled. */
  private readonly preparing = new Map<Sequence, Promise<void>>();
  /** Waiting sequences whose preparation has settled: they can be prefilled (the others wait, not the loop). */
  private readonly prepared = new Set<Sequence>();
  /** Ends the loop's wait for a preparation, a newcomer or a cancellation. */
  private wake: (() => void) | null = null;
  private running = false;
  /** How long the last prefill pass took (ms). */
  private lastPrefillMs = 0;
  steps = 0;
  /** Test hook: called before each forward pass. */
  beforeStep: (() => void) | null = null;

  constructor(
    private readonly decoder: DecoderSession,
    private readonly ctx: SequenceContext,
    private readonly sink: SchedulerSink,
    private readonly batching: Batching = 'exact',
  ) {
    if (batching === 'padded' && !decoder.canPad)
      throw new Error('this model cannot batch sequences of different lengths (padded batching)');
  }

  /** Sequences waiting or in a cohort (those inside a prefill pass are in neither for its duration). */
  get size(): number {
    return this.waiting.length + this.cohorts.reduce((n, c) => n + c.size, 0);
  }

  add(request: GenerationRequest): void {
    const seq = new Sequence(request, this.ctx);
    // A grammar compiles now, on the grammar thread, while the loop goes on decoding the others.
    const prepared = seq.prepare();
    const settled = () => {
      if (!this.preparing.has(seq)) return;
      this.prepared.add(seq);
      this.wakeUp();
    };
    // Awaited before the prefill; a sequence cancelled before then never awaits it.
    prepared.then(settled, settled);
    this.preparing.set(seq, prepared);
    this.waiting.push(seq);
    if (this.running) {
      this.wakeUp();
      return;
    }
    // Start on the next turn of the event loop, so requests that arrive together
    // (one batch of worker messages) are prefilled together. Where a prefill is slow
    // (a large model), also wait a small share of its duration: requests of one burst
    // that reach the worker milliseconds apart then share the prefill and, under exact
    // batching, one cohort for their whole life, for at most 2 % more time to first token.
    this.running = true;
    const waitMs = Math.min(MAX_GATHER_MS, this.lastPrefillMs * GATHER_SHARE);
    if (waitMs >= 1) setTimeout(() => void this.loop(), waitMs);
    else setImmediate(() => void this.loop());
  }

  cancel(id: string): void {
    this.cancelled.add(id);
    this.wakeUp();
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private async loop(): Promise<void> {
    try {
      while (this.size > 0) {
        this.dropCancelled();
        // Requests that arrive while a prefill runs are prefilled in the same round, so
        // sequences that start together reach the same length and share a cohort.
        while (this.anyPrepared()) await this.prefillWaiting();
        for (const cohort of this.passing()) await this.decode(cohort);
        this.mergeEqual();
        // Nothing to decode: wait for a grammar to compile (or a newcomer, or a cancellation).
        // A newcomer prepared during the pass that just finished the last cohort woke no
        // one (the loop was not waiting yet): it is prefilled now, not slept on.
        if (this.cohorts.length === 0 && this.size > 0 && this.cancelled.size === 0 && !this.anyPrepared())
          await new Promise<void>((resolve) => {
            this.wake = resolve;
          });
        // Let cancel/generate messages in before the next round.
        else await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } finally {
      this.running = false;
      this.cancelled.clear();
    }
  }

  private anyPrepared(): boolean {
    return this.waiting.some((s) => this.prepared.has(s));
  }

  private dropCancelled(): void {
    if (this.cancelled.size === 0) return;
    const gone = (s: Sequence) => this.cancelled.has(s.request.id);
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      if (gone(this.waiting[i])) this.leave(this.waiting.splice(i, 1)[0]);
    }
    for (const c of this.cohorts) this.removeMembers(c, c.members.filter(gone));
    this.cancelled.clear();
  }

  /**
   * Prefills the waiting sequences, one forward pass per prompt length (prompts of
   * one length need no padding, so each row is bitwise its solo prefill), and puts
   * those not finished by their first token into a cohort.
   */
  private async prefillWaiting(): Promise<void> {
    // Prompts that need every position's logits (prompt logprobs) get passes of their
    // own, so the [T, V] logits are computed only for them.
    const byLength = new Map<string, Sequence[]>();
    const ready = this.waiting.filter((s) => this.prepared.has(s));
    this.waiting.splice(0, this.waiting.length, ...this.waiting.filter((s) => !this.prepared.has(s)));
    for (const seq of ready) {
      const key = `${seq.request.promptIds.length}${seq.request.promptLogprobs === null ? '' : '+all'}`;
      const same = byLength.get(key);
      if (same) same.push(seq);
      else byLength.set(key, [seq]);
    }
    for (const arrivals of byLength.values()) {
      const T = arrivals[0].request.promptIds.length;
      const all = arrivals[0].request.promptLogprobs !== null;
      // A sequence whose own input is bad (an id outside the embedding table) fails
      // alone, before the shared pass.
      const dim = this.ctx.embeddings.dim;
      const group: Sequence[] = [];
      const rows: Float32Array[] = [];
      for (const seq of arrivals) {
        try {
          await this.preparing.get(seq);
          rows.push(await seq.promptEmbeddings());
          group.push(seq);
        } catch (err) {
          this.leave(seq);
          this.sink.failed(seq.request.id, (err as Error).message, invalidRequest(seq, err));
        }
      }
      if (group.length === 0) continue;
      const cohort = new Cohort(this.decoder, group);
      const finished: Sequence[] = [];
      try {
        this.beforeStep?.();
        this.steps++;
        const embeds = new Float32Array(group.length * T * dim);
        for (let i = 0; i < rows.length; i++) embeds.set(rows[i]!, i * T * dim);
        const started = performance.now();
        const logits = await cohort.forward(embeds, T, all);
        this.lastPrefillMs = performance.now() - started;
        const V = this.decoder.vocabSize;
        for (let i = 0; i < group.length; i++) {
          if (all) group[i].recordPromptLogprobs(logits[i]);
          const last = all ? logits[i].subarray((T - 1) * V) : logits[i];
          if (await this.emitOrFail(group[i], last, cohort.positions(i))) finished.push(group[i]);
        }
      } catch (err) {
        for (const seq of group) {
          this.leave(seq);
          this.sink.failed(seq.request.id, (err as Error).message);
        }
        continue;
      }
      cohort.remove(finished);
      if (cohort.size > 0) this.join(cohort);
    }
  }

  /** Puts a prefilled cohort into the cohort of its length (or any, padded), else keeps it as a new one. */
  private join(newcomers: Cohort): void {
    const cohort =
      this.batching === 'padded' ? this.cohorts[0] : this.cohorts.find((c) => c.length === newcomers.length);
    if (cohort) cohort.absorb(newcomers);
    else this.cohorts.push(newcomers);
  }

  /**
   * The cohorts that run a step this round. Under exact batching a cohort waits while a
   * shorter one is at most CATCH_UP positions behind (until its waits are used up): the
   * shortest cohort always runs, so every round makes progress and the gaps close.
   */
  private passing(): Cohort[] {
    if (this.batching === 'padded' || this.cohorts.length < 2) return [...this.cohorts];
    const lengths = this.cohorts.map((c) => c.length);
    return this.cohorts.filter((c) => {
      const behind = lengths.some((l) => l < c.length && c.length - l <= CATCH_UP);
      if (!behind || c.waited >= CATCH_UP) return true;
      c.waited++;
      return false;
    });
  }

  /** Exact batching: cohorts that reached the same length become one (their rows compute as before). */
  private mergeEqual(): void {
    if (this.batching === 'padded' || this.cohorts.length < 2) return;
    const byLength = new Map<number, Cohort>();
    const kept: Cohort[] = [];
    for (const c of this.cohorts) {
      const same = byLength.get(c.length);
      if (same) same.absorb(c);
      else {
        byLength.set(c.length, c);
        kept.push(c);
      }
    }
    this.cohorts = kept;
  }

  private async decode(cohort: Cohort): Promise<void> {
    const { members } = cohort;
    const dim = this.ctx.embeddings.dim;
    const finished: Sequence[] = [];
    try {
      this.beforeStep?.();
      this.steps++;
      const embeds = new Float32Array(members.length * dim);
      for (let i = 0; i < members.length; i++) embeds.set(members[i]!.nextInput, i * dim);
      const logits = await cohort.forward(embeds, 1);
      for (let i = 0; i < members.length; i++) {
        if (await this.emitOrFail(members[i], logits[i], cohort.positions(i))) finished.push(members[i]);
      }
    } catch (err) {
      // The shared forward pass failed: every member of the cohort is lost.
      for (const seq of members) this.sink.failed(seq.request.id, (err as Error).message);
      finished.push(...members);
    }
    this.removeMembers(cohort, finished);
  }

  /**
   * Runs the sequence's step on its logits and forwards the events; true when it is
   * done (finished, or failed on its own: one row's error never ends the others).
   */
  private async emitOrFail(seq: Sequence, logits: Float32Array, positions: number): Promise<boolean> {
    try {
      const { token, finish } = await seq.step(logits, positions);
      this.sink.events(seq.request.id, finish ? [token, finish] : [token]);
      if (finish) this.leave(seq);
      return finish !== null;
    } catch (err) {
      this.leave(seq);
      this.sink.failed(seq.request.id, (err as Error).message);
      return true;
    }
  }

  /** A sequence is done with the scheduler (finished, failed or cancelled). Idempotent. */
  private leave(seq: Sequence): void {
    this.preparing.delete(seq);
    this.prepared.delete(seq);
    seq.release();
  }

  private removeMembers(cohort: Cohort, leaving: readonly Sequence[]): void {
    for (const seq of leaving) this.leave(seq);
    cohort.remove(leaving);
    if (cohort.size === 0) this.cohorts = this.cohorts.filter((c) => c !== cohort);
  }
}

/** The request's own fault, reported as a 400: a grammar whose compile ran past the limit. */
function invalidRequest(seq: Sequence, err: unknown): { message: string; param: string } | undefined {
  if (!(err instanceof GrammarTimeoutError)) return undefined;
  const param = seq.request.grammarParam ?? 'response_format';
  return { message: `Invalid value for '${param}': ${err.message} (--grammar-compile-timeout-ms)`, param };
}
