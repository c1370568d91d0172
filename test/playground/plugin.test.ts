// The playground plugin: the page and its allow-listed files with their content types
// and headers, the redirect from /, and nothing else from the file system.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import t, { type Test } from 'tap';
import { PLAYGROUND_ASSETS } from '../../src/playground/assets.js';
import playground from '../../src/playground/plugin.js';

function fakeBuild(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'selar-playground-plugin-'));
  for (const a of PLAYGROUND_ASSETS) {
    fs.mkdirSync(path.dirname(path.join(root, a.file)), { recursive: true });
    fs.writeFileSync(path.join(root, a.file), `contents of ${a.file}`);
  }
  // A secret beside the build: no request may reach it.
  fs.writeFileSync(path.join(root, 'secret.txt'), 'SECRET-CONTENTS');
  fs.writeFileSync(path.join(root, 'client', 'extra.js'), 'UNLISTED-CONTENTS');
  return root;
}

async function app(t: Test, root: string) {
  const a = Fastify();
  await a.register(playground, { root });
  t.teardown(() => a.close());
  return a;
}

t.test('serves every allow-listed file with its content type and security headers', async (t) => {
  const root = fakeBuild();
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const a = await app(t, root);
  for (const asset of PLAYGROUND_ASSETS) {
    const res = await a.inject({ method: 'GET', url: asset.url });
    t.equal(res.statusCode, 200, asset.url);
    t.equal(res.headers['content-type'], asset.contentType, `${asset.url} content type`);
    t.equal(res.body, `contents of ${asset.file}`);
    t.match(res.headers['content-security-policy'], /default-src 'none'; script-src 'self'/);
    t.equal(res.headers['x-content-type-options'], 'nosniff');
  }
  const page = await a.inject({ method: 'GET', url: '/playground' });
  t.match(page.headers['content-type'], /^text\/html/);
  const head = await a.inject({ method: 'HEAD', url: '/playground/playground.css' });
  t.equal(head.statusCode, 200, 'HEAD works too');
});

t.test('GET / redirects to the page', async (t) => {
  const a = await app(t, fakeBuild());
  const res = await a.inject({ method: 'GET', url: '/' });
  t.equal(res.statusCode, 302);
  t.equal(res.headers.location, '/playground');
});

t.test('nothing outside the list is served, however the path is spelled', async (t) => {
  const a = await app(t, fakeBuild());
  for (const url of [
    '/playground/secret.txt',
    '/playground/../secret.txt',
    '/playground/%2e%2e/secret.txt',
    '/playground/client/..%2fsecret.txt',
    '/playground/client/extra.js',
    '/playground/client/main.ts',
    '/playground/static/index.html',
    '/playground/client/',
    '/secret.txt',
  ]) {
    const res = await a.inject({ method: 'GET', url });
    t.equal(res.statusCode, 404, url);
    t.notMatch(res.body, /SECRET-CONTENTS|UNLISTED-CONTENTS/, `${url} leaks nothing`);
  }
});

t.test('an unbuilt playground answers 404 saying how to build it', async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'selar-playground-empty-'));
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const a = await app(t, root);
  const res = await a.inject({ method: 'GET', url: '/playground' });
  t.equal(res.statusCode, 404);
  t.match(res.body, /npm run build/);
});
