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

  constructor(private readonly reply: FastifyReply, private readonly pingMs: number) {
    this.arm();
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.pingMs > 0) this.timer = setTimeout(() => this.write(SSE_PING), this.pingMs);
  }

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
    this.arm();
  }

  /**
   * Resolves once the socket can take more, is gone, or the generation is aborted
   * (deadline, drain). Waiting here stops pulling events, so a slow reader slows its
   * own generation instead of filling memory.
   */
  async drained(abort: AbortSignal): Promise<void> {
    const raw = this.reply.raw;
    if (!raw.writableNeedDrain || raw.destroyed || abort.aborted) return;
    const ac = new AbortController();
    const opts = { signal: ac.signal };
    await Promise.race([once(raw, 'drain', opts), once(raw, 'close', opts), once(abort, 'abort', opts)]).catch(() => undefined);
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
