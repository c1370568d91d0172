// The model's vocabulary as XGrammar's TokenizerInfo wants it: every token string in
// its encoded form (byte-level 'Ġ' pieces, sentencepiece '▁' pieces), ordered by id,
// with the vocabulary type that says how to decode them. Special tokens become empty
// strings, which XGrammar never allows inside a grammar (the stop tokens are passed
// separately), so a chat-template token cannot appear inside a JSON string.
import { byteToUnicode } from '../modelgen/tokenizer.js';

export type VocabType = 'byte_level' | 'byte_fallback' | 'raw';

export interface GrammarVocab {
  encoded: string[];
  type: VocabType;
  prependSpace: boolean;
}

interface TokenizerJson {
  model?: { type?: string; vocab?: Record<string, number> | Array<[string, number]> };
  added_tokens?: Array<{ id: number; content: string; special?: boolean }>;
  decoder?: Component | null;
  normalizer?: Component | null;
  pre_tokenizer?: Component | null;
}
interface Component {
  type?: string;
  decoders?: Component[];
  normalizers?: Component[];
  pretokenizers?: Component[];
  prepend?: string;
  prepend_scheme?: string;
  add_prefix_space?: boolean;
}

function flatten(c: Component | null | undefined): Component[] {
  if (!c) return [];
  return [c, ...[...(c.decoders ?? []), ...(c.normalizers ?? []), ...(c.pretokenizers ?? [])].flatMap(flatten)];
}

export function vocabType(json: TokenizerJson): VocabType {
  const decoders = flatten(json.decoder).map((d) => d.type);
  if (decoders.includes('ByteLevel')) return 'byte_level';
  if (decoders.includes('ByteFallback')) return 'byte_fallback';
  return 'raw';
}

/** sentencepiece-style tokenizers prepend '▁' to the text (a normalizer, or the Metaspace pre-tokenizer). */
function prependsSpace(json: TokenizerJson): boolean {
  const parts = [...flatten(json.normalizer), ...flatten(json.pre_tokenizer)];
  return parts.some(
    (p) =>
      (p.type === 'Prepend' && p.prepend === '▁') ||
      (p.type === 'Metaspace' && (p.prepend_scheme ?? (p.add_prefix_space ? 'always' : 'never')) !== 'never'),
  );
}

/** Added tokens hold plain text; the encoded vocabulary needs them in the model's piece form. */
function encodePiece(text: string, type: VocabType, bytes: string[]): string {
  if (type === 'byte_level') return [...Buffer.from(text, 'utf8')].map((b) => bytes[b]).join('');
  if (type === 'byte_fallback') return text.replaceAll(' ', '▁');
  return text;
}

/** `size` is the model's logit count, which may exceed the tokenizer's ids (padding). */
export function grammarVocab(json: TokenizerJson, size: number): GrammarVocab {
  const type = vocabType(json);
  const encoded = new Array<string>(size).fill('');
  const vocab = json.model?.vocab ?? {};
  if (Array.isArray(vocab))
    vocab.forEach(([piece], id) => {
      if (id < size) encoded[id] = piece;
    });
  else for (const [piece, id] of Object.entries(vocab)) if (id < size) encoded[id] = piece;
  const bytes = byteToUnicode();
  for (const t of json.added_tokens ?? []) {
    if (t.id < size) encoded[t.id] = t.special ? '' : encodePiece(t.content, type, bytes);
  }
  return { encoded, type, prependSpace: prependsSpace(json) };
}
