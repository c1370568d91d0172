// Writes an SSE stream on the raw response. Headers go out lazily: on the first
// frame, or on the first ping when the first token is slow (long prefill, queue).
// Until then the reply is untouched, so an early failure can still be a normal HTTP
// error. A ping comment is sent after every `pingMs` of silence.
import { once } from 'node:events';
import type { FastifyReply } from 'fastify';
import { SSE_PING } from '../serving/sse.js';

export class SseResponse {
  started = false;
  private timer: NodeJS.Timeout | null = null;
  private lastWrite = performance.now();

  constructor(
    private readonly reply: FastifyReply,
    private readonly pingMs: number,
  ) {
    if (pingMs > 0) this.arm(pingMs);
  }

  // One timer per stream, re-armed for the rest of the silence when it fires: a
  // stream writes a frame per token, and clearing and setting a timer on each of
  // them was measurable main-thread work.
  private arm(delayMs: number): void {
    this.timer = setTimeout(this.onTimer, delayMs);
  }

  private readonly onTimer = (): void => {
    const silent = performance.now() - this.lastWrite;
    if (silent >= this.pingMs) {
      this.write(SSE_PING);
      this.arm(this.pingMs);
    } else this.arm(this.pingMs - silent);
  };

  private start(): void {
    this.started = true;
    this.reply.hijack();
    const raw = this.reply.raw;
    // Headers set through Fastify (CORS, request id) are not written after a hijack: copy them.
    for (const [k, v] of Object.entries(this.reply.getHeaders())) if (v !== undefined) raw.setHeader(k, v);
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
  }

  write(text: string): void {
    const raw = this.reply.raw;
    if (raw.destroyed || raw.writableEnded) return;
    if (!this.started) this.start();
    raw.write(text);
    this.lastWrite = performance.now();
  }

  /**
   * Resolves once the socket can take more, is gone, or the generation is aborted
   * (deadline, drain). Waiting here stops pulling events, so a slow reader slows its
   * own generation instead of filling memory.
   */
  drained(abort: AbortSignal): Promise<void> | undefined {
    const raw = this.reply.raw;
    // The common case answers synchronously: no promise per token.
    if (!raw.writableNeedDrain || raw.destroyed || abort.aborted) return undefined;
    return this.waitForDrain(abort);
  }

  private async waitForDrain(abort: AbortSignal): Promise<void> {
    const raw = this.reply.raw;
    const ac = new AbortController();
    const opts = { signal: ac.signal };
    await Promise.race([once(raw, 'drain', opts), once(raw, 'close', opts), once(abort, 'abort', opts)]).catch(
      () => undefined,
    );
    ac.abort();
  }

  /** Stops pinging; the caller then either ends the stream or sends a normal reply. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  end(): void {
    this.stop();
    if (this.started && !this.reply.raw.writableEnded) this.reply.raw.end();
  }
}
