// Style for the test command: Biome's formatter check and linter over the files biome.jsonc
// names (src/, test/, bench/, scripts/, tools/). Fix the formatting with
// `npx biome format --write`; a lint finding is fixed or suppressed with a reason.
import { spawnSync } from 'node:child_process';

/** Runs `biome check` (format + lint, no writes) and returns the number of failures: 0 or 1. */
export function checkStyle() {
  const r = spawnSync('npx', ['biome', 'check', '--max-diagnostics=50'], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status === 0) return 0;
  console.log(
    'not ok - style: `npx biome check` found the problems above (`npx biome format --write` fixes formatting)',
  );
  return 1;
}
