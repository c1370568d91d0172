// --stream-interval: how many tokens one SSE chunk carries. Every chunk costs the
// server a JSON serialisation, a socket write (a system call that, on loopback, also
// wakes the reader) and the client a parse; under load on a small machine those
// per-chunk costs take CPU from decoding. Holding a choice's deltas until it has
// `interval` tokens divides them by the interval. Each choice's first text goes out
// at once (time to first token is unchanged), its finish flushes whatever is held,
// and a merged chunk is exactly the concatenation of the chunks it replaces: text,
// reasoning, token ids, trace and logprobs in order. vLLM's --stream-interval and
// TensorRT-LLM's stream_interval make the same trade.
import type { Delta } from './choice-state.js';

/** One delta carrying `a` then `b` (same choice; `b` is the later one). */
export function mergeDeltas(a: Delta, b: Delta): Delta {
  return {
    index: a.index,
    content: a.content + b.content,
    reasoning: a.reasoning + b.reasoning,
    tokens: a.tokens.concat(b.tokens),
    finish: b.finish,
  };
}

export class DeltaBatcher {
  private readonly held: Array<Delta | null>;
  private readonly started: boolean[];

  constructor(
    choices: number,
    private readonly interval: number,
  ) {
    this.held = new Array<Delta | null>(choices).fill(null);
    this.started = new Array<boolean>(choices).fill(false);
  }

  /** The delta to send now (possibly merged with held ones), or null while it is held. */
  add(d: Delta): Delta | null {
    const i = d.index;
    const prev = this.held[i];
    const merged = prev ? mergeDeltas(prev, d) : d;
    if (this.interval <= 1 || d.finish !== null || !this.started[i] || merged.tokens.length >= this.interval) {
      this.held[i] = null;
      this.started[i] = true;
      return merged;
    }
    this.held[i] = merged;
    return null;
  }

  /** Everything still held, in choice order (a stream that fails sends it before the error). */
  flush(): Delta[] {
    const out = this.held.filter((d): d is Delta => d !== null);
    this.held.fill(null);
    return out;
  }
}
