// The ONE mapping from failures to OpenAI's error JSON. HTTP responses and in-stream
// error frames both come from here, so a code means the same thing everywhere.
import { SelarError, errorCatalogue } from '../errors.js';
import type { ErrorResponse } from '../protocol/common.js';

export interface OpenAIError {
  status: number;
  body: ErrorResponse;
}

/** Anything thrown → SelarError. Unknown exceptions are internal errors (their text is not leaked). */
export function asSelarError(err: unknown): SelarError {
  if (err instanceof SelarError) return err;
  return new SelarError('internal', 'The server had an error while processing your request');
}

export function toOpenAIError(err: unknown): OpenAIError {
  const e = asSelarError(err);
  const entry = errorCatalogue[e.code];
  return {
    status: entry.status,
    body: { error: { message: e.message, type: entry.type, param: e.param, code: e.code } },
  };
}
