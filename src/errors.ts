// One catalogue of failures. Every layer throws SelarError with a code from this
// table; the HTTP layer maps codes to OpenAI's error JSON in one place.

export const errorCatalogue = {
  invalid_request: { status: 400, type: 'invalid_request_error' },
  context_length_exceeded: { status: 400, type: 'invalid_request_error' },
  unauthorized: { status: 401, type: 'invalid_request_error' },
  model_not_found: { status: 404, type: 'invalid_request_error' },
  not_found: { status: 404, type: 'invalid_request_error' },
  payload_too_large: { status: 413, type: 'invalid_request_error' },
  overloaded: { status: 429, type: 'rate_limit_error' },
  cancelled: { status: 499, type: 'invalid_request_error' },
  worker_failed: { status: 500, type: 'server_error' },
  internal: { status: 500, type: 'server_error' },
  shutting_down: { status: 503, type: 'server_error' },
  deadline_exceeded: { status: 504, type: 'server_error' },
  model_load_failed: { status: 500, type: 'server_error' },
} as const;

export type ErrorCode = keyof typeof errorCatalogue;

/** A client-supplied value as error messages and logs quote it: cut to `max` characters. */
export function excerpt(value: string, max = 128): string {
  return value.length <= max ? value : `${value.slice(0, max)}… (${value.length} characters)`;
}

export class SelarError extends Error {
  readonly code: ErrorCode;
  readonly param: string | null;
  constructor(code: ErrorCode, message: string, param: string | null = null) {
    super(message);
    this.name = 'SelarError';
    this.code = code;
    this.param = param;
  }
  get status(): number {
    return errorCatalogue[this.code].status;
  }
}

/** A model folder that cannot be served: names the file and what is wrong. */
export class ModelLoadError extends SelarError {
  readonly file: string | null;
  constructor(message: string, file: string | null = null) {
    super('model_load_failed', file ? `${file}: ${message}` : message);
    this.name = 'ModelLoadError';
    this.file = file;
  }
}

/**
 * Bad configuration caught before anything runs: server flags and environment
 * variables, or an evaluation's presets. Reported on the command line, never over HTTP.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
