// CORS, closed unless origins are configured. With origins: matching requests get
// Access-Control-Allow-Origin, and preflights (OPTIONS) are answered before auth,
// since browsers never send credentials on a preflight.
import type { FastifyInstance } from 'fastify';

const ALLOW_HEADERS = 'Authorization, Content-Type, X-Request-Id';

export function installCors(app: FastifyInstance, origins: readonly string[]): void {
  if (origins.length === 0) return;
  const any = origins.includes('*');
  const allowed = new Set(origins);
  app.addHook('onRequest', async (req, reply) => {
    const origin = req.headers.origin;
    if (origin === undefined || !(any || allowed.has(origin))) return;
    reply.header('access-control-allow-origin', any ? '*' : origin);
    if (!any) reply.header('vary', 'Origin');
    reply.header('access-control-expose-headers', 'Retry-After, X-Request-Id');
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
      reply.header('access-control-allow-methods', 'GET, POST, OPTIONS');
      reply.header('access-control-allow-headers', req.headers['access-control-request-headers'] ?? ALLOW_HEADERS);
      reply.header('access-control-max-age', '600');
      return reply.code(204).send();
    }
  });
  // Preflights need a route to land on; the hook above answers them.
  app.options('*', { schema: { hide: true } }, async (_req, reply) => reply.code(204).send());
}
