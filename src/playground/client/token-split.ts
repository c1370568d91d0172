// One streamed delta → one piece per generated token. The server cuts a chunk each
// time a token releases text, so a chunk usually holds one token; tokens that released
// nothing yet (part of a UTF-8 character, a possible stop string) ride along with the
// next chunk. With logprobs each token's own text is known and used while it matches
// the stream; otherwise the stream gives the text to the token that released it (the
// last), and the earlier ones are shown as empty markers that still carry their data.
import type { ChunkChoice, MixEntry, TokenLogprob } from './wire-types.js';

export interface TokenPiece {
  text: string;
  entropy: number;
  soft: boolean;
  /** The successor step's soft input (trace "mix", soft steps); null otherwise. */
  mix: MixEntry[] | null;
  id: number | null;
  logprob: TokenLogprob | null;
}

export type Section = 'reasoning' | 'answer';

export interface SplitDelta {
  /** Where the pieces go; null when the chunk has no text (they go where the last text went). */
  section: Section | null;
  pieces: TokenPiece[];
  /** Text no token carries, by section: a chunk with text but no trace entries. */
  untraced: Record<Section, string>;
}

export function splitDelta(choice: ChunkChoice): SplitDelta {
  const reasoningText = choice.delta.reasoning_content ?? '';
  const contentText = choice.delta.content ?? '';
  const trace = choice.selar_trace ?? [];
  const n = trace.length;
  if (n === 0) return { section: null, pieces: [], untraced: { reasoning: reasoningText, answer: contentText } };
  // The server never mixes both in one delta (each chunk is cut at a token); another
  // server might, and then the reasoning part is shown untraced rather than guessed.
  const section: Section | null = contentText !== '' ? 'answer' : reasoningText !== '' ? 'reasoning' : null;
  const text = section === 'reasoning' ? reasoningText : contentText;
  const ids = choice.token_ids ?? [];
  const lps = choice.logprobs?.content ?? [];
  const texts = assignTexts(text, n, lps.length === n ? lps.map((l) => l.token) : null);
  const pieces = trace.map(
    (t, i): TokenPiece => ({
      text: texts[i],
      entropy: t.entropy,
      soft: t.soft,
      mix: t.mix ?? null,
      id: ids.length === n ? ids[i] : null,
      logprob: lps.length === n ? lps[i] : null,
    }),
  );
  return { section, pieces, untraced: { reasoning: section === 'answer' ? reasoningText : '', answer: '' } };
}

/** Each token takes its own text while that text continues the stream; the last token takes the rest. */
export function assignTexts(text: string, n: number, own: string[] | null): string[] {
  const out = new Array<string>(n).fill('');
  let at = 0;
  if (own) {
    for (let i = 0; i < n - 1; i++) {
      const t = own[i];
      if (t === '' || !text.startsWith(t, at)) break;
      out[i] = t;
      at += t.length;
    }
  }
  out[n - 1] = text.slice(at);
  return out;
}
