// Every rejected request: HTTP status, OpenAI error shape, and the param it names.
// Bad input is never a 5xx and never ignored.
import t from 'tap';
import { chat, complete, post, testApp } from './helpers.js';

type Case = [name: string, body: Record<string, unknown>, status: number, param: string | null, code?: string];

const chatCases: Case[] = [
  [
    'tool name with a space',
    { tools: [{ type: 'function', function: { name: 'f g' } }] },
    400,
    'tools[0].function.name',
  ],
  [
    'duplicate tool names',
    {
      tools: [
        { type: 'function', function: { name: 'f' } },
        { type: 'function', function: { name: 'f' } },
      ],
    },
    400,
    'tools[1].function.name',
  ],
  ['tool_choice without tools', { tool_choice: 'auto' }, 400, 'tool_choice'],
  [
    'tool_choice naming no tool',
    {
      tools: [{ type: 'function', function: { name: 'f' } }],
      tool_choice: { type: 'function', function: { name: 'g' } },
    },
    400,
    'tool_choice.function.name',
  ],
  [
    'tools with response_format',
    { tools: [{ type: 'function', function: { name: 'f' } }], response_format: { type: 'json_object' } },
    400,
    'response_format',
  ],
  ['functions', { functions: [] }, 400, 'functions'],
  ['function_call', { function_call: 'auto' }, 400, 'function_call'],
  [
    'response_format json_schema without a name',
    { response_format: { type: 'json_schema', json_schema: {} } },
    400,
    'response_format',
  ],
  ['response_format of an unknown type', { response_format: { type: 'xml' } }, 400, 'response_format'],
  ['unknown top-level field', { foo: 1 }, 400, 'foo'],
  ['unknown selar field', { selar: { mode: 'selar', bogus: true } }, 400, 'selar.bogus'],
  ['selar.mode', { selar: { mode: 'latent' } }, 400, 'selar.mode'],
  ['selar.top_k below 2', { selar: { top_k: 1 } }, 400, 'selar.top_k'],
  ['selar.top_k above 64', { selar: { top_k: 65 } }, 400, 'selar.top_k'],
  ['selar.entropy_threshold', { selar: { entropy_threshold: 1.5 } }, 400, 'selar.entropy_threshold'],
  ['selar.contrastive_weight', { selar: { contrastive_weight: -1 } }, 400, 'selar.contrastive_weight'],
  ['selar.discrete_tokens', { selar: { discrete_tokens: 'all' } }, 400, 'selar.discrete_tokens'],
  ['selar.scope', { selar: { scope: 'answer' } }, 400, 'selar.scope'],
  ['selar.trace', { selar: { trace: 'yes' } }, 400, 'selar.trace'],
  ['selar.entropy', { selar: { entropy: 'renyi' } }, 400, 'selar.entropy'],
  ['selar.soft_rate above 1', { selar: { mode: 'random', soft_rate: 1.5 } }, 400, 'selar.soft_rate'],
  ['selar random without soft_rate', { selar: { mode: 'random' } }, 400, 'selar.soft_rate'],
  ['selar.soft_rate outside random mode', { selar: { soft_rate: 0.2 } }, 400, 'selar.soft_rate'],
  ['selar.hot_temperature 0', { selar: { mode: 'hot', hot_temperature: 0 } }, 400, 'selar.hot_temperature'],
  [
    'selar.hot_temperature outside hot mode',
    { selar: { mode: 'selar', hot_temperature: 2 } },
    400,
    'selar.hot_temperature',
  ],
  ['selar.mode unknown', { selar: { mode: 'swirl' } }, 400, 'selar.mode'],
  ['selar.noise unknown', { selar: { noise: 'uniform' } }, 400, 'selar.noise'],
  ['selar.noise_alpha 0', { selar: { noise: 'dirichlet', noise_alpha: 0 } }, 400, 'selar.noise_alpha'],
  ['selar.noise_alpha without dirichlet', { selar: { noise: 'gumbel', noise_alpha: 2 } }, 400, 'selar.noise_alpha'],
  ['selar.noise_temperature without gumbel', { selar: { noise_temperature: 2 } }, 400, 'selar.noise_temperature'],
  ['selar.noise in mode off', { selar: { mode: 'off', noise: 'gumbel' } }, 400, 'selar.noise'],
  ['selar.think_end empty', { selar: { think_end: '' } }, 400, 'selar.think_end'],
  ['selar.trace unknown string', { selar: { trace: 'weights' } }, 400, 'selar.trace'],
  ['selar.soft_thinking in mode selar', { selar: { soft_thinking: { max_topk: 4 } } }, 400, 'selar.soft_thinking'],
  [
    'selar.soft_thinking.max_topk 0',
    { selar: { mode: 'soft_thinking', soft_thinking: { max_topk: 0 } } },
    400,
    'selar.soft_thinking.max_topk',
  ],
  [
    'selar.soft_thinking.min_p above 1',
    { selar: { mode: 'soft_thinking', soft_thinking: { min_p: 2 } } },
    400,
    'selar.soft_thinking.min_p',
  ],
  [
    'selar.soft_thinking.cold_stop_entropy negative',
    { selar: { mode: 'soft_thinking', soft_thinking: { cold_stop_entropy: -1 } } },
    400,
    'selar.soft_thinking.cold_stop_entropy',
  ],
  [
    'selar.soft_thinking.cold_stop_steps 0',
    { selar: { mode: 'soft_thinking', soft_thinking: { cold_stop_steps: 0 } } },
    400,
    'selar.soft_thinking.cold_stop_steps',
  ],
  [
    'selar.soft_thinking.after_thinking.top_p 0',
    { selar: { mode: 'soft_thinking', soft_thinking: { after_thinking: { top_p: 0 } } } },
    400,
    'selar.soft_thinking.after_thinking.top_p',
  ],
  [
    'selar.soft_thinking.after_thinking unknown field',
    { selar: { mode: 'soft_thinking', soft_thinking: { after_thinking: { typical_p: 0.5 } } } },
    400,
    'selar.soft_thinking.after_thinking.typical_p',
  ],
  [
    'selar.entropy_threshold in mode soft_thinking',
    { selar: { mode: 'soft_thinking', entropy_threshold: 0.2 } },
    400,
    'selar.entropy_threshold',
  ],
  ['selar.scope in mode soft_thinking', { selar: { mode: 'soft_thinking', scope: 'all' } }, 400, 'selar.scope'],
  [
    'unknown message field',
    { messages: [{ role: 'user', content: 'Hi', tool_calls: [] }] },
    400,
    'messages[0].tool_calls',
  ],
  ['tool message without its call id', { messages: [{ role: 'tool', content: 'x' }] }, 400, 'messages[0].tool_call_id'],
  ['unknown role', { messages: [{ role: 'robot', content: 'x' }] }, 400, 'messages[0].role'],
  [
    'image part',
    { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] },
    400,
    'messages[0].content[0].type',
  ],
  ['empty messages', { messages: [] }, 400, 'messages'],
  ['missing messages', { messages: undefined }, 400, 'messages'],
  ['missing model', { model: undefined }, 400, 'model'],
  ['temperature', { temperature: 2.5 }, 400, 'temperature'],
  ['top_p 0', { top_p: 0 }, 400, 'top_p'],
  ['top_k', { top_k: -2 }, 400, 'top_k'],
  ['min_p', { min_p: 1.5 }, 400, 'min_p'],
  ['presence_penalty', { presence_penalty: 3 }, 400, 'presence_penalty'],
  ['frequency_penalty', { frequency_penalty: -3 }, 400, 'frequency_penalty'],
  ['repetition_penalty', { repetition_penalty: 0 }, 400, 'repetition_penalty'],
  ['n 0', { n: 0 }, 400, 'n'],
  ['n above the cap', { n: 9 }, 400, 'n'],
  ['n not an integer', { n: 1.5 }, 400, 'n'],
  ['seed not an integer', { seed: 'x' }, 400, 'seed'],
  ['stop: five strings', { stop: ['a', 'b', 'c', 'd', 'e'] }, 400, 'stop'],
  ['stop: empty string', { stop: '' }, 400, 'stop'],
  ['max_tokens 0', { max_tokens: 0 }, 400, 'max_tokens'],
  ['max_tokens vs max_completion_tokens', { max_tokens: 5, max_completion_tokens: 6 }, 400, 'max_tokens'],
  ['min_tokens above max_tokens', { max_tokens: 2, min_tokens: 3 }, 400, 'min_tokens'],
  ['logit_bias key not an id', { logit_bias: { abc: 1 } }, 400, 'logit_bias.abc'],
  ['logit_bias out of vocabulary', { logit_bias: { 16: 1 } }, 400, 'logit_bias'],
  ['logit_bias value', { logit_bias: { 5: 101 } }, 400, 'logit_bias.5'],
  ['top_logprobs without logprobs', { top_logprobs: 2 }, 400, 'top_logprobs'],
  ['top_logprobs above 20', { logprobs: true, top_logprobs: 21 }, 400, 'top_logprobs'],
  ['stream_options without stream', { stream_options: { include_usage: true } }, 400, 'stream_options'],
  [
    'unknown stream_options field',
    { stream: true, stream_options: { include_usages: true } },
    400,
    'stream_options.include_usages',
  ],
  ['ignore_eos type', { ignore_eos: 1 }, 400, 'ignore_eos'],
  [
    'chat_template_kwargs overriding messages',
    { chat_template_kwargs: { messages: [] } },
    400,
    'chat_template_kwargs.messages',
  ],
  ['unknown model', { model: 'gpt-4o' }, 404, 'model', 'model_not_found'],
  ['prompt + max_tokens beyond the context', { max_tokens: 61 }, 400, 'max_tokens', 'context_length_exceeded'],
  [
    'prompt beyond the context',
    { messages: [{ role: 'user', content: '!'.repeat(70) }] },
    400,
    'messages',
    'context_length_exceeded',
  ],
  ['min_tokens beyond the context', { min_tokens: 61 }, 400, 'min_tokens', 'context_length_exceeded'],
];

