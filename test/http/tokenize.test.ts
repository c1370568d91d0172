// /tokenize, /detokenize and /version in vLLM's request and response shapes.
import t from 'tap';
import { SERVER_VERSION } from '../../src/serving/context.js';
import { ID } from '../support/tiny-tokenizer.js';
import { post, testApp } from './helpers.js';

t.test('tokenize a prompt: special tokens by default, token strings on request', async (t) => {
  const { app } = await testApp(t);
  const res = await post(app, '/tokenize', { model: 'tiny', prompt: 'Hello world' });
  t.equal(res.statusCode, 200);
  t.same(res.json(), { count: 3, max_model_len: 64, tokens: [ID['<s>'], ID.Hello, ID[' world']], token_strs: null });
  const bare = await post(app, '/tokenize', {
    prompt: 'Hello world',
    add_special_tokens: false,
    return_token_strs: true,
  });
  t.same(bare.json(), {
    count: 2,
    max_model_len: 64,
    tokens: [ID.Hello, ID[' world']],
    token_strs: ['Hello', ' world'],
  });
});

t.test('tokenize chat messages: the prompt /v1/chat/completions would run on', async (t) => {
  const { app, engine } = await testApp(t);
  const messages = [
    { role: 'system', content: 'ok' },
    { role: 'user', content: 'Hi' },
  ];
  const res = (await post(app, '/tokenize', { messages })).json();
  t.same(res.tokens, [ID['<s>'], ID['<|system|>'], ID.ok, ID['<|user|>'], ID.Hi, ID['<|assistant|>']]);
  await post(app, '/v1/chat/completions', { model: 'tiny', messages });
  t.same(engine.requests[0].promptIds, res.tokens);
  const open = (await post(app, '/tokenize', { messages, add_generation_prompt: false })).json();
  t.same(open.tokens, res.tokens.slice(0, -1));
  const think = (await post(app, '/tokenize', { messages, chat_template_kwargs: { enable_thinking: false } })).json();
  t.same(think.tokens.slice(-2), [ID['<think>'], ID['</think>']]);
});

t.test('detokenize and version', async (t) => {
  const { app } = await testApp(t);
  t.same((await post(app, '/detokenize', { model: 'tiny', tokens: [ID['<s>'], ID.Hello, ID[' world']] })).json(), {
    prompt: '<s>Hello world',
  });
  const version = await app.inject({ method: 'GET', url: '/version' });
  t.same(version.json(), { version: SERVER_VERSION });
});

t.test('bad requests name the param', async (t) => {
  const { app } = await testApp(t);
  const cases: Array<[string, Record<string, unknown>, number, string | null]> = [
    ['/tokenize', { prompt: 'x', model: 'gpt-4o' }, 404, 'model'],
    ['/tokenize', { prompt: 'x', bogus: 1 }, 400, 'bogus'],
    ['/tokenize', { messages: [{ role: 'user' }] }, 400, 'messages[0].content'],
    ['/tokenize', { prompt: 1 }, 400, 'prompt'],
    ['/detokenize', { tokens: [1, 99] }, 400, 'tokens[1]'],
    ['/detokenize', { tokens: [-1] }, 400, 'tokens[0]'],
  ];
  for (const [url, body, status, param] of cases) {
    const res = await post(app, url, body);
    t.equal(res.statusCode, status, `${url} ${JSON.stringify(body)}`);
    t.equal(res.json().error.param, param, `${url} ${JSON.stringify(body)}`);
  }
});
