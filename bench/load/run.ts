// `npx tsx bench/load/run.ts [--clients 64] [--requests 400] [--disconnect-share 0.2]
//  [--max-tokens 16] [--budget-s 240] [--workers 1] [--queue-size 32] [--seed 1] [--out bench/load]`
// Runs the load test and writes results.json and results.md. Exits 1 when a request
// was lost, failed, malformed, or differed from its solo answer, or a slot leaked.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULTS, runLoad, type LoadOptions } from './load.js';
import { markdown } from './report.js';

const flag = (k: string) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const { values } = parseArgs({
  options: {
    ...Object.fromEntries(Object.keys(DEFAULTS).map((k) => [flag(k), { type: 'string' as const }])),
    out: { type: 'string' },
  },
  strict: true,
});
const opts = { ...DEFAULTS } as LoadOptions;
for (const k of Object.keys(DEFAULTS) as Array<keyof LoadOptions>) {
  const v = (values as Record<string, string | undefined>)[flag(k)];
  if (v === undefined) continue;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${flag(k)}: expected a non-negative number, got ${v}`);
  opts[k] = n;
}
const out = path.resolve(String(values.out ?? path.join(import.meta.dirname)));
const results = await runLoad(opts, (line) => process.stderr.write(`${line}\n`));
fs.mkdirSync(out, { recursive: true });
fs.writeFileSync(path.join(out, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
fs.writeFileSync(path.join(out, 'results.md'), markdown(results));
process.stdout.write(markdown(results));
const bad =
  results.lost + results.failed + results.malformed + results.greedyMismatches + results.seededMismatches > 0 ||
  results.slotsAfter.running !== 0 ||
  results.slotsAfter.queued !== 0;
process.exitCode = bad ? 1 : 0;
