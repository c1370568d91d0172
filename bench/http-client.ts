// The HTTP benchmark's clients: streaming /v1/completions requests that timestamp SSE
// frames. They run in their own worker thread (RpcWorker), as real clients run
// elsewhere: the server's main thread then does only the server's work, and its
// event-loop utilisation in the results is the server's own. node:http with
// keep-alive rather than fetch: the lightest client, so it takes as little CPU from
// the engine as possible on a small machine.
import http from 'node:http';
import type { SelarMode } from '../src/engine/types.js';
import type { SequenceTiming } from './stats.js';
import { inRpcWorker, serveRpc } from './worker-rpc.js';

export interface ClientsInit {
  httpClients: { url: string; model: string };
}

export interface ClientRun {
  prompts: number[][];
  concurrency: number;
  tokens: number;
  mode: SelarMode;
}

interface StreamFrame {
  choices?: Array<{ text?: string; finish_reason?: string | null }>;
  usage?: { completion_tokens: number; completion_tokens_details?: { soft_tokens?: number } } | null;
  error?: { message: string };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function post(url: string, body: string): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}/v1/completions`,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      resolve,
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      // A kept-alive socket the server closed after its idle timeout (a slow model leaves a
      // server idle for minutes between its rows): the request never reached it, so it is
      // sent again on a fresh socket, as Node's documentation advises.
      if (req.reusedSocket && err.code === 'ECONNRESET') post(url, body).then(resolve, reject);
      else reject(err);
    });
    req.end(body);
  });
}

export async function timeHttpSequence(
  url: string,
  model: string,
  promptIds: number[],
  tokens: number,
  mode: SelarMode,
): Promise<SequenceTiming> {
  const body = JSON.stringify({
    model,
    prompt: promptIds,
    max_tokens: tokens,
    temperature: 0,
    ignore_eos: true,
    stream: true,
    stream_options: { include_usage: true },
    selar: { mode, top_k: 3, entropy_threshold: 0.5, contrastive_weight: 1, discrete_tokens: 'none', scope: 'all' },
  });
  const startMs = performance.now();
  const res = await post(url, body);
  res.setEncoding('utf8');
  if (res.statusCode !== 200) {
    let text = '';
    for await (const chunk of res) text += chunk;
    throw new Error(`HTTP ${res.statusCode}: ${text}`);
  }
  let firstTokenMs = 0;
  let lastTokenMs = 0;
  let completionTokens = -1;
  let softTokens = 0;
  let buffered = '';
  for await (const chunk of res as AsyncIterable<string>) {
    const now = performance.now();
    buffered += chunk;
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
  if (completionTokens !== tokens)
    throw new Error(`HTTP stream reported ${completionTokens} completion tokens, expected ${tokens}`);
  return { startMs, firstTokenMs, lastTokenMs, tokens: completionTokens, softTokens };
}

const init = inRpcWorker((d): d is ClientsInit => typeof d === 'object' && d !== null && 'httpClients' in d);
if (init) {
  const { url, model } = init.httpClients;
  serveRpc(async () => ({
    call: (r: ClientRun) =>
      Promise.all(
        Array.from({ length: r.concurrency }, (_, i) =>
          timeHttpSequence(url, model, r.prompts[i % r.prompts.length], r.tokens, r.mode),
        ),
      ),
    close: async () => agent.destroy(),
  }));
}
