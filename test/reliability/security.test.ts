// Security properties: API keys on every /v1 route (health and readiness open),
// nothing internal in error bodies, model ids that never touch the filesystem, CORS
// closed unless configured, and prompt text kept out of the logs by default.
import { Writable } from 'node:stream';
import t from 'tap';
import pino from 'pino';
import { keyMatcher } from '../../src/http/auth.js';
import type { Engine, GenerationEvent, GenerationRequest } from '../../src/engine/types.js';
import { FakeEngine } from '../support/fake-engine.js';
import { expectOpenAIError, fakeApp, JSON_HEADERS, leaksIn } from './support.js';

const KEY = 'sk-selar-test-0123456789';
const CHAT = { model: 'tiny', messages: [{ role: 'user', content: 'Hi' }] };

/** A valid body for each POST route. */
function bodyFor(url: string): object {
  if (url.includes('chat')) return CHAT;
  if (url.includes('responses')) return { model: 'tiny', input: 'Hello' };
  return { model: 'tiny', prompt: 'Hello' };
}

t.test('every /v1 route requires the API key; health and readiness stay open', async (t) => {
  const { app } = await fakeApp(t, { argv: ['--api-keys', `${KEY},second-key`] });
  await app.ready();
  // Every documented /v1 operation, so a route added later is covered automatically.
  const paths = (app.swagger() as { paths: Record<string, Record<string, unknown>> }).paths;
  const ops = Object.entries(paths)
    .filter(([p]) => p.startsWith('/v1'))
    .flatMap(([p, methods]) =>
      Object.keys(methods).map((m) => [m.toUpperCase(), p.replace(/\{[^}]+\}/, 'tiny')] as const),
    );
  const listed = ops.map((o) => o.join(' '));
  for (const known of ['GET /v1/models', 'GET /v1/models/tiny', 'POST /v1/chat/completions', 'POST /v1/completions'])
    t.ok(listed.includes(known), `${known} is covered (${listed.join(', ')})`);
  const bad = [
    undefined,
    '',
    'Bearer',
    'Bearer ',
    `Bearer ${KEY.slice(0, -1)}`,
    `Bearer ${KEY}x`,
    `Basic ${KEY}`,
    KEY,
    `Bearer ${'x'.repeat(10_000)}`,
    'Bearer \u00e9\u00e9',
    `Bearer ${KEY.toUpperCase()}`,
  ];
  for (const [method, url] of ops) {
    for (const auth of bad) {
      const headers: Record<string, string> = {
        ...JSON_HEADERS,
        ...(auth === undefined ? {} : { authorization: auth }),
      };
      const res = await app.inject({ method, url, headers, payload: method === 'POST' ? CHAT : undefined });
      expectOpenAIError(
        t,
        res,
        { status: 401, code: 'unauthorized' },
        `${method} ${url} with ${JSON.stringify(auth?.slice(0, 30))}`,
      );
      t.notOk(res.body.includes(KEY), 'the key is never echoed');
    }
    if (method === 'GET')
      t.equal((await app.inject({ method: 'HEAD', url })).statusCode, 401, `HEAD ${url} without a key`);
    for (const key of [KEY, 'second-key']) {
      const res = await app.inject({
        method,
        url,
        headers: { ...JSON_HEADERS, authorization: `Bearer ${key}` },
        payload: method === 'POST' ? bodyFor(url) : undefined,
      });
      // A stored response named 'tiny' does not exist: past auth, that is a 404.
      t.equal(res.statusCode, url.startsWith('/v1/responses/') ? 404 : 200, `${method} ${url} with a configured key`);
    }
  }
  // Unknown /v1 paths must not reveal whether they exist before authentication.
  expectOpenAIError(t, await app.inject({ url: '/v1/nope' }), { status: 401 }, 'unknown /v1 path');
  for (const url of ['/health', '/ready']) t.equal((await app.inject({ url })).statusCode, 200, `${url} is open`);
});

