// Clients that vanish at random points of a stream, on the real tiny model and real
// sockets: before the response, after k frames, mid-queue, or not at all. Afterwards no
// slot may be held (engine stats, in-flight tracking and /metrics back to zero) and
// the clients that stayed got exactly the solo answer.
import http from 'node:http';
import t from 'tap';
import { listen, metricValue, poll, realApp, REAL_MODEL_ID } from './support.js';

const BODY = {
  model: REAL_MODEL_ID,
  messages: [{ role: 'user', content: 'count with me' }],
  max_tokens: 24,
  ignore_eos: true,
  temperature: 0,
  stream: true,
};

type Plan =
  | { kind: 'complete' }
  | { kind: 'before-response'; afterMs: number }
  | { kind: 'after-frames'; frames: number };
type Outcome = { plan: Plan; body: string; ended: boolean };

/** Deterministic plans (a tiny LCG) so a failure can be replayed. */
function plans(count: number, seed: number): Plan[] {
  let s = seed;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: count }, (): Plan => {
    const r = rnd();
    if (r < 0.3) return { kind: 'complete' };
    if (r < 0.5) return { kind: 'before-response', afterMs: Math.floor(rnd() * 40) };
    return { kind: 'after-frames', frames: Math.floor(rnd() * 14) };
  });
}

function run(port: number, plan: Plan, body: object): Promise<Outcome> {
  return new Promise((resolve) => {
    let text = '';
    let frames = 0;
    const req = http.request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { 'content-type': 'application/json' },
    });
    const finish = (ended: boolean) => resolve({ plan, body: text, ended });
    req.on('error', () => finish(false));
    req.on('close', () => finish(false));
    req.on('response', (res) => {
      res.on('data', (d: Buffer) => {
        text += d;
        frames = text.split('\n\n').length - 1;
        if (plan.kind === 'after-frames' && frames >= plan.frames) req.destroy();
      });
      res.on('end', () => finish(true));
      res.on('error', () => finish(false));
    });
    req.end(JSON.stringify(body));
    if (plan.kind === 'before-response') setTimeout(() => req.destroy(), plan.afterMs);
  });
}

const content = (sse: string) =>
  sse
    .split('\n\n')
    .filter((f) => f.startsWith('data: {'))
    .map((f) => JSON.parse(f.slice(6)).choices?.[0]?.delta?.content ?? '')
    .join('');

t.test('random disconnects leak no slots and do not disturb the clients that stay', async (t) => {
  const { app, engine } = await realApp(t, { engine: { workers: 1, maxSequencesPerWorker: 4, queueSize: 64 } });
  const port = await listen(app);
  const solo = await run(port, { kind: 'complete' }, BODY);
  t.ok(solo.ended && solo.body.endsWith('data: [DONE]\n\n'), 'solo stream completes');
  const want = content(solo.body);
  t.ok(want.length > 0, `solo answer: ${JSON.stringify(want)}`);

  for (const round of [1, 2]) {
    // 48 clients against 4 decode slots: most wait in the queue, some vanish while queued.
    const outcomes = await Promise.all(plans(48, round).map((p) => run(port, p, BODY)));
    const stayed = outcomes.filter((o) => o.plan.kind === 'complete');
    t.ok(
      stayed.length > 5,
      `round ${round}: ${stayed.length} clients stayed, ${outcomes.length - stayed.length} left early`,
    );
    for (const o of stayed) {
      t.ok(o.ended && o.body.endsWith('data: [DONE]\n\n'), `round ${round}: complete stream ends with [DONE]`);
      t.equal(content(o.body), want, `round ${round}: greedy answer equals the solo answer`);
    }
    t.ok(
      await poll(() => engine.stats().running === 0 && engine.stats().queued === 0, 10_000),
      `round ${round}: engine running/queued back to 0 (${JSON.stringify(engine.stats())})`,
    );
    t.ok(await poll(() => app.lifecycle.inFlight === 0, 5000), `round ${round}: nothing tracked in flight`);
    const metrics = (await app.inject({ url: '/metrics' })).body;
    t.same(
      [metricValue(metrics, 'selar_running_requests'), metricValue(metrics, 'selar_queue_length')],
      [0, 0],
      `round ${round}: /metrics running and queue are 0`,
    );
  }
  const after = await run(port, { kind: 'complete' }, BODY);
  t.equal(content(after.body), want, 'a request after the churn gets the solo answer');
});
