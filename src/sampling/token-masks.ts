// Token masks: the one step of the pipeline where disallowed ids are removed (their
// logits set to -Infinity), before logit_bias, penalties and the distribution, so
// sampling, SeLaR's gate and its soft mix all see the constrained distribution
// (docs/api.md "Semantics" 1). Sets of allowed ids, the request's and a grammar's,
// are one bitmask layout (XGrammar's) applied by one function.

/** A constraint on the next token, given the ids generated so far. */
export interface TokenMask {
  /** Sets the logits of the ids not allowed next to -Infinity (in place). */
  apply(logits: Float32Array, generated: readonly number[]): void;
}

/** allowed_token_ids: every other id is masked at every step. */
export class AllowedTokens implements TokenMask {
  private readonly allowed: Int32Array;

  constructor(ids: readonly number[], vocabSize: number) {
    this.allowed = new Int32Array(Math.ceil(vocabSize / 32));
    for (const id of ids) if (id < vocabSize) allowToken(this.allowed, id);
  }

  apply(logits: Float32Array): void {
    applyAllowedMask(logits, this.allowed);
  }
}

/**
 * bad_words as token sequences (vLLM's semantics): a one-token sequence is always
 * masked; a longer one's last token is masked when the generated ids end with the rest.
 */
export class BadWords implements TokenMask {
  constructor(private readonly sequences: ReadonlyArray<readonly number[]>) {}

  apply(logits: Float32Array, generated: readonly number[]): void {
    for (const seq of this.sequences) {
      const last = seq[seq.length - 1];
      if (last >= logits.length || !endsWith(generated, seq, seq.length - 1)) continue;
      logits[last] = -Infinity;
    }
  }
}

/** Whether `ids` ends with the first `n` entries of `prefix`. */
function endsWith(ids: readonly number[], prefix: readonly number[], n: number): boolean {
  if (ids.length < n) return false;
  const offset = ids.length - n;
  for (let i = 0; i < n; i++) if (ids[offset + i] !== prefix[i]) return false;
  return true;
}

/** Ids masked for a while (eos and stop_token_ids before min_tokens). */
export function suppress(logits: Float32Array, ids: readonly number[]): void {
  for (const id of ids) if (id < logits.length) logits[id] = -Infinity;
}

export interface MaskParams {
  badWords: ReadonlyArray<readonly number[]>;
  allowedTokenIds: readonly number[] | null;
}

/** The request's masks in the documented order: bad_words, then allowed_token_ids. */
export function requestMasks(p: MaskParams, vocabSize: number): TokenMask[] {
  const masks: TokenMask[] = [];
  if (p.badWords.length > 0) masks.push(new BadWords(p.badWords));
  if (p.allowedTokenIds !== null) masks.push(new AllowedTokens(p.allowedTokenIds, vocabSize));
  return masks;
}

/**
 * Applies an allowed-token bitmask (XGrammar's layout: bit i % 32 of word i >> 5 set
 * means token i is allowed) to logits in place: disallowed tokens get -Infinity.
 */
export function applyAllowedMask(logits: Float32Array, allowed: Int32Array): void {
  const V = logits.length;
  const words = Math.min(allowed.length, Math.ceil(V / 32));
  for (let w = 0; w < words; w++) {
    const bits = allowed[w];
    if (bits === -1) continue;
    const base = w * 32;
    const end = Math.min(32, V - base);
    for (let b = 0; b < end; b++) if ((bits & (1 << b)) === 0) logits[base + b] = -Infinity;
  }
  // Logits beyond the mask's vocabulary (model padding rows) are never allowed.
  for (let i = words * 32; i < V; i++) logits[i] = -Infinity;
}

/** Sets token `id` as allowed in the bitmask. */
export function allowToken(allowed: Int32Array, id: number): void {
  if (id >> 5 < allowed.length) allowed[id >> 5] |= 1 << (id & 31);
}
