// The grammar's cost per token, apart from the model: `npx tsx bench/grammar-mask.ts
// [model folder ...]` walks the bench schema (grammar-bench.ts) along a valid answer
// of ~300 tokens and reports, per token, XGrammar's own mask + accept on this thread,
// and the decode worker's view through the grammar thread (accept, then await the next
// mask: the worst case, when no forward pass runs meanwhile to hide it).
import fs from 'node:fs';
import path from 'node:path';
import { GrammarCache } from '../src/grammar/compiler.js';
import { GrammarHost } from '../src/grammar/host.js';
import { TextTokenizer } from '../src/model/tokenizer.js';
import { MODELS_DIR } from './models.js';
import { BENCH_SCHEMA } from './grammar-bench.js';
import { median } from './stats.js';

const ROUNDS = 5;

function vocabSize(dir: string): number {
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as { vocab_size: number };
  return config.vocab_size;
}

async function measure(dir: string): Promise<void> {
  const tokenizerJson = JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8')) as object;
  const tokenizer = TextTokenizer.load(dir);
  const V = vocabSize(dir);
  const words = 'the quick brown fox jumps over the lazy dog while structured outputs stay valid'.split(' ');
  const answer = Array.from({ length: 120 }, (_, i) => words[i % words.length]).join(' ');
  const ids = tokenizer.encode(
    JSON.stringify({ answer, confidence: 0.75 }).replace(/":/g, '": ').replace(/,"/g, ', "'),
    false,
  );
  const eos = [V - 1];

  const cache = await GrammarCache.create(tokenizerJson, V);
  const direct: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const m = await cache.matcher(BENCH_SCHEMA, eos);
    const t0 = performance.now();
    for (const id of ids) {
      await m.getNextTokenBitmask();
      if (!m.acceptToken(id)) throw new Error(`the schema rejected token ${id}`);
    }
    direct.push(((performance.now() - t0) * 1000) / ids.length);
    m.dispose();
  }

  const host = await GrammarHost.create({ tokenizerJson, vocabSize: V }, 0);
  const threaded: number[] = [];
  try {
    for (let r = 0; r < ROUNDS; r++) {
      const g = await host.open(BENCH_SCHEMA, eos, null);
      const t0 = performance.now();
      for (const id of ids) {
        await g.allowed();
        g.accept(id);
      }
      await g.allowed();
      threaded.push(((performance.now() - t0) * 1000) / ids.length);
      g.dispose();
    }
  } finally {
    await host.terminate();
  }
  console.log(
    `${path.basename(dir)} (vocabulary ${V}, ${ids.length} tokens, median of ${ROUNDS}): ` +
      `XGrammar mask + accept ${median(direct).toFixed(1)} µs/token; ` +
      `through the grammar thread, not overlapped ${median(threaded).toFixed(1)} µs/token`,
  );
}

const dirs = process.argv.slice(2);
if (dirs.length === 0) dirs.push('models/selar-demo', path.join(MODELS_DIR, 'llama-1024x16-32k'));
for (const dir of dirs) await measure(dir);
