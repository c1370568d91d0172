// Server-sent events framing, byte for byte as OpenAI sends it.
import { toOpenAIError } from './openai-error.js';

export const SSE_DONE = 'data: [DONE]\n\n';
export const SSE_PING = ': ping\n\n';

export function sseData(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

/** After the headers are out, a failure becomes an error frame and the stream still ends with [DONE]. */
export function sseError(err: unknown): string {
  return sseData(toOpenAIError(err).body) + SSE_DONE;
}
