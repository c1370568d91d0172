// The worker's decode loop: sequences join and leave between steps, and each step
// advances every active sequence by one forward pass (a prefill for newcomers).
// Cancellation is checked between steps, so a cancelled request stops within one.
import type { GenerationEvent, GenerationRequest } from '../engine/types.js';
import type { DecoderSession, KvCache } from './decoder-session.js';
import { Sequence, type SequenceContext } from './sequence.js';

interface Active {
  seq: Sequence;
  cache: KvCache;
  prefilled: boolean;
}

export interface SchedulerSink {
  events(id: string, events: GenerationEvent[]): void;
  failed(id: string, message: string): void;
}

export class Scheduler {
  private readonly active = new Map<string, Active>();
  private readonly cancelled = new Set<string>();
  private running = false;
  steps = 0;
  /** Test hook: called before each forward pass. */
  beforeStep: (() => void) | null = null;

  constructor(
    private readonly decoder: DecoderSession,
    private readonly ctx: SequenceContext,
    private readonly sink: SchedulerSink,
  ) {}

  get size(): number {
    return this.active.size;
  }

  add(request: GenerationRequest): void {
    this.active.set(request.id, { seq: new Sequence(request, this.ctx), cache: this.decoder.newCache(), prefilled: false });
    if (!this.running) void this.loop();
  }

  cancel(id: string): void {
    if (this.active.has(id)) this.cancelled.add(id);
  }

  private async loop(): Promise<void> {
    this.running = true;
    try {
      while (this.active.size > 0) {
        for (const [id, a] of this.active) {
          if (this.cancelled.delete(id)) {
            this.active.delete(id);
            continue;
          }
          try {
            await this.advance(a);
          } catch (err) {
            this.active.delete(id);
            this.sink.failed(id, (err as Error).message);
          }
        }
        // Let cancel/generate messages in before the next round.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } finally {
      this.running = false;
      this.cancelled.clear();
    }
  }

  private async advance(a: Active): Promise<void> {
    const { seq, cache } = a;
    this.beforeStep?.();
    this.steps++;
    let logits: Float32Array;
    if (!a.prefilled) {
      const embeds = await seq.promptEmbeddings();
      logits = await this.decoder.forward(cache, embeds, seq.request.promptIds.length);
      a.prefilled = true;
    } else {
      logits = await this.decoder.forward(cache, seq.nextInput, 1);
    }
    seq.length = cache.length;
    const { token, finish } = await seq.step(logits);
    const events: GenerationEvent[] = finish ? [token, finish] : [token];
    if (finish) this.active.delete(seq.request.id);
    this.sink.events(seq.request.id, events);
  }
}
