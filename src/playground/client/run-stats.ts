// Running numbers for one generation: tokens, decode rate and soft steps. The soft
// count shown is the trace's until the usage chunk arrives, then usage's own
// completion_tokens_details.soft_tokens, the number the API reports.
import type { Usage } from './wire-types.js';

export class RunStats {
  tokens = 0;
  softFromTrace = 0;
  usage: Usage | null = null;
  finish: string | null = null;
  private firstAt: number | null = null;
  private lastAt: number | null = null;

  constructor(private readonly startedAt: number) {}

  addTokens(count: number, soft: number, now: number): void {
    if (count === 0) return;
    this.firstAt ??= now;
    this.lastAt = now;
    this.tokens += count;
    this.softFromTrace += soft;
  }

  get completionTokens(): number {
    return this.usage?.completion_tokens ?? this.tokens;
  }

  get softTokens(): number {
    return this.usage?.completion_tokens_details?.soft_tokens ?? this.softFromTrace;
  }

  /** Soft steps per generated token, or null before the first token. */
  get softRatio(): number | null {
    return this.completionTokens > 0 ? this.softTokens / this.completionTokens : null;
  }

  /** Decode rate after the first token (the first one also pays for the prompt), or null. */
  tokensPerSecond(now: number): number | null {
    if (this.firstAt === null || this.tokens < 2) return null;
    const end = this.finish !== null && this.lastAt !== null ? this.lastAt : now;
    const seconds = (end - this.firstAt) / 1000;
    return seconds > 0 ? (this.tokens - 1) / seconds : null;
  }

  /** Time to the first token in ms, or null. */
  get firstTokenMs(): number | null {
    return this.firstAt === null ? null : this.firstAt - this.startedAt;
  }
}
