// A single-consumer async queue: the pool pushes a request's events as workers send
// them, the HTTP layer iterates. Ends with the finish event or an error.
import type { GenerationEvent } from './types.js';

export class EventChannel implements AsyncIterable<GenerationEvent> {
  private readonly buffer: GenerationEvent[] = [];
  private waiter: (() => void) | null = null;
  private error: Error | null = null;
  private closed = false;

  push(events: readonly GenerationEvent[]): void {
    if (this.closed) return;
    for (const e of events) {
      this.buffer.push(e);
      if (e.type === 'finish') this.closed = true;
    }
    this.wake();
  }

  fail(error: Error): void {
    if (this.closed) return;
    this.error = error;
    this.closed = true;
    this.wake();
  }

  /** Ends the stream without a finish event (cancellation). */
  end(): void {
    this.closed = true;
    this.wake();
  }

  get done(): boolean {
    return this.closed;
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<GenerationEvent> {
    for (;;) {
      while (this.buffer.length > 0) yield this.buffer.shift()!;
      if (this.closed) {
        if (this.error) throw this.error;
        return;
      }
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }
}
