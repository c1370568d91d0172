// One sequence's grammar: the mask of the next step and the matcher advanced on the
// visible token. On a reasoning model the grammar waits while the sequence is inside
// <think>…</think>, so only the answer is constrained (the sequence says when).
import { allowToken } from '../sampling/token-masks.js';
import type { GrammarMatcher } from './xgrammar.js';

export class GrammarConstraint {
  private accepted = 0;

  constructor(
    private readonly matcher: GrammarMatcher,
    private readonly thinkOpen: number | null,
  ) {}

  /** The allowed tokens of the next step. Before the answer starts, a reasoning model may open <think>. */
  async allowed(): Promise<Int32Array> {
    const mask = await this.matcher.getNextTokenBitmask();
    if (this.accepted === 0 && this.thinkOpen !== null) allowToken(mask, this.thinkOpen);
    return mask;
  }

  /** Advances on the visible token; false when the grammar rejects it (a bug: it was masked). */
  accept(token: number): boolean {
    if (token === this.thinkOpen && this.accepted === 0) return true;
    const ok = this.matcher.acceptToken(token);
    if (ok) this.accepted++;
    return ok;
  }

  /** The grammar is complete and has accepted its end (a stop token). */
  get terminated(): boolean {
    return this.matcher.isTerminated();
  }

  dispose(): void {
    this.matcher.dispose();
  }
}
