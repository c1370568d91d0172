// selar-server over HTTP: the real Fastify app (src/app.ts) on a loopback port in
// this process, sharing the engine instance the engine rows measured, and a streaming
// client that timestamps SSE frames. /v1/completions with token-id prompts, so
// tokenisation is neither timed nor different from the other rows.
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import type { Engine, SelarMode } from '../src/engine/types.js';
import type { TextTokenizer } from '../src/model/tokenizer.js';
import type { SequenceTiming } from './stats.js';

export interface HttpServer {
  url: string;
  model: string;
  close(): Promise<void>;
}

export async function startHttp(modelDir: string, engine: Engine, tokenizer: TextTokenizer): Promise<HttpServer> {
  const config = loadConfig(['--model', modelDir, '--host', '127.0.0.1', '--port', '0', '--log-level', 'silent', '--ping-interval-ms', '0'], {});
  const app: FastifyInstance = await buildApp({ config, engine, tokenizer });
  const url = await app.listen({ host: config.host, port: config.port });
  // app.close() only: the engine belongs to the caller.
  return { url, model: engine.model.id, close: () => app.close() };
}

interface StreamFrame {
  choices?: Array<{ text?: string; finish_reason?: string | null }>;
  usage?: { completion_tokens: number; completion_tokens_details?: { soft_tokens?: number } } | null;
  error?: { message: string };
}

export async function timeHttpSequence(server: HttpServer, promptIds: number[], tokens: number, mode: SelarMode): Promise<SequenceTiming> {
  const body = {
    model: server.model,
    prompt: promptIds,
    max_tokens: tokens,
    temperature: 0,
    ignore_eos: true,
    stream: true,
    stream_options: { include_usage: true },
    selar: { mode, top_k: 3, entropy_threshold: 0.5, contrastive_weight: 1, discrete_tokens: 'none', scope: 'all' },
  };
  const startMs = performance.now();
  const res = await fetch(`${server.url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  let firstTokenMs = 0;
  let lastTokenMs = 0;
  let completionTokens = -1;
  let softTokens = 0;
  let buffered = '';
  const decoder = new TextDecoder();
  for await (const chunk of res.body) {
    const now = performance.now();
    buffered += decoder.decode(chunk as Uint8Array, { stream: true });
    let cut: number;
    while ((cut = buffered.indexOf('\n\n')) >= 0) {
      const frame = buffered.slice(0, cut);
      buffered = buffered.slice(cut + 2);
      if (!frame.startsWith('data: ') || frame === 'data: [DONE]') continue;
      const data = JSON.parse(frame.slice(6)) as StreamFrame;
      if (data.error) throw new Error(`stream error: ${data.error.message}`);
      if (data.choices?.length) {
        if (firstTokenMs === 0) firstTokenMs = now;
        lastTokenMs = now;
      }
      if (data.usage) {
        completionTokens = data.usage.completion_tokens;
        softTokens = data.usage.completion_tokens_details?.soft_tokens ?? 0;
      }
    }
  }
  if (completionTokens !== tokens) throw new Error(`HTTP stream reported ${completionTokens} completion tokens, expected ${tokens}`);
  return { startMs, firstTokenMs, lastTokenMs, tokens: completionTokens, softTokens };
}

export function runHttp(server: HttpServer, prompts: number[][], concurrency: number, tokens: number, mode: SelarMode): Promise<SequenceTiming[]> {
  return Promise.all(Array.from({ length: concurrency }, (_, i) => timeHttpSequence(server, prompts[i % prompts.length], tokens, mode)));
}
