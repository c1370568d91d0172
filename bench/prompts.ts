// The prompt set: the first few questions of the demo model's held-out evaluation
// set, rendered with the model's chat template when it has one. Every system gets
// the same token ids (the HTTP bench sends ids too), so tokenisation is never timed.
import fs from 'node:fs';
import path from 'node:path';
import { TextTokenizer } from '../src/model/tokenizer.js';

const EVAL_SET = path.resolve(import.meta.dirname, '../data/eval/synthetic-test.jsonl');
const FALLBACK = [
  'Leo buys 3 candles at 22 dollars each. How many dollars does he spend in total?',
  'Ben has 86 stamps. He shares them equally among 2 friends. How many stamps does each friend get?',
];

export function promptTexts(count: number): string[] {
  if (!fs.existsSync(EVAL_SET)) return FALLBACK.slice(0, count);
  const lines = fs
    .readFileSync(EVAL_SET, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  return lines.slice(0, count).map((l) => (JSON.parse(l) as { question: string }).question);
}

export function promptIds(modelDir: string, count: number): number[][] {
  const tokenizer = TextTokenizer.load(modelDir);
  return promptTexts(count).map((q) => {
    const text = tokenizer.hasChatTemplate ? tokenizer.applyChatTemplate([{ role: 'user', content: q }]) : q;
    return tokenizer.encode(text, false);
  });
}
