// Builds the playground's browser side into dist/playground exactly as `npm run build`
// does (tsc on src/playground/tsconfig.json, then the static copy), so a browser test
// run from the TypeScript sources serves what the package ships. The browser tests run
// in parallel processes: a build rewrites the files a page of another test may be
// loading, so builds take a lock and a build of the same sources happens once.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { copyStatic, staticSourceDir, builtPlaygroundDir } from '../../src/playground/copy-static.js';

const repo = path.resolve(import.meta.dirname, '../..');
const sources = path.join(repo, 'src/playground');

function sourceDigest(): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else hash.update(p).update(fs.readFileSync(p));
    }
  };
  walk(sources);
  return hash.digest('hex').slice(0, 16);
}

function build(): void {
  const tsc = path.join(repo, 'node_modules/typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', path.join(sources, 'tsconfig.json')], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`building the playground failed:\n${r.stdout}${r.stderr}`);
  copyStatic(staticSourceDir, builtPlaygroundDir);
}

export function buildPlayground(): string {
  fs.mkdirSync(builtPlaygroundDir, { recursive: true });
  const marker = path.join(builtPlaygroundDir, `.built-${sourceDigest()}`);
  const lock = path.join(builtPlaygroundDir, '.building');
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      // Another test process is building: wait for it (a lock older than 3 minutes is stale).
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 180_000 || Date.now() > deadline) fs.rmSync(lock, { recursive: true, force: true });
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    if (!fs.existsSync(marker)) {
      build();
      fs.writeFileSync(marker, '');
    }
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
  return builtPlaygroundDir;
}
