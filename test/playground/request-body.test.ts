// Page settings → chat request bodies.
import t from 'tap';
import {
  chatRequestBody,
  describeSelar,
  fieldApplies,
  MODE_FIELDS,
  SELAR_MODES,
  selarObject,
  type SharedSettings,
} from '../../src/playground/client/request-body.js';
import { selarSettings } from './selar-settings.js';

const shared: SharedSettings = {
  model: 'm',
  system: '',
  prompt: 'Hi',
  temperature: 0,
  seed: null,
  maxTokens: 16,
  topLogprobs: null,
};
const selar = selarSettings({ noise_temperature: 0.7, noise_alpha: 2 });

t.test('a streamed request with the mix trace, token ids and usage', async (t) => {
  t.same(chatRequestBody(shared, selar), {
    model: 'm',
    messages: [{ role: 'user', content: 'Hi' }],
    stream: true,
    stream_options: { include_usage: true },
    return_token_ids: true,
    temperature: 0,
    max_tokens: 16,
    selar: {
      mode: 'selar',
      top_k: 3,
      entropy_threshold: 0.5,
      contrastive_weight: 1,
      discrete_tokens: 'math',
      scope: 'all',
      noise: 'none',
      trace: 'mix',
    },
  });
});

t.test('each mode sends only the fields it reads', async (t) => {
  t.same(selarObject({ ...selar, mode: 'off' }), { mode: 'off', top_k: 3, trace: 'mix' });
  t.same(selarObject({ ...selar, mode: 'swir', noise: 'dirichlet' }), {
    mode: 'swir',
    top_k: 3,
    discrete_tokens: 'math',
    scope: 'all',
    trace: 'mix',
  });
  t.same(selarObject({ ...selar, mode: 'soft' }), {
    mode: 'soft',
    top_k: 3,
    contrastive_weight: 1,
    discrete_tokens: 'math',
    scope: 'all',
    noise: 'none',
    trace: 'mix',
  });
  t.same(selarObject({ ...selar, mode: 'soft_thinking', noise: 'dirichlet' }), {
    mode: 'soft_thinking',
    top_k: 3,
    discrete_tokens: 'math',
    noise: 'dirichlet',
    noise_alpha: 2,
    soft_thinking: { max_topk: 15, min_p: 0, cold_stop_entropy: 0, cold_stop_steps: 256 },
    trace: 'mix',
  });
  t.same(selarObject({ ...selar, mode: 'random' }), {
    mode: 'random',
    top_k: 3,
    contrastive_weight: 1,
    discrete_tokens: 'math',
    scope: 'all',
    noise: 'none',
    soft_rate: 0.2,
    trace: 'mix',
  });
  t.same(selarObject({ ...selar, mode: 'hot', noise: 'gumbel' }), {
    mode: 'hot',
    top_k: 3,
    entropy_threshold: 0.5,
    discrete_tokens: 'math',
    scope: 'all',
    hot_temperature: 1.5,
    trace: 'mix',
  });
});

t.test("the server's cross-mode rules hold for every mode and noise", async (t) => {
  // docs/api.md: these are a 400 outside their mode or noise.
  for (const mode of SELAR_MODES) {
    for (const noise of ['none', 'gumbel', 'dirichlet'] as const) {
      const o = selarObject({ ...selar, mode, noise });
      const where = `${mode}/${noise}`;
      t.equal('soft_rate' in o, mode === 'random', `${where}: soft_rate only in random`);
      t.equal('hot_temperature' in o, mode === 'hot', `${where}: hot_temperature only in hot`);
      t.equal('soft_thinking' in o, mode === 'soft_thinking', `${where}: soft_thinking only in its mode`);
      t.ok(!('noise' in o) || !['off', 'hot', 'swir'].includes(mode), `${where}: no noise where nothing mixes`);
      t.ok(!('noise_temperature' in o) || o.noise === 'gumbel', `${where}: noise_temperature only with gumbel`);
      t.ok(!('noise_alpha' in o) || o.noise === 'dirichlet', `${where}: noise_alpha only with dirichlet`);
      if (mode === 'soft_thinking')
        for (const f of ['entropy_threshold', 'contrastive_weight', 'scope'])
          t.notOk(f in o, `${where}: no SeLaR-only ${f}`);
    }
  }
  t.equal(selarObject({ ...selar, noise: 'gumbel' }).noise_temperature, 0.7, 'the gumbel knob is sent with gumbel');
  t.notOk(fieldApplies({ mode: 'off', noise: 'gumbel' }, 'noise_temperature'), 'no noise knob in off');
  t.same(Object.keys(MODE_FIELDS).sort(), [...SELAR_MODES].sort(), 'every mode has its field list');
});

t.test('system prompt, seed and logprobs only when set', async (t) => {
  const body = chatRequestBody({ ...shared, system: 'Be brief.', seed: 0, topLogprobs: 0 }, selar);
  t.same(body.messages, [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Hi' },
  ]);
  t.equal(body.seed, 0, 'seed 0 is a seed');
  t.equal(body.logprobs, true);
  t.equal(body.top_logprobs, 0);
  t.notOk('seed' in chatRequestBody({ ...shared, system: '   ' }, selar));
  t.equal(
    (chatRequestBody({ ...shared, system: '   ' }, selar).messages as unknown[]).length,
    1,
    'a blank system prompt is not sent',
  );
});

t.test('settings labels', async (t) => {
  t.equal(describeSelar(selar), 'selar k=3 τ=0.5 w=1 math all');
  t.equal(describeSelar({ ...selar, mode: 'soft' }), 'soft k=3 w=1 math all');
  t.equal(describeSelar({ ...selar, mode: 'off' }), 'off (plain decoding)');
  t.equal(describeSelar({ ...selar, noise: 'gumbel' }), 'selar k=3 τ=0.5 w=1 math all gumbel τ=0.7');
  t.equal(
    describeSelar({ ...selar, mode: 'random', noise: 'dirichlet' }),
    'random k=3 p=0.2 w=1 math all dirichlet α=2',
  );
  t.equal(describeSelar({ ...selar, mode: 'hot', noise: 'gumbel' }), 'hot k=3 τ=0.5 T=1.5 math all');
  t.equal(describeSelar({ ...selar, mode: 'soft_thinking' }), 'soft_thinking max_topk=15 min_p=0 math');
  t.equal(describeSelar({ ...selar, mode: 'swir', noise: 'gumbel' }), 'swir (server knobs) math all');
  t.equal(
    describeSelar({
      ...selar,
      mode: 'soft_thinking',
      soft_thinking: { ...selar.soft_thinking, cold_stop_entropy: 0.1, cold_stop_steps: 8 },
    }),
    'soft_thinking max_topk=15 min_p=0 cold_stop=0.1×8 math',
  );
});
