// Decode workers that die or throw mid-generation, on the real tiny model: the
// affected request ends with an error (JSON, or an SSE error frame then [DONE]), a dead
// worker is replaced while /ready reports the lost capacity, and requests on other
// workers finish with exactly their solo answers.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import type { FastifyInstance } from 'fastify';
import { llamaModel } from '../support/models.js';
import { expectOpenAIError, poll, realApp, REAL_MODEL_ID } from './support.js';

const LONG = { model: REAL_MODEL_ID, prompt: [1, 2, 3], max_tokens: 250, ignore_eos: true, temperature: 0 };
const SHORT = { model: REAL_MODEL_ID, prompt: [5, 6, 7], max_tokens: 6, ignore_eos: true, temperature: 0 };

const complete = (app: FastifyInstance, body: object) =>
  app.inject({ method: 'POST', url: '/v1/completions', payload: body });

/** The data frames of an SSE body, parsed; '[DONE]' stays a string. */
function frames(body: string): unknown[] {
  return body
    .split('\n\n')
    .filter((f) => f.startsWith('data: '))
    .map((f) => (f === 'data: [DONE]' ? '[DONE]' : JSON.parse(f.slice(6))));
}

function expectStreamFailure(t: Test, body: string, label: string): void {
  const fs = frames(body) as any[];
  t.equal(fs.at(-1), '[DONE]', `${label}: ends with [DONE]`);
  const err = fs.at(-2)?.error;
  t.same(
    err && { type: err.type, code: err.code, param: err.param },
    { type: 'server_error', code: 'worker_failed', param: null },
    `${label}: error frame before [DONE]`,
  );
  t.ok(
    fs.slice(0, -2).every((f) => Array.isArray(f.choices)) && fs.length > 3,
    `${label}: tokens streamed before the failure (${fs.length - 2} chunks)`,
  );
  t.notMatch(body, /\/work|node_modules|\n\s+at /, `${label}: nothing internal in the stream`);
}

t.test(
  'a worker that dies mid-generation: its requests fail, others finish, it is replaced and /ready shows it',
  async (t) => {
    const { app, engine } = await realApp(t, {
      engine: { workers: 2, maxSequencesPerWorker: 1, faultInjection: { crashAfterSteps: 40 } },
    });
    const solo = (await complete(app, SHORT)).json().choices[0].text as string; // 7 steps on worker 0
    t.equal((await app.inject({ url: '/ready' })).statusCode, 200);

    // The long stream lands on worker 0 and kills it at step 40; the short one runs on worker 1.
    const [stream, other] = await Promise.all([complete(app, { ...LONG, stream: true }), complete(app, SHORT)]);
    t.equal(stream.statusCode, 200);
    expectStreamFailure(t, stream.body, 'stream');
    t.equal(other.statusCode, 200, 'the request on the healthy worker succeeds');
    t.equal(other.json().choices[0].text, solo, 'and equals its solo answer');

    // The replacement is still loading: readiness reports the lost capacity.
    t.ok(engine.stats().readyWorkers < 2, 'a worker is down');
    const down = await app.inject({ url: '/ready' });
    t.equal(down.statusCode, 503, `/ready is 503 while a worker is being replaced (${down.body})`);
    t.ok(await poll(() => engine.stats().readyWorkers === 2, 20_000), 'the worker is replaced');
    t.equal((await app.inject({ url: '/ready' })).statusCode, 200, '/ready is 200 again');

    // Non-streaming: a JSON 500 in OpenAI shape.
    const plain = await complete(app, LONG);
    expectOpenAIError(t, plain, { status: 500, code: 'worker_failed' }, 'non-streaming crash');
    t.ok(await poll(() => engine.stats().readyWorkers === 2, 20_000), 'replaced again');
    t.same([engine.stats().running, engine.stats().queued], [0, 0], 'no slot is held by the dead worker');
    t.equal((await complete(app, SHORT)).json().choices[0].text, solo, 'service continues with the same answers');
    t.match((await app.inject({ url: '/metrics' })).body, /selar_errors_total\{code="worker_failed"\} 2/);
  },
);

t.test('a worker that throws mid-generation: the request fails, the worker and other requests carry on', async (t) => {
  const { app, engine } = await realApp(t, {
    engine: { workers: 2, maxSequencesPerWorker: 1, faultInjection: { throwAfterSteps: 30 } },
  });
  const solo = (await complete(app, { ...SHORT, n: 1 })).json().choices[0].text as string;
  const [stream, other] = await Promise.all([complete(app, { ...LONG, stream: true }), complete(app, SHORT)]);
  expectStreamFailure(t, stream.body, 'stream');
  t.equal(other.json().choices[0].text, solo, 'the concurrent request on the other worker is unaffected');
  t.equal(engine.stats().readyWorkers, 2, 'a thrown exception does not kill the worker');
  t.same([engine.stats().running, engine.stats().queued], [0, 0], 'no slot leaked');
  // Worker 0 now throws on every step (the injected fault is permanent): each request it gets fails cleanly.
  const again = await complete(app, { ...SHORT, max_tokens: 3 });
  t.ok(again.statusCode === 200 || again.statusCode === 500, `either worker may take it (${again.statusCode})`);
  if (again.statusCode === 500)
    expectOpenAIError(t, again, { status: 500, code: 'worker_failed' }, 'request on the faulty worker');
});

t.test('a dead worker whose replacement cannot load: requests fail fast instead of waiting forever', async (t) => {
  // The model folder disappears after start-up, so the replacement worker fails to load.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'selar-vanishing-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.cpSync(await llamaModel(), dir, { recursive: true });
  const { app, engine } = await realApp(t, {
    engine: { modelDir: dir, workers: 1, faultInjection: { crashAfterSteps: 5 } },
    argv: ['--deadline-ms', '5000'],
  });
  fs.rmSync(dir, { recursive: true, force: true });
  expectOpenAIError(
    t,
    await complete(app, LONG),
    { status: 500, code: 'worker_failed' },
    'the request on the dying worker',
  );
  t.ok(
    await poll(async () => (await app.inject({ url: '/ready' })).statusCode === 503, 5000),
    '/ready is 503 with no worker',
  );
  // Give the replacement time to fail, then expect an immediate error, not a 5 s wait for the deadline.
  await new Promise((r) => setTimeout(r, 2500));
  const started = Date.now();
  const res = await complete(app, SHORT);
  const ms = Date.now() - started;
  expectOpenAIError(t, res, { status: 500, code: 'worker_failed' }, `a request with no worker left (${ms} ms)`);
  t.ok(ms < 2000, `answered in ${ms} ms, not held until the deadline`);
  t.same(
    [engine.stats().readyWorkers, engine.stats().queued, engine.stats().running],
    [0, 0, 0],
    'nothing waits in the queue',
  );
  const ready = await app.inject({ url: '/ready' });
  t.same([ready.statusCode, ready.json()], [503, { status: 'failed' }], '/ready says failed, not loading');
  t.match((await app.inject({ url: '/metrics' })).body, /selar_workers_failed 1/);
});
