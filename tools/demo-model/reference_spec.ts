// Writes the prompts and decoding configurations that selar_reference.py decodes:
// chat-rendered held-out problems of every depth, SeLaR at several τ, k and w, with
// and without forced-discrete math tokens.
// usage: npx tsx tools/demo-model/reference_spec.ts OUT_JSON
import fs from 'node:fs';
import { TextTokenizer } from '../../src/model/tokenizer.js';

const dir = new URL('../../models/selar-demo', import.meta.url).pathname;
const tokenizer = TextTokenizer.load(dir);
const problems = fs
  .readFileSync(new URL('../../data/eval/synthetic-test.jsonl', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l));
const picks = [0, 1, 150, 220, 310, 399].map((i) => problems[i].question as string);
const prompts = picks.map((q) => tokenizer.encode(tokenizer.applyChatTemplate([{ role: 'user', content: q }]), false));
const cfg = (mode: string, tau: number, k: number, w: number, discrete: string) => ({
  mode,
  entropy_threshold: tau,
  top_k: k,
  contrastive_weight: w,
  discrete_tokens: discrete,
});
const configs = [
  cfg('off', 0.5, 3, 1, 'none'),
  cfg('selar', 0.5, 3, 1, 'none'),
  cfg('selar', 0.5, 3, 1, 'math'),
  cfg('selar', 0.2, 3, 1, 'none'),
  cfg('selar', 0.05, 2, 2, 'none'),
  cfg('selar', 0.1, 5, 0, 'none'),
  cfg('selar', 0.02, 4, 1.5, 'math'),
  cfg('soft', 0.5, 3, 1, 'math'),
];
fs.writeFileSync(
  process.argv[2],
  JSON.stringify({ model: 'models/selar-demo', eos_token_ids: [509], max_tokens: 64, prompts, configs }),
);
