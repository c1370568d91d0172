// A real selar-server on 127.0.0.1 (port 0) serving a small generated Llama model
// through the worker pool; src/app.ts registers the playground. Closed by the test.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Test } from 'tap';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createEngine } from '../../src/engine/create-engine.js';
import { writeLlamaModel } from '../../src/modelgen/llama.js';

export interface LiveServer {
  url: string;
  modelId: string;
}

export async function liveServer(t: Test, argv: string[] = []): Promise<LiveServer> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'selar-playground-'));
  process.env.SELAR_CACHE_DIR = path.join(root, 'cache');
  const modelDir = path.join(root, 'tiny-llama');
  await writeLlamaModel(modelDir, {
    hidden: 64,
    layers: 2,
    heads: 4,
    kvHeads: 2,
    intermediate: 128,
    vocab: 320,
    maxPositions: 256,
    seed: 1,
  });
  // One worker with one thread: the machine's cores are shared with other work.
  const { engine, tokenizer } = await createEngine({ modelDir, workers: 1, threadsPerWorker: 1 });
  const config = loadConfig(['--model', modelDir, '--port', '0', '--log-level', 'silent', ...argv], {});
  const app = await buildApp({ config, engine, tokenizer });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(async () => {
    // The browser's keep-alive sockets must not hold the close open.
    app.server.closeAllConnections();
    await app.close();
    await engine.close();
    fs.rmSync(root, { recursive: true, force: true });
  });
  return { url: address, modelId: engine.model.id };
}
