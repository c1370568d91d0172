// Builds the playground's browser side into dist/playground exactly as `npm run build`
// does (tsc on src/playground/tsconfig.json, then the static copy), so a browser test
// run from the TypeScript sources serves what the package ships.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { copyStatic, staticSourceDir, builtPlaygroundDir } from '../../src/playground/copy-static.js';

const repo = path.resolve(import.meta.dirname, '../..');

export function buildPlayground(): string {
  const tsc = path.join(repo, 'node_modules/typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', path.join(repo, 'src/playground/tsconfig.json')], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`building the playground failed:\n${r.stdout}${r.stderr}`);
  copyStatic(staticSourceDir, builtPlaygroundDir);
  return builtPlaygroundDir;
}
