// One sequence's grammar: the mask of the next step and the matcher advanced on the
// visible token. The matcher lives on the worker's grammar thread (host.ts): accepting
// a token asks there for the next mask at once, so it is computed while the forward
// pass runs, and the sampler awaits it only when the logits are in. On a reasoning
// model the grammar waits while the sequence is inside <think>…</think>, so only the
// answer is constrained (the sequence says when).
import { allowToken } from '../sampling/token-masks.js';

/** The grammar thread as a constraint sees it. */
export interface MatcherHost {
  accept(matcher: number, token: number, mask: boolean): Promise<{ ok: boolean; mask: Int32Array | null }>;
  close(matcher: number): void;
}

export class GrammarConstraint {
  private accepted = 0;
  private next: Promise<Int32Array>;
  private ended = false;

  constructor(
    private readonly host: MatcherHost,
    private readonly matcher: number,
    firstMask: Int32Array,
    /** The matcher's stop tokens: accepting one ends the grammar. */
    private readonly stopIds: readonly number[],
    private readonly thinkOpen: number | null,
  ) {
    this.next = Promise.resolve(firstMask);
  }

  /** The allowed tokens of the next step. Before the answer starts, a reasoning model may open <think>. */
  async allowed(): Promise<Int32Array> {
    const mask = await this.next;
    if (this.accepted === 0 && this.thinkOpen !== null) allowToken(mask, this.thinkOpen);
    return mask;
  }

  /**
   * Advances on the visible token (one its mask allowed). The grammar thread's answer
   * comes with the next mask: a rejection (a bug) fails the next allowed().
   */
  accept(token: number): void {
    if (token === this.thinkOpen && this.accepted === 0) return;
    this.accepted++;
    // A stop token the mask allowed ends the grammar; no mask follows it.
    this.ended = this.stopIds.includes(token);
    const reply = this.host.accept(this.matcher, token, !this.ended);
    this.next = reply.then((r) => {
      if (!r.ok) throw new Error(`the grammar rejected token ${token}, which its mask allowed`);
      return r.mask!;
    });
    // Nobody awaits the answer to a stop token.
    this.next.catch(() => undefined);
  }

  /** The grammar is complete and has accepted its end (a stop token). */
  get terminated(): boolean {
    return this.ended;
  }

  dispose(): void {
    this.host.close(this.matcher);
  }
}
