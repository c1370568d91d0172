// The worker pool: admission, cancellation, fault isolation and start-up failures.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import t from 'tap';
import { llamaModel } from '../support/models.js';
import { llamaEngine } from '../support/engines.js';
import { request } from '../support/requests.js';
import { createEngine } from '../../src/engine/create-engine.js';
import { defaultParallelism } from '../../src/engine/parallelism.js';
import { ModelLoadError, SelarError } from '../../src/errors.js';
import type { Engine, GenerationEvent, GenerationRequest } from '../../src/engine/types.js';
import type { FromWorker } from '../../src/engine/protocol.js';

async function collect(engine: Engine, req: GenerationRequest, signal?: AbortSignal): Promise<GenerationEvent[]> {
  const out: GenerationEvent[] = [];
  for await (const e of engine.generate(req, signal)) out.push(e);
  return out;
}

const long = (id?: string) => request([1, 2, 3], { id, stop: { maxTokens: 200, ignoreEos: true } });

t.test('a full queue is refused with overloaded, and capacity returns', async (t) => {
  const { engine } = await llamaEngine(t, { maxSequencesPerWorker: 1, queueSize: 1 });
  const ctl = new AbortController();
  const first = collect(engine, long(), ctl.signal);
  const second = collect(engine, long(), ctl.signal); // waits in the queue
  t.same(engine.stats().queued, 1);
  t.throws(() => engine.generate(long()), { code: 'overloaded' });
  ctl.abort();
  await Promise.all([first, second]);
  t.same({ queued: engine.stats().queued, running: engine.stats().running }, { queued: 0, running: 0 });
  const ok = await collect(engine, request([1], { stop: { maxTokens: 3 } }));
  t.equal(ok.at(-1)!.type, 'finish');
});

t.test('aborting cancels within a step and frees the slot', async (t) => {
  const { engine } = await llamaEngine(t, { maxSequencesPerWorker: 1 });
  const ctl = new AbortController();
  let seen = 0;
  for await (const e of engine.generate(long(), ctl.signal)) {
    if (e.type === 'token' && ++seen === 3) ctl.abort();
  }
  t.ok(seen >= 3 && seen < 200, `stopped after ${seen} tokens`);
  t.equal(engine.stats().running, 0);
  const next = await collect(engine, request([4, 5], { stop: { maxTokens: 2 } }));
  t.equal(next.at(-1)!.type, 'finish', 'the slot serves the next request');
});

t.test('the worker itself stops decoding a cancelled sequence', async (t) => {
  // What the decode worker sends, seen before the pool routes (or drops) it.
  const fromWorker: FromWorker[] = [];
  const emit = Worker.prototype.emit;
  Worker.prototype.emit = function (this: Worker, name: string | symbol, ...args: unknown[]) {
    if (name === 'message') fromWorker.push(args[0] as FromWorker);
    return emit.call(this, name, ...args);
  };
  t.teardown(() => {
    Worker.prototype.emit = emit;
  });
  const { engine } = await llamaEngine(t, { maxSequencesPerWorker: 2 });
  // One cohort of two equal-length sequences; the first is cancelled after 3 tokens.
  const cancelled = long('cancelled');
  const kept = long('kept');
  const ctl = new AbortController();
  let seen = 0;
  const keptDone = collect(engine, kept);
  for await (const e of engine.generate(cancelled, ctl.signal)) {
    if (e.type === 'token' && ++seen === 3) ctl.abort();
  }
  t.equal((await keptDone).at(-1)!.type, 'finish', 'the other sequence finishes');
  const batches = fromWorker.flatMap((m) => (m.type === 'events' ? [m.batch] : []));
  const carries = (batch: (typeof batches)[number], id: string) => batch.some((b) => b.id === id);
  let last = -1;
  batches.forEach((b, i) => {
    if (carries(b, 'cancelled')) last = i;
  });
  const workerTokens = batches
    .flatMap((b) => b.filter((x) => x.id === 'cancelled'))
    .flatMap((x) => x.events)
    .filter((e) => e.type === 'token');
  t.ok(workerTokens.length < 200, `the worker produced ${workerTokens.length} of 200 tokens for it`);
  t.notOk(
    batches.some((b) => b.some((x) => x.id === 'cancelled' && x.events.some((e) => e.type === 'finish'))),
    'and never finished it',
  );
  const keptAfter = batches.slice(last + 1).filter((b) => carries(b, 'kept')).length;
  t.ok(keptAfter >= 200 - workerTokens.length - 1, `then decoded the other alone for ${keptAfter} passes`);
});