t.test('key comparison: digests, every key checked, no throw on any length', async (t) => {
  const matches = keyMatcher(['a', 'longer-key']);
  t.ok(matches('a'));
  t.ok(matches('longer-key'));
  for (const k of ['', 'b', 'longer-ke', 'longer-key ', 'x'.repeat(1 << 16), '\u0000'])
    t.notOk(matches(k), `rejects ${JSON.stringify(k.slice(0, 12))}`);
});

t.test('model ids never reach the filesystem', async (t) => {
  const { app } = await fakeApp(t);
  const urls = [
    '/v1/models/..%2F..%2Fetc%2Fpasswd',
    '/v1/models/../../etc/passwd',
    '/v1/models/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '/v1/models//etc/passwd',
    '/v1/models/..%252F..%252Fetc%252Fpasswd',
    '/v1/models/%00',
    '/v1/models/C:%5CWindows%5Cwin.ini',
    '/v1/models/100%25',
    '/v1/models/%E0%A4%A',
    '/v1/models/%25E0%25A4',
    '/v1/models/%',
    '/v1/models/%zz/..',
  ];
  for (const url of urls) {
    const res = await app.inject({ url });
    expectOpenAIError(t, res, {}, `GET ${url}`);
    t.notMatch(res.body, /root:|\[fonts\]/, `no file content: ${url}`);
  }
  for (const model of [
    '../../x',
    '/etc/passwd',
    '../tiny',
    './tiny',
    'tiny/../tiny',
    'file:///etc/passwd',
    'tiny\u0000',
  ]) {
    const res = await app.inject({ method: 'POST', url: '/v1/chat/completions', payload: { ...CHAT, model } });
    expectOpenAIError(
      t,
      res,
      { status: 404, code: 'model_not_found', param: 'model' },
      `model ${JSON.stringify(model)}`,
    );
  }
  t.equal((await app.inject({ url: '/v1/models/tiny' })).statusCode, 200, 'the real id still resolves');
});

t.test('CORS is closed by default and open only to configured origins', async (t) => {
  const closed = await fakeApp(t);
  const origin = 'https://evil.example';
  const pre = await closed.app.inject({
    method: 'OPTIONS',
    url: '/v1/chat/completions',
    headers: { origin, 'access-control-request-method': 'POST' },
  });
  t.equal(pre.headers['access-control-allow-origin'], undefined, 'preflight: no allow-origin');
  const post = await closed.app.inject({
    method: 'POST',
    url: '/v1/chat/completions',
    headers: { origin },
    payload: CHAT,
  });
  t.equal(post.statusCode, 200);
  t.equal(post.headers['access-control-allow-origin'], undefined, 'request: no allow-origin');
  t.notOk(
    Object.keys(post.headers).some((h) => h.startsWith('access-control-')),
    'no CORS headers at all',
  );

  const open = await fakeApp(t, { argv: ['--cors-origins', 'https://ok.example'] });
  const allowed = await open.app.inject({
    method: 'POST',
    url: '/v1/chat/completions',
    headers: { origin: 'https://ok.example' },
    payload: CHAT,
  });
  t.equal(allowed.headers['access-control-allow-origin'], 'https://ok.example', 'a configured origin is allowed');
  const other = await open.app.inject({
    method: 'POST',
    url: '/v1/chat/completions',
    headers: { origin },
    payload: CHAT,
  });
  t.equal(other.headers['access-control-allow-origin'], undefined, 'other origins are not');
});

/** An engine that fails with an exception whose message and stack name internal files. */
class LeakyEngine extends FakeEngine {
  override generate(request: GenerationRequest, signal?: AbortSignal): AsyncIterable<GenerationEvent> {
    if (request.promptIds.length > 0 && request.sampling.seed === 1)
      throw new Error(`ENOENT: open '/work/main/node_modules/x/model.onnx'`);
    const inner = super.generate(request, signal);
    return (async function* () {
      for await (const e of inner) {
        yield e;
        if (request.sampling.seed === 2)
          throw new TypeError(`Cannot read properties of undefined (reading 'x') at /tmp/selar-model/worker.ts:12:3`);
      }
    })();
  }
}

