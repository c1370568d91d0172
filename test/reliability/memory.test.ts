// Memory across thousands of short requests must stay flat: heapUsed after a full GC,
// measured in a child process with --expose-gc so the test runner's own heap does
// not blur the figure.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';

const run = promisify(execFile);

t.test('heap does not grow across 4000 short requests (JSON, streams, abandoned streams, 400s)', async (t) => {
  const child = path.join(import.meta.dirname, 'memory-child.ts');
  const { stdout } = await run(process.execPath, ['--expose-gc', '--import', 'tsx', child, '4000', '500'], { timeout: 90_000, maxBuffer: 1 << 20 });
  const { samples, running, requests } = JSON.parse(stdout.trim().split('\n').at(-1)!) as { samples: Array<{ requests: number; heapUsed: number }>; running: number; requests: number };
  const mb = (b: number) => (b / 2 ** 20).toFixed(2);
  t.comment(samples.map((s) => `${s.requests}: ${mb(s.heapUsed)} MB`).join(', '));
  t.equal(running, 0, 'no generation left running');
  t.ok(requests > 2000, `${requests} generations reached the engine`);
  // The first 1000 requests warm up (JIT, pools, caches); growth is measured after them.
  const base = samples.find((s) => s.requests === 1000)!.heapUsed;
  const end = samples.at(-1)!.heapUsed;
  // 3000 requests: a leak of one request object, reply or stream closure (≥ 1.5 KB each) would exceed 4.5 MB.
  t.ok(end - base < 4 * 2 ** 20, `heap grew ${mb(end - base)} MB over the last 3000 requests (bound 4 MB)`);
});
