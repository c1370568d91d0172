// Memory stays flat with real decode workers too (bounded runs on the tiny generated
// Llama). Over HTTP against a worker pool: the main thread's heap and ArrayBuffers with
// real engine events, and the process's RSS (which holds the worker's heap and
// onnxruntime's allocations, but loosely). The decode loop itself, run in the measuring
// thread: its heap and ArrayBuffers (scheduler, sequences, KV caches, ORT tensors).
import t from 'tap';
import { growth, mb, measureIn, type MemorySample } from './memory-measure.js';

const show = (samples: MemorySample[]) =>
  samples
    .map((s) => `${s.requests}: heap ${mb(s.heapUsed)}, buffers ${mb(s.arrayBuffers)}, rss ${mb(s.rss)} MB`)
    .join('; ');

t.test('over HTTP with a real worker pool: flat across 1500 requests', async (t) => {
  const { samples, running, generated } = await measureIn('memory-child.ts', ['real', '1500', '250'], 200_000);
  t.comment(show(samples));
  t.equal(running, 0, 'no generation left running');
  t.ok(generated > 800, `${generated} generations answered by the worker`);
  // After 500 warm-up requests, 1000 more: keeping one request's reply or an event batch (≥ 2 KB) would exceed 2 MB.
  const heap = growth(samples, 500, 'heapUsed');
  t.ok(heap < 2 * 2 ** 20, `main-thread heap grew ${mb(heap)} MB over the last 1000 requests (bound 2 MB)`);
  const buffers = growth(samples, 500, 'arrayBuffers');
  t.ok(buffers < 2 * 2 ** 20, `ArrayBuffers grew ${mb(buffers)} MB (bound 2 MB)`);
  // RSS moves by ~10 MB on its own (allocator arenas): this bound catches only gross leaks
  // (≥ 48 KB kept per request) in the worker; the decode loop's own test below is the fine one.
  const rss = growth(samples, 500, 'rss');
  t.ok(rss < 48 * 2 ** 20, `RSS grew ${mb(rss)} MB (bound 48 MB)`);
});

t.test('the decode loop itself: flat across 1500 sequences, a fifth of them cancelled', async (t) => {
  const { samples, running, generated } = await measureIn('memory-decode-child.ts', ['1500', '250'], 200_000);
  t.comment(show(samples));
  t.equal(running, 0, 'the scheduler holds no sequence');
  t.equal(generated, 1500, 'every sequence finished or was cancelled');
  // Keeping each finished sequence (≈ 2.4 KB of heap and 2 KB of buffers, measured by
  // making the scheduler keep them) or its KV cache (≥ 8 KB) would exceed these bounds.
  const heap = growth(samples, 500, 'heapUsed');
  t.ok(heap < 1.5 * 2 ** 20, `heap grew ${mb(heap)} MB over the last 1000 sequences (bound 1.5 MB)`);
  const buffers = growth(samples, 500, 'arrayBuffers');
  t.ok(buffers < 1 * 2 ** 20, `ArrayBuffers grew ${mb(buffers)} MB (bound 1 MB)`);
});