t.test('internal failures answer a generic 500: no message, stack or path leaks', async (t) => {
  const { app } = await fakeApp(t, { custom: new LeakyEngine() as Engine });
  for (const stream of [false, true]) {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      payload: { ...CHAT, seed: 1, stream },
    });
    t.equal(res.statusCode, 500, `thrown at admission, stream=${stream}`);
    t.same(res.json().error, {
      message: 'The server had an error while processing your request',
      type: 'server_error',
      param: null,
      code: 'internal',
    });
    t.same(leaksIn(res.body), []);
  }
  const mid = await app.inject({
    method: 'POST',
    url: '/v1/chat/completions',
    payload: { ...CHAT, seed: 2, stream: true },
  });
  t.equal(mid.statusCode, 200, 'headers were out before the failure');
  t.match(
    mid.body,
    new RegExp(
      String.raw`data: \{"error":\{"message":"The server had an error while processing your request",` +
        String.raw`"type":"server_error","param":null,"code":"internal"\}\}\n\ndata: \[DONE\]\n\n$`,
    ),
  );
  t.same(leaksIn(mid.body), [], 'the error frame leaks nothing');
});

function captureLogs(): { logger: pino.Logger; text: () => string } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { logger: pino({ level: 'trace' }, sink), text: () => lines.join('') };
}

const SECRET = 'Hello';
const SECRET_TEXT = `${SECRET} world secret-prompt-text`;

t.test('prompt text stays out of the logs unless logPrompts is on', async (t) => {
  const quiet = captureLogs();
  const { app } = await fakeApp(t, { logger: quiet.logger });
  const bodies: Array<[string, unknown]> = [
    ['/v1/chat/completions', { ...CHAT, messages: [{ role: 'user', content: SECRET_TEXT }] }],
    ['/v1/chat/completions', { ...CHAT, messages: [{ role: 'user', content: SECRET_TEXT }], stream: true }],
    ['/v1/completions', { model: 'tiny', prompt: SECRET_TEXT }],
    // Rejected requests: their error messages must not carry the prompt into the log either.
    ['/v1/chat/completions', { ...CHAT, messages: [{ role: 'user', content: { text: SECRET_TEXT } }] }],
    [
      '/v1/chat/completions',
      { ...CHAT, messages: [{ role: 'user', content: [{ type: 'text', text: SECRET_TEXT, extra: 1 }] }] },
    ],
    ['/v1/chat/completions', { ...CHAT, messages: [{ role: 'user', content: SECRET_TEXT.repeat(20) }] }],
    ['/v1/completions', { model: 'tiny', prompt: [SECRET_TEXT, 5] }],
    ['/v1/completions', { model: 'tiny', prompt: { text: SECRET_TEXT } }],
  ];
  for (const [url, payload] of bodies) await app.inject({ method: 'POST', url, payload: payload as object });
  const logs = quiet.text();
  t.match(logs, /generation started/, 'requests were logged');
  const at = logs.indexOf('secret-prompt-text');
  t.notOk(
    logs.includes('secret-prompt-text'),
    `no prompt text in ${logs.length} bytes of logs${at >= 0 ? `: ${logs.slice(Math.max(0, at - 300), at + 50)}` : ''}`,
  );

  const loud = captureLogs();
  const on = await fakeApp(t, { logger: loud.logger, argv: ['--log-prompts'] });
  await on.app.inject({
    method: 'POST',
    url: '/v1/chat/completions',
    payload: { ...CHAT, messages: [{ role: 'user', content: SECRET_TEXT }] },
  });
  t.ok(
    loud.text().includes('secret-prompt-text'),
    'with --log-prompts the prompt is logged (the check above can fail)',
  );
  // Token-id prompts are decoded for the log only then (ids 5, 6 of the tiny vocabulary).
  await on.app.inject({
    method: 'POST',
    url: '/v1/completions',
    payload: { model: 'tiny', prompt: [5, 6], max_tokens: 1 },
  });
  t.match(loud.text(), /"prompt":\["Hello world"\]/, 'a token-id prompt is logged as its text');
});
