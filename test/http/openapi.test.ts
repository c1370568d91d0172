// The committed openapi/openapi.json is exactly what the server serves; regenerate
// with `npx tsx scripts/gen-openapi.ts` when a schema changes.
import fs from 'node:fs';
import t from 'tap';
import { OPENAPI_FILE, openapiDocument } from '../../scripts/gen-openapi.js';
import { testApp } from './helpers.js';

t.test('committed document is up to date', async (t) => {
  const committed = fs.readFileSync(OPENAPI_FILE, 'utf8');
  t.equal(committed, await openapiDocument(), 'openapi/openapi.json is stale: run npx tsx scripts/gen-openapi.ts');
});

t.test('served document and Swagger UI', async (t) => {
  const { app } = await testApp(t, { argv: ['--api-keys', 'k', '--cors-origins', '*'] });
  const served = await app.inject({ url: '/openapi.json' });
  t.equal(served.statusCode, 200);
  t.same(
    served.json(),
    JSON.parse(fs.readFileSync(OPENAPI_FILE, 'utf8')),
    'configuration does not change the document',
  );
  const doc = served.json();
  t.equal(doc.openapi, '3.1.0');
  t.same(Object.keys(doc.paths).sort(), [
    '/detokenize',
    '/health',
    '/metrics',
    '/ready',
    '/tokenize',
    '/v1/chat/completions',
    '/v1/completions',
    '/v1/models',
    '/v1/models/{id}',
    '/v1/responses',
    '/v1/responses/{id}',
    '/v1/responses/{id}/input_items',
    '/version',
  ]);
  const chatBody = doc.paths['/v1/chat/completions'].post.requestBody.content['application/json'].schema;
  t.equal(chatBody.additionalProperties, false);
  t.ok(chatBody.properties.selar, 'the selar extension is documented');
  t.ok(doc.paths['/v1/chat/completions'].post.responses['200'].content['text/event-stream'], 'streams are documented');
  const ui = await app.inject({ url: '/docs/' });
  t.equal(ui.statusCode, 200);
  t.match(ui.headers['content-type'], /text\/html/);
});
