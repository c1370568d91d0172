// Coverage of src/ for the whole test suite, with a floor that fails the run (the floors are in
// .c8rc.json; docs/development.md says how they were set). Node's own V8 coverage is collected
// (NODE_V8_COVERAGE) rather than tap's, because tap keeps only the files its test processes load on
// their main thread: the decode loop runs in worker_threads, which V8 covers in files of their own,
// and the servers that some tests spawn run dist/, which c8 maps back to src/ through the source maps.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A fresh folder for V8 to write coverage into; pass it to the test processes as NODE_V8_COVERAGE. */
export function coverageDir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'selar-coverage-'));
}

/** Prints the summary of src/'s coverage and returns the number of failures: 1 when under the floor. */
export function reportCoverage(dir) {
  const r = spawnSync('npx', ['c8', 'report', '--temp-directory', dir], { stdio: ['ignore', 'inherit', 'inherit'] });
  fs.rmSync(dir, { recursive: true, force: true });
  if (r.status === 0) return 0;
  console.log('not ok - coverage of src/ is under the floor in .c8rc.json (see the summary above)');
  return 1;
}
