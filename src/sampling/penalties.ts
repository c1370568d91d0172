// Logit processors that depend on what the sequence has produced so far. They touch
// only the ids that occurred (a sparse walk), never the whole vocabulary.

/** Token occurrence state of one sequence. */
export class TokenHistory {
  /** ids in the prompt or the output (repetition_penalty applies to both, as in vLLM and HF). */
  readonly seen = new Set<number>();
  /** counts of ids in the output only (presence/frequency apply to generated text, as in OpenAI/vLLM). */
  readonly outputCounts = new Map<number, number>();
  /** The generated ids in order (bad_words match against their tail). */
  readonly output: number[] = [];

  constructor(promptIds: readonly number[]) {
    for (const id of promptIds) this.seen.add(id);
  }

  push(id: number): void {
    this.seen.add(id);
    this.outputCounts.set(id, (this.outputCounts.get(id) ?? 0) + 1);
    this.output.push(id);
  }
}

export interface PenaltyParams {
  repetitionPenalty: number;
  presencePenalty: number;
  frequencyPenalty: number;
}

/** Applies repetition (multiplicative), then frequency and presence (additive) penalties in place. */
export function applyPenalties(logits: Float32Array, history: TokenHistory, p: PenaltyParams): void {
  const r = p.repetitionPenalty;
  if (r !== 1) {
    for (const id of history.seen) {
      if (id >= logits.length) continue;
      const v = logits[id];
      logits[id] = v > 0 ? v / r : v * r;
    }
  }
  if (p.presencePenalty !== 0 || p.frequencyPenalty !== 0) {
    for (const [id, count] of history.outputCounts) {
      if (id >= logits.length) continue;
      logits[id] -= p.frequencyPenalty * count + p.presencePenalty;
    }
  }
}

/** Adds OpenAI-style logit_bias in place (values already validated to [-100, 100]). */
export function applyLogitBias(logits: Float32Array, bias: ReadonlyArray<readonly [number, number]>): void {
  for (const [id, b] of bias) if (id < logits.length) logits[id] += b;
}
