// The page's two calls to its own server: GET /v1/models and the streaming chat
// completion. Same-origin requests only (CORS may be closed); the API key lives in
// the caller's memory and goes out as a Bearer header, never stored.
import { sseData } from './sse-reader.js';
import type { ApiErrorBody, ChatChunk, ModelList } from './wire-types.js';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly code: string | null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

function headers(apiKey: string, json: boolean): Record<string, string> {
  const h: Record<string, string> = { accept: json ? 'text/event-stream' : 'application/json' };
  if (json) h['content-type'] = 'application/json';
  if (apiKey !== '') h.authorization = `Bearer ${apiKey}`;
  return h;
}

async function errorOf(res: Response): Promise<ApiError> {
  let message = `HTTP ${res.status} ${res.statusText}`;
  let code: string | null = null;
  try {
    const body = (await res.json()) as Partial<ApiErrorBody>;
    if (body.error?.message) message = `${body.error.message} (HTTP ${res.status})`;
    code = body.error?.code ?? null;
  } catch {
    // Not an OpenAI error body (a proxy page, say): the status line says enough.
  }
  return new ApiError(message, res.status, code);
}

export async function listModels(apiKey: string, signal?: AbortSignal): Promise<ModelList> {
  const res = await fetch('/v1/models', { headers: headers(apiKey, false), cache: 'no-store', signal });
  if (!res.ok) throw await errorOf(res);
  return (await res.json()) as ModelList;
}

/** Yields each chunk of a streamed chat completion; an in-stream error frame throws. */
export async function* streamChat(body: unknown, apiKey: string, signal: AbortSignal): AsyncGenerator<ChatChunk> {
  const res = await fetch('/v1/chat/completions', {
    method: 'POST',
    headers: headers(apiKey, true),
    body: JSON.stringify(body),
    cache: 'no-store',
    signal,
  });
  if (!res.ok || res.body === null) throw await errorOf(res);
  for await (const data of sseData(res.body)) {
    if (data === '[DONE]') return;
    const frame = JSON.parse(data) as ChatChunk | ApiErrorBody;
    if ('error' in frame) throw new ApiError(frame.error.message, null, frame.error.code ?? null);
    yield frame;
  }
  throw new ApiError('The stream ended before [DONE]: the connection was cut', null, null);
}
