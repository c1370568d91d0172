// selar-server over HTTP: the real Fastify app (src/app.ts) on a loopback port in
// this process, sharing the engine instance the engine rows measured, and streaming
// clients in a worker thread (bench/http-client.ts). /v1/completions with token-id
// prompts, so tokenisation is neither timed nor different from the other rows.
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import type { Engine, SelarMode } from '../src/engine/types.js';
import type { TextTokenizer } from '../src/model/tokenizer.js';
import type { ClientRun, ClientsInit } from './http-client.js';
import type { SequenceTiming } from './stats.js';
import { RpcWorker } from './worker-rpc.js';

export interface HttpServer {
  url: string;
  model: string;
  clients: RpcWorker<ClientRun, SequenceTiming[]>;
  close(): Promise<void>;
}

export async function startHttp(
  modelDir: string,
  engine: Engine,
  tokenizer: TextTokenizer,
  streamInterval: number,
): Promise<HttpServer> {
  const config = loadConfig(
    [
      '--model',
      modelDir,
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--log-level',
      'silent',
      '--ping-interval-ms',
      '0',
      '--stream-interval',
      String(streamInterval),
    ],
    {},
  );
  const app: FastifyInstance = await buildApp({ config, engine, tokenizer });
  const url = await app.listen({ host: config.host, port: config.port });
  const model = engine.model.id;
  const clients = await RpcWorker.open<ClientRun, SequenceTiming[]>(
    'http clients',
    new URL('./http-client.ts', import.meta.url).href,
    { httpClients: { url, model } } satisfies ClientsInit,
  );
  return {
    url,
    model,
    clients,
    // The engine belongs to the caller: only the clients and the app are closed.
    close: async () => {
      await clients.close();
      await app.close();
    },
  };
}

export function runHttp(
  server: HttpServer,
  prompts: number[][],
  concurrency: number,
  tokens: number,
  mode: SelarMode,
): Promise<SequenceTiming[]> {
  return server.clients.call({ prompts, concurrency, tokens, mode });
}
