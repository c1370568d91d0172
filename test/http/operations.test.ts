// /v1/models, /metrics, /health and /ready during start-up, and draining.
import t from 'tap';
import { chat, testApp } from './helpers.js';

t.test('models list and lookup', async (t) => {
  const { app } = await testApp(t);
  const list = (await app.inject({ url: '/v1/models' })).json();
  t.equal(list.object, 'list');
  t.match(list.data, [{ id: 'tiny', object: 'model', owned_by: 'selar-server', max_model_len: 64 }]);
  t.same((await app.inject({ url: '/v1/models/tiny' })).json(), list.data[0]);
  const missing = await app.inject({ url: '/v1/models/other' });
  t.equal(missing.statusCode, 404);
  t.equal(missing.json().error.code, 'model_not_found');
  const slashed = await testApp(t, { engine: { model: { id: 'org/tiny' } } });
  t.equal((await slashed.app.inject({ url: '/v1/models/org/tiny' })).json().id, 'org/tiny');
});

t.test('metrics in Prometheus text format', async (t) => {
  const { app } = await testApp(t, {
    engine: {
      script: () => [
        { id: 5, text: 'Hello', soft: true },
        { id: 6, text: ' world' },
      ],
    },
  });
  await chat(app, {});
  await chat(app, { stream: true, n: 2 });
  await chat(app, { temperature: 9 });
  const res = await app.inject({ url: '/metrics' });
  t.equal(res.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
  const text = res.body;
  for (const line of [
    'selar_requests_total{route="/v1/chat/completions",status="200"} 2',
    'selar_requests_total{route="/v1/chat/completions",status="400"} 1',
    'selar_request_finish_total{endpoint="chat",reason="stop"} 3',
    'selar_errors_total{code="invalid_request"} 1',
    'selar_prompt_tokens_total 8',
    'selar_generation_tokens_total 6',
    'selar_soft_tokens_total 3',
    'selar_time_to_first_token_seconds_count 2',
    'selar_inter_token_latency_seconds_count 3',
    'selar_e2e_request_latency_seconds_count 2',
    'selar_queue_length 0',
    'selar_running_requests 0',
    'selar_queue_capacity 4',
    '# TYPE selar_time_to_first_token_seconds histogram',
    'selar_time_to_first_token_seconds_bucket{le="+Inf"} 2',
  ])
    t.ok(text.split('\n').includes(line), line);
  for (const line of text.trim().split('\n'))
    t.match(line, /^(# (HELP|TYPE) \w+ .+|\w+(\{[^}]*\})? [-+\dInfe.]+)$/, 'well-formed line');
});

t.test("models report the SeLaR defaults in effect: the model's where it sets them, else the flags", async (t) => {
  const { app } = await testApp(t, {
    engine: { model: { selarDefaults: { entropy_threshold: 0.3, scope: 'thinking', swir: { beta: 0.5 } } } },
    argv: ['--selar-top-k', '4', '--selar-swir-window-size', '64'],
  });
  const [m] = (await app.inject({ url: '/v1/models' })).json().data;
  t.same(m.selar_defaults, {
    mode: 'selar',
    top_k: 4,
    entropy_threshold: 0.3,
    contrastive_weight: 1,
    discrete_tokens: 'math',
    scope: 'thinking',
    entropy: 'topk',
    hot_temperature: 1.5,
    think_end: null,
    noise: 'none',
    noise_temperature: 1,
    noise_alpha: 1,
    soft_thinking: {
      max_topk: 15,
      min_p: 0,
      cold_stop_entropy: 0,
      cold_stop_steps: 256,
      after_thinking: { temperature: null, top_p: null, top_k: null, min_p: null },
    },
    swir: {
      window_size: 64,
      alpha: 1,
      beta: 0.5,
      max_switch_count: null,
      answer_prefix: '\n\nThe final answer is',
      answer_tokens: 32,
    },
  });
});

t.test('readiness: 503 while the model loads, 200 after, 503 while draining', async (t) => {
  let loaded!: () => void;
  const readyWhen = new Promise<void>((r) => {
    loaded = r;
  });
  const { app, engine } = await testApp(t, { engine: { readyWhen, tokenDelayMs: 30 } });
  const loading = await app.inject({ url: '/ready' });
  t.equal(loading.statusCode, 503);
  t.same(loading.json(), { status: 'loading' });
  t.same((await app.inject({ url: '/health' })).json(), { status: 'ok' });
  loaded();
  await engine.ready();
  t.same((await app.inject({ url: '/ready' })).json(), { status: 'ready' });

  const inFlight = chat(app, {});
  await new Promise((r) => setTimeout(r, 10));
  app.lifecycle.beginDrain();
  const ready = await app.inject({ url: '/ready' });
  t.equal(ready.statusCode, 503);
  t.same(ready.json(), { status: 'draining' });
  t.equal((await app.inject({ url: '/health' })).statusCode, 200);
  const refused = await chat(app, {});
  t.equal(refused.statusCode, 503);
  t.equal(refused.json().error.code, 'shutting_down');
  t.equal((await inFlight).statusCode, 200, 'the in-flight request finishes');
});

t.test(
  'hook order: CORS headers, then the drain gate before auth, so a draining server answers 503 to anyone',
  async (t) => {
    const { app, engine } = await testApp(t, { argv: ['--api-keys', 'k', '--cors-origins', 'https://a.example'] });
    await engine.ready();
    app.lifecycle.beginDrain();
    const res = await chat(app, {}, { origin: 'https://a.example' });
    t.equal(res.statusCode, 503, 'no key, yet not 401: the drain gate ran first');
    t.equal(res.json().error.code, 'shutting_down');
    t.equal(res.headers['access-control-allow-origin'], 'https://a.example', 'CORS ran before the gate');
    t.ok(res.headers['x-request-id'], 'the request id is set first');
    t.equal((await app.inject({ url: '/metrics' })).statusCode, 401, 'metrics stay open to the gate, not to auth');
  },
);

t.test('a failed model load keeps /ready at 503', async (t) => {
  const { app, engine } = await testApp(t, { engine: { readyWhen: Promise.reject(new Error('bad model')) } });
  await engine.ready().catch(() => undefined);
  const res = await app.inject({ url: '/ready' });
  t.equal(res.statusCode, 503);
  t.same(res.json(), { status: 'failed' });
});
