// Command-line options of `npm run bench` (kept apart from run.ts so they can be tested).
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { ModelRole } from './models.js';
import { SYSTEMS, type BenchOptions, type SystemId } from './plan.js';

export const USAGE = `usage: npm run bench -- [--quick] [--models demo,large] [--concurrency 1,4,16]
       [--systems ${SYSTEMS.join(',')}] [--tokens N] [--repeats N] [--workers N] [--threads N]
       [--no-profile] [--merge] [--render] [--out DIR]
  --merge keeps the models of an existing results.json that this run does not measure
  --render measures nothing: re-checks the targets and rewrites results.md from results.json`;

function list(value: string | undefined, name: string): string[] | undefined {
  if (value === undefined) return undefined;
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (items.length === 0) throw new Error(`--${name} needs at least one value`);
  return items;
}

function positive(value: string | undefined, name: string): number | null {
  if (value === undefined) return null;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`--${name} must be a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      quick: { type: 'boolean' },
      models: { type: 'string' },
      concurrency: { type: 'string' },
      systems: { type: 'string' },
      tokens: { type: 'string' },
      repeats: { type: 'string' },
      workers: { type: 'string' },
      threads: { type: 'string' },
      'no-profile': { type: 'boolean' },
      merge: { type: 'boolean' },
      render: { type: 'boolean' },
      out: { type: 'string' },
    },
  });
  const models = (list(values.models, 'models') ?? ['demo', 'large']) as ModelRole[];
  for (const m of models)
    if (m !== 'demo' && m !== 'large') throw new Error(`--models: unknown model "${m}" (demo, large)`);
  const systems = (list(values.systems, 'systems') ?? [...SYSTEMS]) as SystemId[];
  for (const s of systems)
    if (!SYSTEMS.includes(s)) throw new Error(`--systems: unknown system "${s}" (${SYSTEMS.join(', ')})`);
  const concurrency = (list(values.concurrency, 'concurrency') ?? (values.quick ? ['1', '4'] : ['1', '4', '16'])).map(
    (c) => positive(c, 'concurrency')!,
  );
  return {
    models: [...new Set(models)],
    concurrency: [...new Set(concurrency)].sort((a, b) => a - b),
    systems: [...new Set(systems)],
    tokens: positive(values.tokens, 'tokens'),
    repeats: positive(values.repeats, 'repeats'),
    workers: positive(values.workers, 'workers'),
    threads: positive(values.threads, 'threads'),
    quick: values.quick ?? false,
    profile: !(values['no-profile'] ?? false),
    merge: values.merge ?? false,
    render: values.render ?? false,
    outDir: path.resolve(values.out ?? path.join(import.meta.dirname)),
  };
}