const completionCases: Case[] = [
  ['echo type', { echo: 'yes' }, 400, 'echo'],
  ['prompt_logprobs beyond 20', { prompt_logprobs: 21 }, 400, 'prompt_logprobs'],
  ['suffix', { suffix: 'x' }, 400, 'suffix'],
  ['best_of other than n', { best_of: 2 }, 400, 'best_of'],
  ['prompt id out of vocabulary', { prompt: [1, 99] }, 400, 'prompt'],
  ['batched prompt id out of vocabulary', { prompt: [[1], [2, 99]] }, 400, 'prompt[1]'],
  ['empty prompt list', { prompt: [] }, 400, 'prompt'],
  ['prompt of mixed types', { prompt: ['a', 1] }, 400, 'prompt'],
  ['logprobs above 20', { logprobs: 21 }, 400, 'logprobs'],
  ['chat field on completions', { messages: [] }, 400, 'messages'],
  ['unknown model', { model: 'davinci' }, 404, 'model', 'model_not_found'],
  ['max_tokens beyond the context', { max_tokens: 64 }, 400, 'max_tokens', 'context_length_exceeded'],
];

for (const [endpoint, cases, send] of [
  ['chat', chatCases, chat],
  ['completions', completionCases, complete],
] as const) {
  t.test(`${endpoint}: rejected requests name the param`, async (t) => {
    const { app, engine } = await testApp(t);
    for (const [name, body, status, param, code] of cases) {
      const res = await send(app, body);
      t.equal(res.statusCode, status, `${name}: status (${res.body})`);
      const err = res.json().error;
      t.equal(err.param, param, `${name}: param`);
      t.equal(err.code, code ?? 'invalid_request', `${name}: code`);
      t.equal(err.type, 'invalid_request_error', `${name}: type`);
      t.type(err.message, 'string');
      t.same(Object.keys(err).sort(), ['code', 'message', 'param', 'type']);
    }
    t.equal(engine.requests.length, 0, 'nothing reached the engine');
  });
}

