// Bearer API keys. Keys are compared as SHA-256 digests with timingSafeEqual, so
// neither the key length nor a matching prefix shows in the response time; every
// configured key is checked (no early exit). Liveness, readiness, the docs and the
// playground's static files stay open (a browser cannot send a Bearer header to load a
// page); the API calls the playground makes carry the key the user types in.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { SelarError } from '../errors.js';

const OPEN = [/^\/health$/, /^\/ready$/, /^\/docs(\/.*)?$/, /^\/openapi\.json$/, /^\/$/, /^\/playground(\/.*)?$/];

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export function keyMatcher(keys: readonly string[]): (presented: string) => boolean {
  const digests = keys.map(digest);
  return (presented) => {
    const d = digest(presented);
    let ok = false;
    for (const k of digests) ok = timingSafeEqual(k, d) || ok;
    return ok;
  };
}

export function installAuth(app: FastifyInstance, keys: readonly string[]): void {
  if (keys.length === 0) return;
  const matches = keyMatcher(keys);
  app.addHook('onRequest', async (req) => {
    const path = req.url.split('?')[0];
    if (req.method === 'OPTIONS' || OPEN.some((re) => re.test(path))) return;
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(header);
    if (!m)
      throw new SelarError(
        'unauthorized',
        "You didn't provide an API key. Provide it in the Authorization header: 'Authorization: Bearer YOUR_KEY'",
      );
    if (!matches(m[1].trim())) throw new SelarError('unauthorized', 'Incorrect API key provided');
  });
}
