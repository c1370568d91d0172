// Small generated models for engine tests: written once per test process into a
// temporary folder (with its own converter cache), removed at exit.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeLlamaModel, type LlamaGenOptions } from '../../src/modelgen/llama.js';
import { writeEchoModel, type EchoGenOptions } from '../../src/modelgen/echo.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'selar-test-'));
process.env.SELAR_CACHE_DIR ??= path.join(root, 'cache');
process.on('exit', () => fs.rmSync(root, { recursive: true, force: true }));

export const TINY_LLAMA: LlamaGenOptions = {
  hidden: 64,
  layers: 2,
  heads: 4,
  kvHeads: 2,
  intermediate: 128,
  vocab: 320,
  maxPositions: 256,
  seed: 3,
};

const made = new Map<string, Promise<string>>();

export function llamaModel(opts: Partial<LlamaGenOptions> = {}): Promise<string> {
  const full = { ...TINY_LLAMA, ...opts };
  const key = 'llama' + JSON.stringify(full);
  if (!made.has(key)) {
    const dir = path.join(root, `llama-${made.size}`);
    made.set(
      key,
      writeLlamaModel(dir, full).then(() => dir),
    );
  }
  return made.get(key)!;
}

export function echoModel(
  opts: EchoGenOptions = {},
): Promise<{ dir: string; embeddings: Float32Array; hidden: number }> {
  const dir = path.join(root, `echo-${made.size}`);
  made.set(dir, Promise.resolve(dir));
  return writeEchoModel(dir, opts).then((r) => ({ dir, embeddings: r.embeddings, hidden: r.config.hidden_size }));
}

export const sharedFixtures = path.resolve(import.meta.dirname, '../../../shared/fixtures/models');
