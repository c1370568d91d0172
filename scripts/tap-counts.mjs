// Counts a tap run from its TAP stream, parsed by tap-parser (tap's own parser), not
// by matching lines: a failing assertion's YAML block or a skipped file's bare plan
// cannot hide the result next to it. Only leaves count (an assertion, or a skipped or
// crashed test with no assertions of its own); a subtest's closing point is checked
// against its children instead. The totals are then checked against the summary
// comment tap's runner prints at the end. (That summary also counts a closing point
// whose name differs from its "# Subtest:" line, as an escaped backslash makes it:
// those points are known from the parser and allowed for, nothing else is.)
import { Parser } from 'tap-parser';

/**
 * @typedef {{ passed: number, failed: number, skipped: number }} Tally
 * @typedef {Tally & { problems: string[] }} Counts
 */

const kindOf = (res) => (res.skip || res.todo ? 'skipped' : res.ok ? 'passed' : 'failed');

/** Leaf counts of one (sub)test, filled as its parser emits results; `counted` collects the results counted. */
function tallyOf(parser, counted) {
  /** @type {Tally} */
  const tally = { passed: 0, failed: 0, skipped: 0 };
  /** @type {Map<object, Tally>} subtests not yet closed → their tallies */
  const open = new Map();
  parser.on('child', (child) => open.set(child, tallyOf(child, counted)));
  parser.on('assert', (res) => {
    // tap-parser hands a subtest its closing test point before emitting that point.
    let inner = null;
    for (const [child, childTally] of open) {
      if (child.closingTestPoint !== res) continue;
      inner = childTally;
      open.delete(child);
      break;
    }
    const directive = Boolean(res.skip || res.todo);
    if (inner === null) {
      tally[kindOf(res)]++;
      counted.add(res);
      return;
    }
    tally.passed += inner.passed;
    tally.failed += inner.failed;
    tally.skipped += inner.skipped;
    const leaves = inner.passed + inner.failed + inner.skipped;
    // A whole file or subtest skipped (t.plan(0, why), { skip }) has no leaves: it is one skip.
    // A subtest that failed with no failing assertion (a crash, a timeout, a plan mismatch) is one failure.
    if ((directive && leaves === 0) || (!directive && !res.ok && inner.failed === 0)) {
      tally[kindOf(res)]++;
      counted.add(res);
    }
  });
  return tally;
}

/** The `# { total: N, pass: N, fail: N, … }` comment tap's runner ends with, parsed. */
function runnerSummary(comment) {
  const m = /^#\s*\{(.*)\}\s*$/.exec(comment.trim());
  if (!m) return null;
  const fields = {};
  for (const part of m[1].split(',')) {
    const kv = /^\s*(\w+):\s*(\d+)\s*$/.exec(part);
    if (!kv) return null;
    fields[kv[1]] = Number(kv[2]);
  }
  return 'total' in fields ? fields : null;
}

/**
 * Counts the leaves of a TAP stream and cross-checks them.
 * @param {string} text the TAP stream of `tap --reporter=tap`
 * @returns {Counts} problems: why the counts cannot be trusted (each one makes the run fail)
 */
export function countTap(text) {
  const parser = new Parser();
  const counted = new Set();
  const tally = tallyOf(parser, counted);
  /** @type {Tally} closing points tap's summary counts and this count does not */
  const surfaced = { passed: 0, failed: 0, skipped: 0 };
  // The root parser surfaces each result it counts, after the 'assert' handlers above ran.
  parser.on('result', (res) => {
    if (!counted.has(res) && res.closingTestPoint) surfaced[kindOf(res)]++;
  });
  let summary = null;
  parser.on('comment', (c) => {
    summary = runnerSummary(c) ?? summary;
  });
  let final = null;
  parser.on('complete', (results) => {
    final = results;
  });
  parser.end(text);
  const problems = [];
  if (final === null) problems.push('the TAP stream did not complete');
  else {
    if (final.bailout) problems.push(`bailed out: ${final.bailout}`);
    if (!final.ok && tally.failed === 0) problems.push('tap reported a failure that no test result shows');
  }
  if (summary === null) problems.push("tap's closing summary is missing");
  else {
    const theirs = {
      passed: summary.pass ?? 0,
      failed: summary.fail ?? 0,
      skipped: (summary.skip ?? 0) + (summary.todo ?? 0),
      total: summary.total,
    };
    const ours = {
      passed: tally.passed + surfaced.passed,
      failed: tally.failed + surfaced.failed,
      skipped: tally.skipped + surfaced.skipped,
      total: 0,
    };
    ours.total = ours.passed + ours.failed + ours.skipped;
    for (const k of /** @type {const} */ (['passed', 'failed', 'skipped', 'total'])) {
      if (theirs[k] !== ours[k]) problems.push(`${k}: counted ${ours[k]}, tap's summary says ${theirs[k]}`);
    }
  }
  return { ...tally, problems };
}

/** The summary line the README promises: `N passed, N failed`, plus skipped when any. */
export function summaryLine({ passed, failed, skipped }) {
  return `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
}
