// Stop strings are never emitted, even when split across tokens: text that could be
// the start of a stop string is held back until it is either completed (generation
// stops before it) or ruled out (released).

export interface StopScan {
  /** Text safe to emit now. */
  text: string;
  /** True when a stop string was found; text ends right before it (or with it, when included). */
  stopped: boolean;
}

export class StopMatcher {
  private pending = '';
  private readonly maxLen: number;

  /** `include`: the matched stop string stays at the end of the text (include_stop_str_in_output). */
  constructor(
    private readonly stops: readonly string[],
    private readonly include = false,
  ) {
    this.maxLen = stops.reduce((m, s) => Math.max(m, s.length), 0);
  }

  push(text: string): StopScan {
    if (this.stops.length === 0) return { text, stopped: false };
    this.pending += text;
    let cut = -1;
    let matched = '';
    for (const s of this.stops) {
      const i = this.pending.indexOf(s);
      if (i >= 0 && (cut < 0 || i < cut)) {
        cut = i;
        matched = s;
      }
    }
    if (cut >= 0) {
      const out = this.pending.slice(0, this.include ? cut + matched.length : cut);
      this.pending = '';
      return { text: out, stopped: true };
    }
    const hold = this.partialSuffix();
    const out = this.pending.slice(0, this.pending.length - hold);
    this.pending = this.pending.slice(this.pending.length - hold);
    return { text: out, stopped: false };
  }

  /** Releases held text (end of generation, or a boundary where it must not wait). */
  flush(): string {
    const out = this.pending;
    this.pending = '';
    return out;
  }

  /** Length of the longest suffix of `pending` that is a proper prefix of some stop string. */
  private partialSuffix(): number {
    const p = this.pending;
    for (let len = Math.min(p.length, this.maxLen - 1); len > 0; len--) {
      const tail = p.slice(p.length - len);
      if (this.stops.some((s) => s.startsWith(tail))) return len;
    }
    return 0;
  }
}
