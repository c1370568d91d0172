// Accumulates one choice's engine events. Non-streaming responses read the totals;
// streams take deltas. A delta is cut whenever a token releases text, so each chunk
// carries exactly the token ids / trace / logprobs of the tokens behind its text
// (held-back tokens ride along with the next chunk that releases text).
import type { FinishEvent, TokenEvent } from '../engine/types.js';
import type { SelarTraceEntry } from '../protocol/common.js';

export interface Delta {
  index: number;
  content: string;
  reasoning: string;
  tokens: TokenEvent[];
  finish: FinishEvent | null;
}

export class ChoiceState {
  readonly tokens: TokenEvent[] = [];
  content = '';
  reasoning = '';
  finish: FinishEvent | null = null;
  private pending: TokenEvent[] = [];
  private lastReasoning = false;

  constructor(readonly index: number) {}

  /** Records a token; returns a delta when it released text. */
  token(ev: TokenEvent): Delta | null {
    this.tokens.push(ev);
    this.pending.push(ev);
    this.lastReasoning = ev.reasoning;
    if (ev.text === '') return null;
    return this.cut(ev.reasoning ? '' : ev.text, ev.reasoning ? ev.text : '', null);
  }

  /** Records the end; the returned delta carries any flushed text and the finish reason. */
  end(ev: FinishEvent): Delta {
    this.finish = ev;
    // Text still held back belongs to the section the last token was in.
    return this.cut(this.lastReasoning ? '' : ev.text, this.lastReasoning ? ev.text : '', ev);
  }

  get tokenIds(): number[] {
    return this.tokens.map((t) => t.id);
  }

  get trace(): SelarTraceEntry[] {
    return this.tokens.map(traceEntry);
  }

  private cut(content: string, reasoning: string, finish: FinishEvent | null): Delta {
    this.content += content;
    this.reasoning += reasoning;
    const delta = { index: this.index, content, reasoning, tokens: this.pending, finish };
    this.pending = [];
    return delta;
  }
}

export function traceEntry(t: TokenEvent): SelarTraceEntry {
  // The engine reports `hot` only in hot mode and `mix` only with trace "mix"; the default
  // trace keeps the contract's two fields.
  const entry: SelarTraceEntry = { entropy: t.entropy, soft: t.soft };
  if (t.hot !== undefined) entry.hot = t.hot;
  if (t.mix) entry.mix = t.mix.ids.map((id, j) => ({ id, token: t.mix!.tokens[j], weight: t.mix!.weights[j] }));
  return entry;
}
