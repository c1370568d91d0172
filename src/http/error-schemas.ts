// The error responses every generation endpoint documents, all in OpenAI's shape.
import { ErrorResponse } from '../protocol/common.js';

const err = (description: string) => ({ description, content: { 'application/json': { schema: ErrorResponse } } });

export const errorResponses = {
  400: err(
    'invalid request: unknown or unsupported field, value out of range, context length exceeded (param ' +
      'names the field)',
  ),
  401: err('missing or wrong API key'),
  404: err('unknown model'),
  429: err('queue full; retry after the Retry-After header'),
  500: err('worker failure'),
  503: err('server draining'),
  504: err('request deadline exceeded'),
};
