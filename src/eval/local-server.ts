// `--model DIR`: the same server `selar serve` runs, started in this process on
// 127.0.0.1 with a free port, so the harness always measures through the
// OpenAI-compatible API, whether the server is ours or someone else's.
import { configFrom, engineOptions } from '../config.js';
import { createEngine } from '../engine/create-engine.js';
import { startServer } from '../server.js';

export interface LocalServerOptions {
  modelDir: string;
  workers?: number;
  device?: string;
  dtype?: string;
  quantize?: 'q4' | 'q8';
}

export interface LocalServer {
  /** Base URL including /v1. */
  baseUrl: string;
  modelId: string;
  close(): Promise<void>;
}

export async function startLocalServer(o: LocalServerOptions): Promise<LocalServer> {
  // configFrom reads no environment: SELAR_* variables meant for a separately run
  // server (API keys, default selar mode) must not change what the evaluation measures.
  const config = configFrom({
    model: o.modelDir,
    host: '127.0.0.1',
    port: 0,
    logLevel: 'silent',
    deadlineMs: 0,
    workers: o.workers,
    device: o.device,
    dtype: o.dtype,
    quantize: o.quantize,
  });
  const { engine, tokenizer } = await createEngine(engineOptions(config));
  const server = await startServer({ config, engine, tokenizer });
  return { baseUrl: `${server.url}/v1`, modelId: engine.model.id, close: () => server.shutdown() };
}
