// Renders engine logprobs (token ids) in OpenAI's two formats: chat
// (`{content:[{token,logprob,bytes,top_logprobs}]}`) and legacy completions
// (`{tokens,token_logprobs,top_logprobs,text_offset}`).
import type { TokenEvent } from '../engine/types.js';
import type { TextTokenizer } from '../model/tokenizer.js';
import type { ChatLogprobs, ChatTokenLogprob } from '../protocol/chat.js';
import type { CompletionLogprobs } from '../protocol/completions.js';

/** GPT-2's byte-level alphabet, inverted: the character a byte-level BPE token uses → the byte. */
const byteLevel: Map<string, number> = (() => {
  const bs: number[] = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  }
  return new Map(bs.map((b, i) => [String.fromCodePoint(cs[i]), b]));
})();

export class TokenRenderer {
  private readonly cache = new Map<number, { text: string; bytes: number[] }>();
  constructor(private readonly tokenizer: TextTokenizer) {}

  /** The token's text and its exact UTF-8 bytes (a token may hold part of a character). */
  render(id: number): { text: string; bytes: number[] } {
    let r = this.cache.get(id);
    if (!r) {
      const text = this.tokenizer.decode([id], false);
      r = { text, bytes: this.rawBytes(id, text) };
      if (this.cache.size < 65536) this.cache.set(id, r);
    }
    return r;
  }

  private rawBytes(id: number, text: string): number[] {
    if (!text.includes('\uFFFD')) return [...Buffer.from(text, 'utf8')];
    const piece = this.tokenizer.tokenString(id) ?? '';
    const fallback = /^<0x([0-9A-Fa-f]{2})>$/.exec(piece); // sentencepiece byte fallback
    if (fallback) return [parseInt(fallback[1], 16)];
    const chars = [...piece];
    if (chars.length > 0 && chars.every((c) => byteLevel.has(c))) return chars.map((c) => byteLevel.get(c)!);
    return [...Buffer.from(text, 'utf8')];
  }

  chatEntry(t: TokenEvent): ChatTokenLogprob {
    const r = this.render(t.id);
    return {
      token: r.text,
      logprob: t.logprob ?? 0,
      bytes: r.bytes,
      top_logprobs: (t.topLogprobs ?? []).map((a) => {
        const ar = this.render(a.id);
        return { token: ar.text, logprob: a.logprob, bytes: ar.bytes };
      }),
    };
  }

  chat(tokens: TokenEvent[]): ChatLogprobs {
    return { content: tokens.map((t) => this.chatEntry(t)), refusal: null };
  }

  /**
   * A token as the response text shows it: special tokens and the thinking tags are left
   * out of the text, so their string is '' (their logprob stays).
   */
  private inText(id: number): string {
    const think = this.tokenizer.thinkIds;
    if (this.tokenizer.specialIds.has(id) || (think !== null && (id === think.open || id === think.close))) return '';
    return this.render(id).text;
  }

  /**
   * Legacy logprobs that line up with the text they describe: each token's offset is
   * where its string starts in the text. Text the engine held back (a possible stop
   * string) still counts at the token that produced it; a token holding half a
   * character has no string of its own there and sits where the character starts.
   * `offset` is the text already sent before these tokens (echoed prompt, earlier chunks).
   */
  completion(tokens: TokenEvent[], offset = 0): CompletionLogprobs {
    const out: CompletionLogprobs = { tokens: [], token_logprobs: [], top_logprobs: [], text_offset: [] };
    let released = offset;
    let held = 0;
    for (const t of tokens) {
      const text = this.inText(t.id);
      out.tokens.push(text);
      out.token_logprobs.push(t.logprob ?? 0);
      const top: Record<string, number> = {};
      for (const a of t.topLogprobs ?? []) top[this.render(a.id).text] = a.logprob;
      out.top_logprobs.push(top);
      out.text_offset.push(released + held);
      if (t.text === '') {
        held += text.includes('\uFFFD') ? 0 : text.length;
      } else {
        released += t.text.length;
        held = 0;
      }
    }
    return out;
  }
}
