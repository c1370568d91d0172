// Admission, failures, pings, deadlines and disconnects: what the client sees and
// what the engine is told.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import t from 'tap';
import { chat, sseData, testApp } from './helpers.js';

t.test('overloaded → 429 with Retry-After, streaming or not', async (t) => {
  const { app } = await testApp(t, { engine: { overloaded: true }, argv: ['--retry-after-s', '3'] });
  for (const stream of [false, true]) {
    const res = await chat(app, { stream });
    t.equal(res.statusCode, 429, `stream=${stream}`);
    t.equal(res.headers['retry-after'], '3');
    t.match(res.headers['content-type'], /^application\/json/);
    t.same(res.json().error, {
      message: 'The server is busy; try again shortly',
      type: 'rate_limit_error',
      param: null,
      code: 'overloaded',
    });
  }
});

t.test('one of n rejected → 429 and the admitted sequences are aborted', async (t) => {
  const { app, engine } = await testApp(t, { engine: { overloaded: (r) => r.id.endsWith('-1'), tokenDelayMs: 5 } });
  const res = await chat(app, { n: 2 });
  t.equal(res.statusCode, 429);
  t.ok(engine.signals[0].aborted, 'sequence 0 was cancelled');
  // The worker pool refuses at admission, synchronously: the admitted sequence is still cancelled.
  const sync = await testApp(t, { engine: { refuseAtAdmission: (r) => r.id.endsWith('-1'), tokenDelayMs: 5 } });
  t.equal((await chat(sync.app, { n: 2, stream: true })).statusCode, 429);
  t.equal(sync.engine.requests.length, 1);
  t.ok(sync.engine.signals[0].aborted, 'sequence 0 was cancelled when sequence 1 was refused');
});

t.test('n = 1: a client that leaves cancels its sequence; a finished one is not cancelled', async (t) => {
  const { app, engine } = await testApp(t, { engine: { tokenDelayMs: 1 } });
  await chat(app, { stream: true });
  await chat(app, {});
  t.same(
    engine.signals.map((s) => s.aborted),
    [false, false],
    'completed sequences are left alone',
  );
});

t.test('a worker failure: 500 before output, error frame then [DONE] after', async (t) => {
  const early = await testApp(t, { engine: { failAfter: 0 } });
  const res = await chat(early.app, { stream: true });
  t.equal(res.statusCode, 500);
  t.equal(res.json().error.code, 'worker_failed');
  t.equal(res.json().error.type, 'server_error');

  const late = await testApp(t, { engine: { failAfter: 2 } });
  const streamed = await chat(late.app, { stream: true });
  t.equal(streamed.statusCode, 200);
  t.ok(
    streamed.body.endsWith(
      'data: {"error":{"message":"worker 0 exited unexpectedly","type":"server_error","param":null,' +
        '"code":"worker_failed"}}\n\ndata: [DONE]\n\n',
    ),
  );
  const frames = sseData(streamed.body) as any[];
  t.same(
    frames.slice(1, 3).map((f) => f.choices[0].delta.content),
    ['Hello', ' world'],
  );
  const whole = await chat(late.app, {});
  t.equal(whole.statusCode, 500);
  t.equal(late.app.lifecycle.inFlight, 0, 'nothing left tracked');
  t.match((await late.app.inject({ url: '/metrics' })).body, /selar_errors_total\{code="worker_failed"\} 2/);
});

t.test('pings while the first token is slow, and during silences', async (t) => {
  const { app } = await testApp(t, { engine: { firstTokenDelayMs: 120 }, argv: ['--ping-interval-ms', '25'] });
  const res = await chat(app, { stream: true });
  t.equal(res.statusCode, 200);
  t.ok(res.body.startsWith(': ping\n\n'), 'headers and a ping before the first token');
  t.ok(res.body.indexOf('"role":"assistant"') > res.body.lastIndexOf(': ping'), 'role chunk after the pings');
  t.ok(res.body.endsWith('data: [DONE]\n\n'));
  const none = await testApp(t, { engine: { firstTokenDelayMs: 60 }, argv: ['--ping-interval-ms', '0'] });
  t.notMatch((await chat(none.app, { stream: true })).body, /: ping/, 'interval 0 disables pings');

  // Between slow tokens the silence is filled; tokens that flow faster than the interval need no pings.
  const slow = await testApp(t, { engine: { tokenDelayMs: 90 }, argv: ['--ping-interval-ms', '20'] });
  const slowBody = (await chat(slow.app, { stream: true })).body;
  const between = slowBody.slice(slowBody.indexOf('"Hello"'), slowBody.indexOf('" world"'));
  t.match(between, /: ping/, 'a ping between two tokens 90 ms apart');
  const fast = await testApp(t, { engine: { tokenDelayMs: 0 }, argv: ['--ping-interval-ms', '200'] });
  t.notMatch((await chat(fast.app, { stream: true })).body, /: ping/, 'no ping while tokens flow');
});

t.test('the deadline ends a generation with 504, or an error frame mid-stream', async (t) => {
  const { app, engine } = await testApp(t, { engine: { tokenDelayMs: 40 }, argv: ['--deadline-ms', '60'] });
  const res = await chat(app, {});
  t.equal(res.statusCode, 504);
  t.equal(res.json().error.code, 'deadline_exceeded');
  t.ok(engine.signals[0].aborted);
  const streamed = await chat(app, { stream: true });
  t.match(
    streamed.body,
    /data: \{"error":\{"message":"The request exceeded[^\n]*"code":"deadline_exceeded"\}\}\n\ndata: \[DONE\]\n\n$/,
  );
});

async function listen(app: Awaited<ReturnType<typeof testApp>>['app']) {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return (app.server.address() as AddressInfo).port;
}

function openRequest(port: number, body: unknown): http.ClientRequest {
  const req = http.request({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path: '/v1/chat/completions',
    headers: { 'content-type': 'application/json' },
  });
  req.on('error', () => undefined);
  req.end(JSON.stringify(body));
  return req;
}

const waitFor = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  return cond();
};

t.test('a client that disconnects cancels its generation (stream and not)', async (t) => {
  const { app, engine } = await testApp(t, {
    engine: { tokenDelayMs: 50, script: () => Array.from({ length: 50 }, () => ({ id: 5, text: 'Hello' })) },
  });
  const port = await listen(app);

  const streaming = openRequest(port, { model: 'tiny', messages: [{ role: 'user', content: 'Hi' }], stream: true });
  const [res] = (await once(streaming, 'response')) as [http.IncomingMessage];
  await once(res, 'data');
  streaming.destroy();
  t.ok(await waitFor(() => engine.signals[0]?.aborted === true), 'stream: engine signal aborted');

  const plain = openRequest(port, { model: 'tiny', messages: [{ role: 'user', content: 'Hi' }] });
  t.ok(await waitFor(() => engine.signals.length === 2));
  plain.destroy();
  t.ok(await waitFor(() => engine.signals[1].aborted), 'non-stream: engine signal aborted');
  t.ok(await waitFor(() => app.lifecycle.inFlight === 0), 'slots released');
  t.match(
    (await app.inject({ url: '/metrics' })).body,
    /selar_requests_total\{route="\/v1\/chat\/completions",status="499"\} 2/,
  );
});
