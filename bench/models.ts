// The model set: the demo model (or, until it is trained, a generated stand-in of the
// same shape) and a larger generated Llama. Generated folders live in the git-ignored
// bench/models/ and are reused when a marker says they were written completely.
import fs from 'node:fs';
import path from 'node:path';
import { writeLlamaModel, type LlamaGenOptions } from '../src/modelgen/llama.js';

export type ModelRole = 'demo' | 'large';

export interface BenchModel {
  role: ModelRole;
  name: string;
  dir: string;
  /** How the folder came to be, for the report. */
  origin: string;
  externalData: boolean;
  shape: { hidden: number; layers: number; heads: number; kvHeads: number; intermediate: number; vocab: number };
}

export const MODELS_DIR = path.resolve(import.meta.dirname, 'models');
const DEMO_DIR = path.resolve(import.meta.dirname, '../models/selar-demo');

// tools/demo-model/llama_model.py's ModelConfig: the demo model's architecture.
const DEMO_SHAPE: LlamaGenOptions = {
  hidden: 256,
  layers: 4,
  heads: 4,
  kvHeads: 2,
  intermediate: 704,
  vocab: 512,
  maxPositions: 512,
  seed: 1,
};
const LARGE_SHAPE: LlamaGenOptions = {
  hidden: 1024,
  layers: 16,
  heads: 16,
  kvHeads: 4,
  intermediate: 4096,
  vocab: 32000,
  maxPositions: 2048,
  seed: 1,
  externalData: true,
};

function shapeOf(dir: string): BenchModel['shape'] {
  const c = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, number>;
  return {
    hidden: c.hidden_size,
    layers: c.num_hidden_layers,
    heads: c.num_attention_heads,
    kvHeads: c.num_key_value_heads,
    intermediate: c.intermediate_size,
    vocab: c.vocab_size,
  };
}

/**
 * src/modelgen writes a ~270-token byte-level tokenizer whatever the model's vocabulary,
 * and the engine rightly refuses a 32k-logit model with it. Filler entries bring the
 * tokenizer to the model's size: merges never produce them, so encoding is unchanged,
 * but the sampler, detokeniser and embedding table see a realistic vocabulary.
 */
export function padTokenizer(dir: string, vocab: number): void {
  const file = path.join(dir, 'tokenizer.json');
  const tok = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    model: { vocab: Record<string, number> };
    added_tokens: Array<{ id: number }>;
  };
  const used = new Set([...Object.values(tok.model.vocab), ...tok.added_tokens.map((t) => t.id)]);
  for (let id = 0; id < vocab; id++) if (!used.has(id)) tok.model.vocab[`<filler_${id}>`] = id;
  fs.writeFileSync(file, JSON.stringify(tok));
}

async function generated(name: string, opts: LlamaGenOptions, log: (s: string) => void): Promise<string> {
  const dir = path.join(MODELS_DIR, name);
  const marker = path.join(dir, 'bench-model.json');
  const want = JSON.stringify(opts);
  if (fs.existsSync(marker) && fs.readFileSync(marker, 'utf8') === want) return dir;
  log(`generating ${name} into ${path.relative(process.cwd(), dir)} ...`);
  fs.rmSync(dir, { recursive: true, force: true });
  const result = await writeLlamaModel(dir, opts);
  padTokenizer(dir, result.config.vocab_size);
  fs.writeFileSync(marker, want);
  return dir;
}

export async function prepareModel(role: ModelRole, log: (s: string) => void): Promise<BenchModel> {
  if (role === 'demo') {
    if (fs.existsSync(path.join(DEMO_DIR, 'onnx/model.onnx')) && fs.existsSync(path.join(DEMO_DIR, 'config.json'))) {
      return {
        role,
        name: 'selar-demo',
        dir: DEMO_DIR,
        origin: 'models/selar-demo (trained demo model)',
        externalData: false,
        shape: shapeOf(DEMO_DIR),
      };
    }
    const dir = await generated('demo-standin', DEMO_SHAPE, log);
    return {
      role,
      name: 'demo-standin',
      dir,
      origin: "generated stand-in with the demo model's shape (models/selar-demo not present yet)",
      externalData: false,
      shape: shapeOf(dir),
    };
  }
  const dir = await generated('llama-1024x16-32k', LARGE_SHAPE, log);
  return {
    role,
    name: 'llama-1024x16-32k',
    dir,
    origin: 'generated random-weight Llama (src/modelgen)',
    externalData: true,
    shape: shapeOf(dir),
  };
}
