// Strict JSON request bodies. Fastify decodes bodies leniently: invalid UTF-8 bytes
// become U+FFFD, and JSON escapes may produce lone surrogates that no tokenizer can
// encode faithfully. Either way the prompt would be silently altered, so both are
// rejected with 400 instead. Parsing itself stays Fastify's (prototype-poisoning checks).
import type { FastifyInstance } from 'fastify';
import { SelarError } from '../errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Where the first string or key with a lone surrogate sits (`messages[0].content`), or null. Iterative: bodies may nest
 * deeply.
 */
export function illFormedPath(root: unknown): string | null {
  const stack: Array<[unknown, string]> = [[root, '']];
  while (stack.length > 0) {
    const [value, path] = stack.pop()!;
    if (typeof value === 'string') {
      if (LONE_SURROGATE.test(value)) return path;
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push([value[i], `${path}[${i}]`]);
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        const p = path === '' ? k : `${path}.${k}`;
        if (LONE_SURROGATE.test(k)) return p;
        stack.push([v, p]);
      }
    }
  }
  return null;
}

export function installStrictJson(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body: Buffer, done) => {
    // A DELETE names its target in the URL: clients (curl with a default header, some SDKs)
    // send the JSON content type with no body, which is not an empty JSON document.
    if (req.method === 'DELETE' && body.length === 0) {
      done(null, undefined);
      return;
    }
    let text: string;
    try {
      text = utf8.decode(body);
    } catch {
      done(new SelarError('invalid_request', 'The request body is not valid UTF-8'), undefined);
      return;
    }
    parseJson(req, text, (err, value) => {
      if (err) return done(err, undefined);
      const at = illFormedPath(value);
      if (at !== null) {
        return done(
          new SelarError(
            'invalid_request',
            `Invalid value for '${at || 'body'}': strings must be valid Unicode (lone surrogate)`,
            at || null,
          ),
          undefined,
        );
      }
      done(null, value);
    });
  });
}
