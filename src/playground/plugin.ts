// Serves the playground: GET / redirects to it, GET /playground is the page, and each
// compiled module and stylesheet has its own route from the allow-list in assets.ts
// (no wildcard, so no path from a request ever reaches the file system). Files are
// read from the build (dist/playground) on each request: they are small, and a
// rebuild shows without a restart. Routes are hidden from the OpenAPI document.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { SelarError } from '../errors.js';
import { PLAYGROUND_ASSETS, PLAYGROUND_PAGE } from './assets.js';
import { builtPlaygroundDir } from './copy-static.js';

export interface PlaygroundOptions {
  /** The built playground folder (default: dist/playground). */
  root?: string;
}

// Same-origin everything: the page loads nothing from elsewhere and talks only to
// this server, so CORS can stay closed. No inline script or style is allowed.
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri " +
    "'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

export default async function playground(app: FastifyInstance, opts: PlaygroundOptions = {}): Promise<void> {
  const root = opts.root ?? builtPlaygroundDir;
  app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.redirect(PLAYGROUND_PAGE, 302));
  for (const asset of PLAYGROUND_ASSETS) {
    const file = path.join(root, asset.file);
    app.get(asset.url, { schema: { hide: true } }, async (_req, reply) => {
      let body: Buffer;
      try {
        body = await readFile(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        throw new SelarError(
          'not_found',
          `The playground is not built (${asset.file} is missing): run \`npm run build\``,
        );
      }
      return reply.headers(PAGE_HEADERS).type(asset.contentType).send(body);
    });
  }
}