t.test('malformed bodies are 400, not 5xx', async (t) => {
  const { app } = await testApp(t);
  const cases: Array<[string, string | undefined, string | undefined]> = [
    ['invalid JSON', '{"model": ', 'application/json'],
    ['wrong content type', 'model=tiny', 'application/x-www-form-urlencoded'],
    ['text/plain', '{}', 'text/plain'],
    ['JSON array', '[]', 'application/json'],
    ['JSON null', 'null', 'application/json'],
    ['empty body', '', 'application/json'],
    ['prototype pollution', '{"__proto__": {"x": 1}, "model": "tiny"}', 'application/json'],
  ];
  for (const [name, payload, type] of cases) {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      payload,
      headers: type ? { 'content-type': type } : {},
    });
    t.equal(res.statusCode, 400, `${name}: ${res.body}`);
    t.equal(res.json().error.type, 'invalid_request_error', name);
  }
  const big = await testApp(t, { argv: ['--body-limit', '2048'] });
  const res = await chat(big.app, { messages: [{ role: 'user', content: 'x'.repeat(4096) }] });
  t.equal(res.statusCode, 413);
  t.equal(res.json().error.code, 'payload_too_large');
});

t.test('unknown routes and methods are 404 in OpenAI shape', async (t) => {
  const { app } = await testApp(t);
  const res = await post(app, '/v1/embeddings', { model: 'tiny', input: 'x' });
  t.equal(res.statusCode, 404);
  t.same(res.json().error, {
    message: 'Unknown request URL: POST /v1/embeddings',
    type: 'invalid_request_error',
    param: null,
    code: 'not_found',
  });
  t.equal((await app.inject({ method: 'GET', url: '/v1/chat/completions' })).statusCode, 404);
});

t.test('a template that rejects the conversation is a 400 on messages', async (t) => {
  const { tinyTokenizer } = await import('../support/tiny-tokenizer.js');
  const strict = tinyTokenizer({
    chatTemplate: "{% if messages[0].role != 'user' %}{{ raise_exception('first message must be user') }}{% endif %}x",
  });
  const { app } = await testApp(t, { tokenizer: strict });
  const res = await chat(app, { messages: [{ role: 'assistant', content: 'x' }] });
  t.equal(res.statusCode, 400);
  t.equal(res.json().error.param, 'messages');
  t.match(res.json().error.message, /first message must be user/);
  const none = await testApp(t, { tokenizer: tinyTokenizer({ chatTemplate: null }) });
  const res2 = await chat(none.app, {});
  t.equal(res2.statusCode, 400);
  t.match(res2.json().error.message, /no chat template/);
});
