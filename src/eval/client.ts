// A minimal OpenAI-compatible chat client over node:http(s). Not fetch: undici's
// 300 s headers timeout would cut off long non-streamed generations that are
// queued behind others; here only our own --request-timeout applies.
import http from 'node:http';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ClientOptions {
  /** Base URL up to and including /v1, e.g. http://127.0.0.1:8000/v1 */
  baseUrl: string;
  apiKey?: string;
  timeoutMs: number;
  /** Attempts for retryable failures (429, 5xx, connection errors). */
  attempts?: number;
}

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    message: string,
    readonly status: number | null,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

export interface ChatResult {
  content: string;
  reasoning: string;
  finishReason: string | null;
  promptTokens: number;
  completionTokens: number;
  /** null when the server does not report usage.completion_tokens_details.soft_tokens. */
  softTokens: number | null;
}

/** Accepts "http://host:port", ".../v1" or ".../v1/". */
export function normaliseBaseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ApiError(`--server: not a URL: ${JSON.stringify(url)}`, null, false);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new ApiError(`--server: expected http:// or https://, got ${parsed.protocol}`, null, false);
  const path = parsed.pathname.replace(/\/+$/, '');
  parsed.pathname = path.endsWith('/v1') ? path : `${path}/v1`;
  return parsed.toString().replace(/\/+$/, '');
}

function send(method: string, url: string, body: unknown, o: ClientOptions): Promise<unknown> {
  const target = new URL(url);
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const headers: Record<string, string> = { accept: 'application/json' };
  if (payload) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(payload.length);
  }
  if (o.apiKey) headers.authorization = `Bearer ${o.apiKey}`;
  const lib = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(target, { method, headers, timeout: o.timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e) => reject(new ApiError(`${method} ${url}: ${e.message}`, null, true)));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        if (status >= 200 && status < 300 && json !== undefined) return resolve(json);
        const message = (json as { error?: { message?: string } } | undefined)?.error?.message ?? text.slice(0, 300);
        reject(new ApiError(`${method} ${url}: HTTP ${status}: ${message}`, status, status === 429 || status >= 500));
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no response within ${o.timeoutMs} ms`)));
    req.on('error', (e) =>
      reject(e instanceof ApiError ? e : new ApiError(`${method} ${url}: ${e.message}`, null, true)),
    );
    req.end(payload);
  });
}

/** Retries what a busy server answers (429, 5xx, dropped connections) with exponential backoff. */
async function withRetries<T>(o: ClientOptions, call: () => Promise<T>): Promise<T> {
  const attempts = o.attempts ?? 5;
  for (let i = 1; ; i++) {
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof ApiError) || !err.retryable || i >= attempts) throw err;
      await sleep(Math.min(8000, 250 * 2 ** (i - 1)));
    }
  }
}

export async function listModels(o: ClientOptions): Promise<string[]> {
  const json = (await withRetries(o, () => send('GET', `${o.baseUrl}/models`, undefined, o))) as {
    data?: Array<{ id?: unknown }>;
  };
  return (json.data ?? []).map((m) => m.id).filter((id): id is string => typeof id === 'string');
}

const count = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export function parseChatResponse(json: unknown): ChatResult {
  const r = json as {
    choices?: Array<{
      message?: { content?: string | null; reasoning_content?: string | null };
      finish_reason?: string | null;
    }>;
    usage?: {
      prompt_tokens?: number;
      completion_tokens?: number;
      completion_tokens_details?: { soft_tokens?: number } | null;
    };
  };
  const choice = r.choices?.[0];
  if (!choice?.message) throw new ApiError('chat completion response has no choices[0].message', null, false);
  const completion = count(r.usage?.completion_tokens);
  if (completion === null) throw new ApiError('chat completion response has no usage.completion_tokens', null, false);
  return {
    content: choice.message.content ?? '',
    reasoning: choice.message.reasoning_content ?? '',
    finishReason: choice.finish_reason ?? null,
    promptTokens: count(r.usage?.prompt_tokens) ?? 0,
    completionTokens: completion,
    softTokens: count(r.usage?.completion_tokens_details?.soft_tokens),
  };
}

export async function chatCompletion(o: ClientOptions, body: Record<string, unknown>): Promise<ChatResult> {
  const json = await withRetries(o, () => send('POST', `${o.baseUrl}/chat/completions`, body, o));
  return parseChatResponse(json);
}
