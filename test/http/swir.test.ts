// Mode swir over HTTP on the demo model (which has <think> tags): the trace marks the
// switch points, usage counts them, and the same request streamed carries the same
// trace; selar.swir outside mode swir is a 400 naming it.
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createEngine } from '../../src/engine/create-engine.js';
import { sseData } from './helpers.js';

const modelDir = new URL('../../models/selar-demo', import.meta.url).pathname;

t.test('trace switch points, usage switches, streaming and validation', async (t) => {
  const { engine, tokenizer } = await createEngine({ modelDir, workers: 1, threadsPerWorker: 1, queueSize: 8 });
  t.teardown(() => engine.close());
  const config = loadConfig(['--model', modelDir], {});
  const app = await buildApp({ config, engine, tokenizer });
  t.teardown(() => app.close());
  const body = {
    model: engine.model.id,
    messages: [{ role: 'user', content: 'Ann has 3 apples. She buys 4 more. How many apples does she have?' }],
    temperature: 0,
    max_tokens: 64,
    selar: { mode: 'swir', trace: true, swir: { window_size: 2, max_switch_count: 1, answer_tokens: 12 } },
  };
  const res = await app.inject({ method: 'POST', url: '/v1/chat/completions', payload: body });
  t.equal(res.statusCode, 200, res.body);
  const r = res.json();
  const trace = r.choices[0].selar_trace as Array<{ entropy: number; soft: boolean; switch: boolean }>;
  const switches = trace.filter((e) => e.switch).length;
  t.ok(switches > 2, `${switches} switches in the trace`);
  t.equal(r.usage.completion_tokens_details.switches, switches, 'usage counts the trace switch points');
  t.ok(
    trace.some((e) => e.soft),
    'soft steps',
  );
  t.equal(trace.length, r.usage.completion_tokens);

  const stream = await app.inject({ method: 'POST', url: '/v1/chat/completions', payload: { ...body, stream: true } });
  const chunks = sseData(stream.body).filter((c): c is Record<string, any> => typeof c === 'object' && c !== null);
  const streamed = chunks.flatMap((c) => c.choices?.[0]?.selar_trace ?? []);
  t.same(streamed, trace, 'the stream carries the same trace');

  // trace "mix": soft entries list the top_k heaviest ids of π at a·π_i (plus a blended tag at 1 − a);
  // usage.latent adds swir's switches and what ended thinking.
  const mixed = await app.inject({
    method: 'POST',
    url: '/v1/chat/completions',
    payload: { ...body, selar: { ...body.selar, trace: 'mix', top_k: 3 } },
  });
  t.equal(mixed.statusCode, 200, mixed.body);
  const m = mixed.json();
  const mixTrace = m.choices[0].selar_trace as Array<{
    soft: boolean;
    switch: boolean;
    mix?: Array<{ id: number; token: string; weight: number }>;
  }>;
  t.same(
    mixTrace.map((e) => [e.soft, e.switch]),
    trace.map((e) => [e.soft, e.switch]),
    'trace "mix" changes no decision',
  );
  for (const e of mixTrace) {
    t.equal(e.mix !== undefined, e.soft, 'a mix exactly on soft entries');
    if (!e.mix) continue;
    const probs = e.mix.slice(0, 3).map((c) => c.weight);
    t.ok(
      probs.every((w, i) => w > 0 && w <= 1 && (i === 0 || w <= probs[i - 1])),
      'heaviest first',
    );
    t.ok(e.mix.length <= 4 && e.mix.reduce((s, c) => s + c.weight, 0) <= 1 + 1e-9, 'at most top_k + 1, weight <= 1');
  }
  const latent = m.usage.completion_tokens_details.latent;
  t.equal(latent.mode, 'swir');
  t.equal(latent.switches, m.usage.completion_tokens_details.switches);
  t.equal(latent.soft_steps, m.usage.completion_tokens_details.soft_tokens);
  const ended = latent.thinking_ended;
  t.equal(
    ended.model + ended.budget + ended.cold_stop + ended.switch_limit,
    1,
    'one sequence, its thinking ended once',
  );
  t.equal(ended.switch_limit, 1, 'by the end tag injected at the switch limit');
  const noisy = await app.inject({
    method: 'POST',
    url: '/v1/chat/completions',
    payload: { ...body, selar: { mode: 'swir', noise: 'gumbel' } },
  });
  t.equal(noisy.statusCode, 400);
  t.equal(noisy.json().error.param, 'selar.noise');

  // Under a grammar the answer prefix is never injected into the constrained answer.
  const json = await app.inject({
    method: 'POST',
    url: '/v1/chat/completions',
    payload: {
      ...body,
      response_format: { type: 'json_object' },
      selar: { mode: 'swir', swir: { window_size: 1, max_switch_count: 0, answer_tokens: 40 } },
    },
  });
  t.equal(json.statusCode, 200, json.body);

  const plain = await app.inject({
    method: 'POST',
    url: '/v1/chat/completions',
    payload: { ...body, selar: { mode: 'selar' } },
  });
  t.notOk('switches' in plain.json().usage.completion_tokens_details, 'other modes report no switches');
  const bad = await app.inject({
    method: 'POST',
    url: '/v1/chat/completions',
    payload: { ...body, selar: { mode: 'selar', swir: { window_size: 2 } } },
  });
  t.equal(bad.statusCode, 400);
  t.equal(bad.json().error.param, 'selar.swir');
});
