// The test command's counting: leaves from tap's parsed TAP stream, file-level skips
// and crashes counted once, and the totals checked against tap's own summary.
import t from 'tap';
import { countTap, summaryLine } from '../../scripts/tap-counts.mjs';

const stream = (body: string, summary: string) => `TAP version 14\n${body}# ${summary}\n# time=10ms\n`;

// What `tap --reporter=tap` printed for a file with a failing assertion between passing ones.
const failingThenPassing = `1..1
# Subtest: a.test.ts
    # Subtest: group
        ok 1 - one
        not ok 2 - two fails
          ---
          at:
            fileName: a.test.ts
            lineNumber: 2
          source: >
            t.ok(false, 'two fails');
          ...
        
        ok 3 - three
        ok 4 - skipped one # SKIP
        ok 5 - todo one # TODO
        1..5
    not ok 1 - group # time=197.496ms
      ---
      at:
        fileName: a.test.ts
      ...
    
    ok 2 - top-level leaf
    1..2
not ok 1 - a.test.ts # time=214.094ms
  ---
  exitCode: 1
  ...

`;

t.test('the result after a failing assertion and its YAML block is counted', async (t) => {
  const c = countTap(stream(failingThenPassing, '{ total: 6, pass: 3, fail: 1, todo: 1, skip: 1 }'));
  t.same(c, { passed: 3, failed: 1, skipped: 2, problems: [] });
  t.equal(summaryLine(c), '3 passed, 1 failed, 2 skipped');
});

t.test('a file skipped as a whole shows in the skipped figure', async (t) => {
  const body = `1..2
# Subtest: nginx.test.ts
    1..0 # nginx not found
    # time=13.726ms
ok 1 - nginx.test.ts # SKIP nginx not found

# Subtest: c.test.ts
    ok 1 - skipped whole # SKIP no chromium
    # Subtest: nested
        # Subtest: inner
            ok 1 - deep
            1..1
        ok 1 - inner # time=5.048ms
        
        ok 2 - after
        1..2
    ok 2 - nested # time=12.099ms
    
    1..2
ok 2 - c.test.ts # time=29.94ms

`;
  const c = countTap(stream(body, '{ total: 4, pass: 2, skip: 2 }'));
  t.same(c, { passed: 2, failed: 0, skipped: 2, problems: [] });
  t.equal(summaryLine(c), '2 passed, 0 failed, 2 skipped');
  t.equal(summaryLine({ passed: 2, failed: 0, skipped: 0 }), '2 passed, 0 failed', 'no skipped figure when none');
});

t.test('a file that crashed before any assertion counts as one failure', async (t) => {
  const body = `1..1
# Subtest: broken.test.ts
    1..0 # no tests found
not ok 1 - broken.test.ts # time=3793.108ms
  ---
  exitCode: 1
  ...

`;
  t.same(countTap(stream(body, '{ total: 1, pass: 0, fail: 1 }')), { passed: 0, failed: 1, skipped: 0, problems: [] });
});

t.test("a subtest whose closing name differs from its '# Subtest:' line is not a leaf", async (t) => {
  // tap's summary counts such a closing point as one more result (here an escaped backslash).
  const body = String.raw`1..1
# Subtest: extract.test.ts
    # Subtest: \\boxed{N} comes next
        ok 1 - should be equal
        ok 2 - should be equal
        1..2
    ok 1 - \\boxed{N} comes next # time=3.7ms

    1..1
ok 1 - extract.test.ts # time=20ms

`;
  t.same(countTap(stream(body, '{ total: 3, pass: 3 }')), { passed: 2, failed: 0, skipped: 0, problems: [] });
  t.same(countTap(stream(body, '{ total: 2, pass: 2 }')).problems, [
    "passed: counted 3, tap's summary says 2",
    "total: counted 3, tap's summary says 2",
  ]);
});

t.test('counts that disagree with tap, or a stream without its summary, are reported', async (t) => {
  const c = countTap(stream(failingThenPassing, '{ total: 7, pass: 4, fail: 1, todo: 1, skip: 1 }'));
  t.same(c.problems, ["passed: counted 3, tap's summary says 4", "total: counted 6, tap's summary says 7"]);
  const cut = countTap(`TAP version 14\n${failingThenPassing}`);
  t.same(cut.problems, ["tap's closing summary is missing"]);
  const bailed = countTap('TAP version 14\n1..2\nok 1 - fine\nBail out! worker died\n');
  t.ok(
    bailed.problems.some((p) => p.startsWith('bailed out')),
    bailed.problems.join('; '),
  );
});
