// Incremental detokenisation. Decoding a growing id list is the only correct way
// for tokenizers whose pieces depend on their neighbours (SentencePiece spaces,
// byte-level BPE splitting a character over several tokens), so we decode a small
// window and emit only the stable new suffix, holding back while it ends in an
// incomplete UTF-8 character (U+FFFD).

export interface Decoder {
  decode(ids: readonly number[], skipSpecialTokens?: boolean): string;
}

export class IncrementalDetokenizer {
  private readonly ids: number[] = [];
  private prefixOffset = 0;
  private readOffset = 0;

  constructor(
    private readonly tokenizer: Decoder,
    private readonly skipSpecialTokens = true,
  ) {}

  /** Adds one token and returns the text it made final ('' while held back). */
  push(id: number): string {
    this.ids.push(id);
    const prefixText = this.decode(this.prefixOffset, this.readOffset);
    const fullText = this.decode(this.prefixOffset);
    if (fullText.length > prefixText.length && !fullText.endsWith('\uFFFD')) {
      const delta = fullText.slice(prefixText.length);
      this.prefixOffset = this.readOffset;
      this.readOffset = this.ids.length;
      return delta;
    }
    return '';
  }

  /** Whatever is still held back when generation ends (may contain U+FFFD for truly broken bytes). */
  flush(): string {
    const prefixText = this.decode(this.prefixOffset, this.readOffset);
    const fullText = this.decode(this.prefixOffset);
    this.prefixOffset = this.readOffset = this.ids.length;
    return fullText.length > prefixText.length ? fullText.slice(prefixText.length) : '';
  }

  private decode(from: number, to?: number): string {
    return this.tokenizer.decode(this.ids.slice(from, to), this.skipSpecialTokens);
  }
}
