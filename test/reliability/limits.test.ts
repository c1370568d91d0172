// Limits that protect the server from one client: body size (413), slow headers and
// slow bodies (the socket is closed), the generation deadline (504, or an error frame
// mid-stream) and the per-request token cap.
import net from 'node:net';
import t from 'tap';
import { llamaModel } from '../support/models.js';
import {
  expectOpenAIError,
  fakeApp,
  JSON_HEADERS,
  listen,
  poll,
  rawRequest,
  realApp,
  REAL_MODEL_ID,
} from './support.js';

const CHAT = { model: 'tiny', messages: [{ role: 'user', content: 'Hi' }] };

t.test('bodies over the limit are refused with 413 in OpenAI shape', async (t) => {
  const { app } = await fakeApp(t, { argv: ['--body-limit', '2048'] });
  const big = JSON.stringify({ ...CHAT, user: 'u'.repeat(3000) });
  expectOpenAIError(
    t,
    await app.inject({ method: 'POST', url: '/v1/chat/completions', payload: big, headers: JSON_HEADERS }),
    { status: 413, code: 'payload_too_large' },
    'inject',
  );
  const port = await listen(app);
  // A declared length far over the limit is refused before the body is read.
  const declared = await rawRequest(port, {
    path: '/v1/chat/completions',
    headers: { ...JSON_HEADERS, 'content-length': String(1e12) },
    body: '',
    timeoutMs: 3000,
  }).catch((e: Error) => e);
  t.ok(
    !(declared instanceof Error) && declared.statusCode === 413,
    `declared 1e12 bytes → 413 (${declared instanceof Error ? declared.message : declared.statusCode})`,
  );
  if (!(declared instanceof Error)) expectOpenAIError(t, declared, { status: 413 }, 'declared length');
  // A chunked body (no length) is cut off once it passes the limit.
  const chunked = await rawRequest(port, {
    path: '/v1/chat/completions',
    headers: { ...JSON_HEADERS, 'transfer-encoding': 'chunked' },
    body: big,
  });
  expectOpenAIError(t, chunked, { status: 413, code: 'payload_too_large' }, 'chunked');
  t.equal(
    (await app.inject({ method: 'POST', url: '/v1/chat/completions', payload: CHAT })).statusCode,
    200,
    'a normal request still works',
  );
});

/** Opens a socket, writes `head`, then dribbles `drip` every `everyMs`; resolves when the server closes it. */
function slowClient(
  port: number,
  head: string,
  drip: string,
  everyMs: number,
  giveUpMs: number,
): Promise<{ closedAfterMs: number | null; received: string }> {
  return new Promise((resolve) => {
    const started = Date.now();
    let received = '';
    const socket = net.connect(port, '127.0.0.1', () => socket.write(head));
    const timer = setInterval(() => socket.writable && socket.write(drip), everyMs);
    const done = (closed: boolean) => {
      clearInterval(timer);
      clearTimeout(giveUp);
      socket.destroy();
      resolve({ closedAfterMs: closed ? Date.now() - started : null, received });
    };
    const giveUp = setTimeout(() => done(false), giveUpMs);
    socket.on('data', (d) => {
      received += d.toString();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => done(true));
  });
}

t.test('slow clients: dribbled headers and bodies are cut off by the timeouts', async (t) => {
  const { app } = await fakeApp(t, { argv: ['--headers-timeout-ms', '500', '--request-timeout-ms', '1500'] });
  const port = await listen(app);
  const headers = await slowClient(
    port,
    'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n',
    'X-Slow: 1\r\n',
    100,
    8000,
  );
  t.ok(
    headers.closedAfterMs !== null && headers.closedAfterMs < 4000,
    `headers dribble closed after ${headers.closedAfterMs} ms (timeout 500 ms)`,
  );
  t.match(headers.received, /^(HTTP\/1\.1 408|$)/, 'answered 408 or just closed');
  const body = await slowClient(
    port,
    `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ` +
      `100000\r\n\r\n{`,
    ' ',
    100,
    10_000,
  );
  t.ok(
    body.closedAfterMs !== null && body.closedAfterMs < 6000,
    `body dribble closed after ${body.closedAfterMs} ms (request timeout 1500 ms)`,
  );
  const ok = await rawRequest(port, {
    path: '/v1/chat/completions',
    headers: JSON_HEADERS,
    body: JSON.stringify(CHAT),
  });
  t.equal(ok.statusCode, 200, 'other clients are served');
});

t.test(
  'real model: the deadline ends a generation (504, or an error frame then [DONE]) and frees its slot',
  async (t) => {
    // A model large enough that 250 tokens take well over the 100 ms deadline on any machine
    // (the tiny test model can produce them in about that time).
    const { app, engine } = await realApp(t, {
      engine: { modelDir: await llamaModel({ hidden: 256, layers: 6, intermediate: 768 }) },
      argv: ['--deadline-ms', '100'],
    });
    const long = { model: REAL_MODEL_ID, prompt: [1, 2, 3], max_tokens: 250, ignore_eos: true, temperature: 0 };
    const plain = await app.inject({ method: 'POST', url: '/v1/completions', payload: long });
    expectOpenAIError(t, plain, { status: 504, code: 'deadline_exceeded' }, 'non-streaming');
    const streamed = await app.inject({ method: 'POST', url: '/v1/completions', payload: { ...long, stream: true } });
    if (streamed.statusCode === 200) {
      t.match(
        streamed.body,
        new RegExp(
          String.raw`\ndata: \{"error":\{"message":"The request exceeded[^\n]*"code":"deadline_exceeded"\}\}` +
            String.raw`\n\ndata: \[DONE\]\n\n$`,
        ),
        'error frame, then [DONE]',
      );
    } else {
      expectOpenAIError(
        t,
        streamed,
        { status: 504, code: 'deadline_exceeded' },
        'streaming, cut before the first token',
      );
    }
    t.ok(await poll(() => engine.stats().running === 0 && engine.stats().queued === 0), 'slots released');
    const short = await app.inject({ method: 'POST', url: '/v1/completions', payload: { ...long, max_tokens: 3 } });
    t.equal(short.statusCode, 200, 'requests within the deadline complete');
  },
);

t.test('real model: the server token cap applies when a request gives none; the context is the hard cap', async (t) => {
  const { app } = await realApp(t, { argv: ['--max-tokens', '5'] });
  const base = { model: REAL_MODEL_ID, prompt: [1, 2, 3], ignore_eos: true };
  const capped = await app.inject({ method: 'POST', url: '/v1/completions', payload: base });
  t.equal(capped.statusCode, 200);
  t.same(
    [capped.json().usage.completion_tokens, capped.json().choices[0].finish_reason],
    [5, 'length'],
    'default cap of 5 tokens',
  );
  const explicit = await app.inject({ method: 'POST', url: '/v1/completions', payload: { ...base, max_tokens: 9 } });
  t.equal(explicit.json().usage.completion_tokens, 9, 'an explicit max_tokens within the context is honoured');
  const over = await app.inject({ method: 'POST', url: '/v1/completions', payload: { ...base, max_tokens: 254 } });
  expectOpenAIError(t, over, { status: 400, code: 'context_length_exceeded', param: 'max_tokens' }, '3 + 254 > 256');
  const fits = await app.inject({
    method: 'POST',
    url: '/v1/completions',
    payload: { ...base, max_tokens: 253, stream: true },
  });
  t.equal(fits.statusCode, 200, 'exactly filling the context is allowed');
  t.ok(fits.body.endsWith('data: [DONE]\n\n'));
});
