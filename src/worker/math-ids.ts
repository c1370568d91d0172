// Forced-discrete ids for selar.discrete_tokens = "math": the union of the ids of
// every symbol in math-symbols.json, encoded with the model's tokenizer without
// special tokens (docs/api.md, Semantics 5).
import fs from 'node:fs';

const symbolsFile = new URL('../../assets/math-symbols.json', import.meta.url);

export function mathSymbols(): string[] {
  return JSON.parse(fs.readFileSync(symbolsFile, 'utf8')) as string[];
}

export function mathTokenIds(encode: (text: string) => number[]): Set<number> {
  const ids = new Set<number>();
  for (const symbol of mathSymbols()) for (const id of encode(symbol)) ids.add(id);
  return ids;
}
