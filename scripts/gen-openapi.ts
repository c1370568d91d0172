// Writes openapi/openapi.json: the document the server serves at /openapi.json. It is
// generated from the route schemas alone, so any engine will do; the fake one avoids
// loading a model. Run: npx tsx scripts/gen-openapi.ts   (test/http/openapi.test.ts fails when stale)
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { FakeEngine } from '../test/support/fake-engine.js';
import { tinyTokenizer } from '../test/support/tiny-tokenizer.js';

export const OPENAPI_FILE = fileURLToPath(new URL('../openapi/openapi.json', import.meta.url));

export async function openapiDocument(): Promise<string> {
  const app = await buildApp({
    config: loadConfig(['--model', 'any'], {}),
    engine: new FakeEngine(),
    tokenizer: tinyTokenizer(),
  });
  await app.ready();
  const text = `${JSON.stringify(app.swagger(), null, 2)}\n`;
  await app.close();
  return text;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  fs.writeFileSync(OPENAPI_FILE, await openapiDocument());
  process.stdout.write(`wrote ${OPENAPI_FILE}\n`);
}
