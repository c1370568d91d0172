#!/usr/bin/env node
// The whole test suite, as the README and CI run it: build (which type-checks the
// sources), a type check of the tests, benchmark and tools, tap, then one plain
// summary line ("N passed, N failed") so a run that executed nothing is visible.
import { spawnSync } from 'node:child_process';
import { coverageDir, reportCoverage } from './coverage.mjs';

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
// Count leaf assertions from the TAP stream. A result line is a subtest's summary
// when the line before it is indented deeper (its nested block); only leaves count.
let passed = 0;
let failed = 0;
let skipped = 0;
let prevIndent = 0;
for (const line of (tap.stdout ?? '').split('\n')) {
  if (line.trim() === '') continue;
  const indent = line.length - line.trimStart().length;
  const m = /^\s*(not ok|ok) \d+/.exec(line);
  const isSummary = m !== null && prevIndent > indent;
  prevIndent = indent;
  if (!m || isSummary) continue;
  if (/# (SKIP|TODO)/i.test(line)) skipped++;
  else if (m[1] === 'ok') passed++;
  else failed++;
}
if (tap.status !== 0 && failed === 0) failed = 1;
if (coverage) failed += reportCoverage(coverage);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(tap.status === 0 && failed === 0 && passed > 0 ? 0 : 1);
