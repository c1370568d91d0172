// API keys (Bearer, 401 in OpenAI's shape, health/readiness/docs open) and CORS
// (closed by default; configured origins only; preflights answered before auth).
import t from 'tap';
import { keyMatcher } from '../../src/http/auth.js';
import { chat, testApp } from './helpers.js';

t.test('without keys, no authentication', async (t) => {
  const { app } = await testApp(t);
  t.equal((await chat(app, {})).statusCode, 200);
});

t.test('with keys: Bearer required on the API and metrics, not on health/ready/docs', async (t) => {
  const { app } = await testApp(t, { argv: ['--api-keys', 'sk-one, sk-two'] });
  const missing = await chat(app, {});
  t.equal(missing.statusCode, 401);
  t.same(Object.keys(missing.json().error).sort(), ['code', 'message', 'param', 'type']);
  t.equal(missing.json().error.code, 'unauthorized');
  t.equal((await chat(app, {}, { authorization: 'Bearer sk-nope' })).statusCode, 401);
  t.equal((await chat(app, {}, { authorization: 'Basic sk-one' })).statusCode, 401);
  t.equal((await chat(app, {}, { authorization: 'Bearer sk-one' })).statusCode, 200);
  t.equal((await chat(app, {}, { authorization: 'bearer sk-two' })).statusCode, 200);
  t.equal((await app.inject({ url: '/v1/models' })).statusCode, 401);
  t.equal((await app.inject({ url: '/metrics' })).statusCode, 401);
  for (const url of ['/health', '/ready', '/openapi.json', '/docs/'])
    t.equal((await app.inject({ url })).statusCode, 200, url);
  t.equal((await chat(app, { model: 'nope' })).statusCode, 401, 'auth before anything is revealed');
  const root = await app.inject({ url: '/' });
  t.equal(root.statusCode, 302, 'the playground is reachable without a key');
  t.equal(root.headers.location, '/playground');
  t.not((await app.inject({ url: '/playground' })).statusCode, 401);
});

t.test('key comparison', async (t) => {
  const match = keyMatcher(['abc', 'longer-key']);
  t.ok(match('abc'));
  t.ok(match('longer-key'));
  t.notOk(match('ab'));
  t.notOk(match('abcd'));
  t.notOk(match(''));
});

t.test('CORS closed by default', async (t) => {
  const { app } = await testApp(t);
  const res = await chat(app, {}, { origin: 'https://example.com' });
  t.equal(res.statusCode, 200);
  t.notOk(res.headers['access-control-allow-origin']);
  const pre = await app.inject({
    method: 'OPTIONS',
    url: '/v1/chat/completions',
    headers: { origin: 'https://example.com', 'access-control-request-method': 'POST' },
  });
  t.equal(pre.statusCode, 404);
  t.notOk(pre.headers['access-control-allow-origin']);
});

t.test('CORS for configured origins, preflight before auth, also on streams', async (t) => {
  const { app } = await testApp(t, { argv: ['--cors-origins', 'https://a.example', '--api-keys', 'k'] });
  const pre = await app.inject({
    method: 'OPTIONS',
    url: '/v1/chat/completions',
    headers: {
      origin: 'https://a.example',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type',
    },
  });
  t.equal(pre.statusCode, 204);
  t.equal(pre.headers['access-control-allow-origin'], 'https://a.example');
  t.equal(pre.headers['access-control-allow-headers'], 'authorization, content-type');
  t.match(pre.headers['access-control-allow-methods'], /POST/);
  const ok = await chat(app, { stream: true }, { origin: 'https://a.example', authorization: 'Bearer k' });
  t.equal(ok.headers['access-control-allow-origin'], 'https://a.example');
  t.equal(ok.headers.vary, 'Origin');
  const other = await chat(app, {}, { origin: 'https://b.example', authorization: 'Bearer k' });
  t.notOk(other.headers['access-control-allow-origin']);
  const denied = await chat(app, {}, { origin: 'https://a.example' });
  t.equal(denied.statusCode, 401);
  t.equal(
    denied.headers['access-control-allow-origin'],
    'https://a.example',
    'errors are readable by the allowed page',
  );

  const any = await testApp(t, { argv: ['--cors-origins', '*'] });
  t.equal((await chat(any.app, {}, { origin: 'https://z.example' })).headers['access-control-allow-origin'], '*');
});
