// Page settings → chat request bodies.
import t from 'tap';
import {
  chatRequestBody,
  describeSelar,
  type SelarSettings,
  type SharedSettings,
} from '../../src/playground/client/request-body.js';

const shared: SharedSettings = {
  model: 'm',
  system: '',
  prompt: 'Hi',
  temperature: 0,
  seed: null,
  maxTokens: 16,
  topLogprobs: null,
};
const selar: SelarSettings = {
  mode: 'selar',
  top_k: 3,
  entropy_threshold: 0.5,
  contrastive_weight: 1,
  discrete_tokens: 'math',
  scope: 'all',
};

t.test('a streamed request with trace, token ids and usage', async (t) => {
  t.same(chatRequestBody(shared, selar), {
    model: 'm',
    messages: [{ role: 'user', content: 'Hi' }],
    stream: true,
    stream_options: { include_usage: true },
    return_token_ids: true,
    temperature: 0,
    max_tokens: 16,
    selar: { ...selar, trace: true },
  });
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
});
