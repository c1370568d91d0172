// A small GPT-2 style byte-level BPE tokenizer with ChatML special tokens, so
// generated models ship a tokenizer the server loads exactly like a real one.
import fs from 'node:fs';
import path from 'node:path';

export const SPECIAL_TOKENS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>', '<think>', '</think>'] as const;

/** Merges applied on top of the 256 byte tokens ('Ġ' is the byte-level space). */
export const DEFAULT_MERGES: ReadonlyArray<readonly [string, string]> = [
  ['Ġ', 't'],
  ['h', 'e'],
  ['Ġt', 'he'],
  ['i', 'n'],
  ['e', 'r'],
  ['Ġ', 'a'],
  ['o', 'n'],
  ['r', 'e'],
];

// Qwen3-like: `enable_thinking=false` pre-fills an empty think block.
export const CHATML_TEMPLATE =
  "{%- for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + " +
  "'\\n' }}{%- endfor %}" +
  "{%- if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}" +
  "{%- if enable_thinking is defined and enable_thinking is false %}{{ '<think>\\n\\n</think>\\n\\n' }}{%- endif " +
  '%}{%- endif %}';

/** GPT-2's bytes_to_unicode: printable bytes map to themselves, the rest to U+0100 upwards. */
export function byteToUnicode(): string[] {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const table = new Array<string>(256);
  const direct = new Set(printable);
  let extra = 0;
  for (let b = 0; b < 256; b++) table[b] = String.fromCodePoint(direct.has(b) ? b : 256 + extra++);
  return table;
}

export interface TokenizerSpec {
  /** Token id of each special token. */
  specialIds: Record<(typeof SPECIAL_TOKENS)[number], number>;
  /** Highest id + 1: the minimum model vocabulary. */
  size: number;
  eosTokenId: number;
  bosTokenId: number;
  padTokenId: number;
}

/**
 * Byte token ids equal the byte value (id 32 is the space byte), merges follow
 * from 256, then the special tokens: tests can reason about ids directly.
 */
export function writeTokenizer(
  dir: string,
  merges: ReadonlyArray<readonly [string, string]> = DEFAULT_MERGES,
): TokenizerSpec {
  const bytes = byteToUnicode();
  const vocab: Record<string, number> = {};
  for (const [id, ch] of bytes.entries()) vocab[ch] = id;
  let next = 256;
  for (const [a, b] of merges) {
    if (vocab[a] === undefined || vocab[b] === undefined)
      throw new Error(`merge ${a} ${b}: parts must already be tokens`);
    if (vocab[a + b] === undefined) vocab[a + b] = next++;
  }
  const specialIds = {} as TokenizerSpec['specialIds'];
  const addedTokens = SPECIAL_TOKENS.map((content) => {
    const id = next++;
    specialIds[content] = id;
    return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
  });
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokens,
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: { ...byteLevel, trim_offsets: false },
    decoder: byteLevel,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: merges.map(([a, b]) => `${a} ${b}`),
    },
  };
  const addedDecoder: Record<string, object> = {};
  for (const t of addedTokens)
    addedDecoder[String(t.id)] = {
      content: t.content,
      lstrip: false,
      normalized: false,
      rstrip: false,
      single_word: false,
      special: true,
    };
  const config = {
    add_bos_token: false,
    add_prefix_space: false,
    added_tokens_decoder: addedDecoder,
    additional_special_tokens: ['<|im_start|>', '<|im_end|>'],
    bos_token: null,
    chat_template: CHATML_TEMPLATE,
    clean_up_tokenization_spaces: false,
    eos_token: '<|im_end|>',
    errors: 'replace',
    model_max_length: 131072,
    pad_token: '<|endoftext|>',
    split_special_tokens: false,
    tokenizer_class: 'PreTrainedTokenizerFast',
    unk_token: null,
  };
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(tokenizerJson, null, 2));
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify(config, null, 2));
  return {
    specialIds,
    size: next,
    eosTokenId: specialIds['<|im_end|>'],
    bosTokenId: specialIds['<|endoftext|>'],
    padTokenId: specialIds['<|endoftext|>'],
  };
}
