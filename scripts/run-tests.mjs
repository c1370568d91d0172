#!/usr/bin/env node
// The whole test suite, as the README and CI run it: build (which type-checks the
// sources), a type check of the tests, benchmark and tools, tap, then one plain
// summary line ("N passed, N failed", counted by tap-counts.mjs) so a run that
// executed nothing is visible.
import { spawnSync } from 'node:child_process';
import { coverageDir, reportCoverage } from './coverage.mjs';
import { countTap, summaryLine } from './tap-counts.mjs';

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', ...opts });
  return r;
}

const build = spawnSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
if (build.status !== 0) {
  console.log('0 passed, 1 failed');
  process.exit(1);
}
// tap runs the tests untyped; the tests, benchmark and tools are type-checked here.
const typecheck = spawnSync('npx', ['tsc', '-p', 'tsconfig.test.json'], { stdio: 'inherit' });
if (typecheck.status !== 0) {
  console.log('0 passed, 1 failed');
  process.exit(1);
}

// Coverage is measured on whole-suite runs only: a run of a few files would fall under the floor.
const coverage = process.argv.length > 2 ? null : coverageDir();
const env = coverage ? { ...process.env, NODE_V8_COVERAGE: coverage } : process.env;
const tap = run('npx', ['tap', '--reporter=tap', ...process.argv.slice(2)], { maxBuffer: 1 << 30, env });
process.stdout.write(tap.stdout ?? '');
const counts = countTap(tap.stdout ?? '');
for (const problem of counts.problems) console.log(`# test counts: ${problem}`);
if (counts.problems.length > 0 || (tap.status !== 0 && counts.failed === 0)) counts.failed = Math.max(counts.failed, 1);
if (coverage) counts.failed += reportCoverage(coverage);
console.log(summaryLine(counts));
process.exit(tap.status === 0 && counts.failed === 0 && counts.passed > 0 ? 0 : 1);
