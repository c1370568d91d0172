// Memory across thousands of short requests must stay flat: heapUsed after a full GC,
// measured in a child process with --expose-gc so the test runner's own heap does
// not blur the figure. The HTTP layer alone, on the fake engine; memory-real.test.ts
// does the same with real decode workers.
import t from 'tap';
import { growth, mb, measureIn } from './memory-measure.js';

t.test('heap does not grow across 4000 short requests (JSON, streams, abandoned streams, 400s)', async (t) => {
  // ~45 s alone, twice that in a loaded full run
  const { samples, running, generated } = await measureIn('memory-child.ts', ['fake', '4000', '500'], 240_000);
  t.comment(samples.map((s) => `${s.requests}: ${mb(s.heapUsed)} MB`).join(', '));
  t.equal(running, 0, 'no generation left running');
  t.ok(generated > 2000, `${generated} generations answered`);
  // The first 1000 requests warm up (JIT, pools, caches); growth is measured after them.
  // 3000 requests: a leak of one request object, reply or stream closure (≥ 1.5 KB each) would exceed 4.5 MB.
  const grew = growth(samples, 1000, 'heapUsed');
  t.ok(grew < 4 * 2 ** 20, `heap grew ${mb(grew)} MB over the last 3000 requests (bound 4 MB)`);
});
