// Build step: copies the playground's hand-written files (HTML, CSS) next to its
// compiled modules, so dist/playground holds everything the plugin serves.
// Run after both tsc passes: node dist/playground/copy-static.js
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { STATIC_FILES } from './assets.js';

/** `sourceDir` is src/playground/static; `builtDir` is dist/playground. */
export function copyStatic(sourceDir: string, builtDir: string): void {
  const out = path.join(builtDir, 'static');
  mkdirSync(out, { recursive: true });
  for (const f of STATIC_FILES) copyFileSync(path.join(sourceDir, f), path.join(out, f));
}

const here = path.dirname(fileURLToPath(import.meta.url));
const fromSource = import.meta.url.endsWith('.ts');
/** Where the sources and the build live, seen from this file (src/playground or dist/playground). */
export const staticSourceDir = path.resolve(here, fromSource ? 'static' : '../../src/playground/static');
export const builtPlaygroundDir = path.resolve(here, fromSource ? '../../dist/playground' : '.');

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  copyStatic(staticSourceDir, builtPlaygroundDir);
}
