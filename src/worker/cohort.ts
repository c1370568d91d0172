// A batch of sequences that share one forward pass per step, and the only holder of
// their KV cache: passes, merges and row cuts all go through it, and it tells each
// member how many positions its cache holds.
import type { DecoderSession, KvCache } from './decoder-session.js';
import type { Sequence } from './sequence.js';

export class Cohort {
  private cache: KvCache;
  private rows: Sequence[];
  /** Steps this cohort skipped waiting for a shorter one to catch up (the scheduler's count). */
  waited = 0;

  /** A cohort with an empty cache, for the prefill of equal-length prompts. */
  constructor(
    private readonly decoder: DecoderSession,
    members: Sequence[],
  ) {
    this.rows = members;
    this.cache = decoder.newCache(members.length);
  }

  /** The members, in the cache's row order. */
  get members(): readonly Sequence[] {
    return this.rows;
  }

  /** Positions in the cache, left padding included (the same for every row). */
  get length(): number {
    return this.cache.length;
  }

  get size(): number {
    return this.rows.length;
  }

  /**
   * Runs T positions for every member (embeds: B × T × hidden) and returns each one's
   * last-position logits (with `allPositions`, every position's: a prefill for prompt logprobs).
   */
  async forward(embeds: Float32Array, T: number, allPositions = false): Promise<Float32Array[]> {
    const { logits, cache } = await this.decoder.forward(this.cache, embeds, T, allPositions);
    this.cache = cache;
    return logits;
  }

  /** Positions member i's own tokens hold in the cache (its left padding excluded). */
  positions(i: number): number {
    return this.cache.length - this.cache.pads[i];
  }

  /** Drops the leaving members and their cache rows (copies once, only when some leave). */
  remove(leaving: readonly Sequence[]): void {
    if (leaving.length === 0) return;
    const keep: number[] = [];
    this.rows.forEach((m, i) => {
      if (!leaving.includes(m)) keep.push(i);
    });
    this.rows = keep.map((i) => this.rows[i]);
    // An emptied cohort keeps no cache rows worth copying: it is dropped by its holder.
    if (keep.length > 0) this.cache = this.decoder.keepRows(this.cache, keep);
  }

  /** Takes in another cohort's members and cache rows (appended after its own); `other` is spent. */
  absorb(other: Cohort): void {
    this.cache = this.decoder.mergeCaches([this.cache, other.cache]);
    this.rows = [...this.rows, ...other.rows];
    other.rows = [];
    // A member never waits more in all than a cohort may.
    this.waited = Math.max(this.waited, other.waited);
  }
}
