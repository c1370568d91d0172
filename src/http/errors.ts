// Installs the app's single error handler and not-found handler. Fastify's own
// failures (bad JSON, wrong content type, body too large) are translated into our
// catalogue first, then everything goes through serving/openai-error.ts.
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { SelarError } from '../errors.js';
import { toOpenAIError } from '../serving/openai-error.js';
import type { ServerMetrics } from './metrics.js';

function fromFastify(err: FastifyError): SelarError | null {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new SelarError('invalid_request', 'The request body must be JSON (Content-Type: application/json)', null);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new SelarError('invalid_request', 'The request body is empty; expected a JSON object', null);
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new SelarError('invalid_request', 'We could not parse the JSON body of your request', null);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new SelarError('payload_too_large', 'The request body is too large', null);
    default:
      break;
  }
  // Any other client-side failure from Fastify (e.g. a JSON syntax error, an invalid content-length).
  if (err instanceof SyntaxError || (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500)) {
    return new SelarError('invalid_request', err.message, null);
  }
  return null;
}

export function sendError(
  reply: FastifyReply,
  err: unknown,
  retryAfterS: number,
  metrics: ServerMetrics,
): FastifyReply {
  const { status, body } = toOpenAIError(err);
  metrics.errors.inc({ code: body.error.code ?? 'unknown' });
  if (status === 429) reply.header('retry-after', String(retryAfterS));
  if (status === 503) reply.header('connection', 'close');
  if (status >= 500) reply.log.error({ err }, 'request failed');
  // Not the message: validation messages quote the rejected value, which may be prompt text.
  else reply.log.info({ status, code: body.error.code, param: body.error.param }, 'request rejected');
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}

export function installErrorHandling(app: FastifyInstance, retryAfterS: number, metrics: ServerMetrics): void {
  app.setErrorHandler((err: FastifyError, _req, reply) => {
    const mapped = err instanceof SelarError ? err : (fromFastify(err) ?? err);
    return sendError(reply, mapped, retryAfterS, metrics);
  });
  app.setNotFoundHandler((req, reply) =>
    sendError(
      reply,
      new SelarError('not_found', `Unknown request URL: ${req.method} ${req.url.split('?')[0]}`),
      retryAfterS,
      metrics,
    ),
  );
}