t.test('a worker that dies fails its requests, is replaced, and others keep working', async (t) => {
  const { engine } = await llamaEngine(t, {
    workers: 2,
    maxSequencesPerWorker: 1,
    faultInjection: { crashAfterSteps: 30 },
  });
  // Two long requests, one per worker: both workers reach 30 steps and crash.
  const results = await Promise.allSettled([collect(engine, long()), collect(engine, long())]);
  for (const r of results)
    t.ok(
      r.status === 'rejected' && r.reason instanceof SelarError && r.reason.code === 'worker_failed',
      'request failed with worker_failed',
    );
  // Replacements come up; short requests (under 30 steps) complete.
  for (let i = 0; i < 100 && engine.stats().readyWorkers < 2; i++) await new Promise((r) => setTimeout(r, 50));
  t.equal(engine.stats().readyWorkers, 2, 'both workers replaced');
  const ok = await collect(engine, request([7, 8], { stop: { maxTokens: 5 } }));
  t.equal(ok.at(-1)!.type, 'finish');
});

t.test('an exception in one sequence fails only that request', async (t) => {
  const { engine } = await llamaEngine(t, { maxSequencesPerWorker: 4, faultInjection: { throwAfterSteps: 1_000_000 } });
  // A prompt id outside the embedding table makes that sequence's prefill throw.
  const bad = request([1, 999_999], { stop: { maxTokens: 5 } });
  const good = request([1, 2], { stop: { maxTokens: 5 } });
  const [b, g] = await Promise.allSettled([collect(engine, bad), collect(engine, good)]);
  t.ok(b.status === 'rejected' && (b.reason as SelarError).code === 'worker_failed');
  t.ok(g.status === 'fulfilled' && g.value.at(-1)!.type === 'finish');
  t.equal(engine.stats().readyWorkers, 1, 'the worker survived');
});

t.test('model folders that cannot be served fail at start-up with the cause', async (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'selar-bad-'));
  t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));
  await t.rejects(createEngine({ modelDir: path.join(tmp, 'nope') }), ModelLoadError, 'missing folder');
  await t.rejects(createEngine({ modelDir: tmp }), { message: /unknown model layout/ });
  const src = await llamaModel();
  const copy = path.join(tmp, 'copy');
  fs.cpSync(src, copy, { recursive: true });
  fs.rmSync(path.join(copy, 'onnx', 'model.onnx'));
  await t.rejects(createEngine({ modelDir: copy }), { message: /model\.onnx/ });
  fs.cpSync(src, copy, { recursive: true });
  fs.rmSync(path.join(copy, 'tokenizer.json'));
  await t.rejects(createEngine({ modelDir: copy }), { message: /tokenizer\.json/ });
  fs.cpSync(src, copy, { recursive: true });
  await t.rejects(createEngine({ modelDir: copy, dtype: 'fp16' }), { message: /model_fp16\.onnx/ });
  const cfg = JSON.parse(fs.readFileSync(path.join(copy, 'config.json'), 'utf8'));
  fs.writeFileSync(path.join(copy, 'config.json'), JSON.stringify({ ...cfg, vocab_size: cfg.vocab_size + 7 }));
  await t.rejects(createEngine({ modelDir: copy }), { message: /vocab_size/ });
});

t.test('a tokenizer whose vocabulary does not fit the model is refused', async (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'selar-vocab-'));
  t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const big = await llamaModel({ vocab: 5000 });
  await t.rejects(createEngine({ modelDir: big }), { message: /tokenizer vocabulary .* does not match/ });
});

t.test('workers and threads per worker follow the model size unless configured', async (t) => {
  t.same(
    defaultParallelism(192, {}, 2),
    { workers: 2, threads: 1 },
    'small model on 2 cores: two single-thread workers',
  );
  t.same(defaultParallelism(192, {}, 8), { workers: 8, threads: 1 });
  t.same(defaultParallelism(1024, {}, 2), { workers: 1, threads: 2 }, 'large model on 2 cores: one worker, both cores');
  t.same(defaultParallelism(4096, {}, 16), { workers: 8, threads: 2 });
  t.same(
    defaultParallelism(1024, { workers: 4 }, 16),
    { workers: 4, threads: 4 },
    'threads share out the cores among configured workers',
  );
  t.same(
    defaultParallelism(192, { workers: 1, threadsPerWorker: 3 }, 2),
    { workers: 1, threads: 3 },
    'explicit values win',
  );
  t.same(defaultParallelism(4096, {}, 1), { workers: 1, threads: 1 }, 'never zero');
});
