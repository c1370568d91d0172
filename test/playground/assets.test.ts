// The allow-list must name every browser module and static file, or the page would
// load with a missing import; and nothing else.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { CLIENT_MODULES, PLAYGROUND_ASSETS, STATIC_FILES } from '../../src/playground/assets.js';

const src = path.resolve(import.meta.dirname, '../../src/playground');

t.test('every client module and static file is listed, and only those', async (t) => {
  const modules = fs
    .readdirSync(path.join(src, 'client'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
  t.same([...CLIENT_MODULES].sort(), modules);
  t.same([...STATIC_FILES].sort(), fs.readdirSync(path.join(src, 'static')).sort());
});

t.test('every file the page references is served', async (t) => {
  const html = fs.readFileSync(path.join(src, 'static/index.html'), 'utf8');
  const urls = new Set(PLAYGROUND_ASSETS.map((a) => a.url));
  const refs = [...html.matchAll(/(?:src|href)="(\/[^"]*)"/g)].map((m) => m[1]);
  t.ok(refs.length >= 2);
  for (const r of refs) t.ok(urls.has(r), `${r} is served`);
  // Module imports are relative ("./x.js") and resolve to /playground/client/x.js.
  for (const m of CLIENT_MODULES) {
    const code = fs.readFileSync(path.join(src, 'client', `${m}.ts`), 'utf8');
    for (const [, dep] of code.matchAll(/from '\.\/([\w-]+)\.js'/g))
      t.ok(urls.has(`/playground/client/${dep}.js`), `${m} → ${dep}`);
  }
});
