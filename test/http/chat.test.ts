// /v1/chat/completions against the fake engine: response shape, exact SSE bytes,
// usage chunk rules, n > 1, reasoning split, extensions in responses and chunks.
import t from 'tap';
import { ID, tinyTokenizer } from '../support/tiny-tokenizer.js';
import { chat, sseData, testApp } from './helpers.js';

t.test('non-streaming response has OpenAI shape', async (t) => {
  const { app, engine } = await testApp(t);
  const res = await chat(app, {});
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^application\/json/);
  const body = res.json();
  t.match(body.id, /^chatcmpl-[0-9a-f]{24}$/);
  t.match(body.system_fingerprint, /^fp_selar_[0-9a-f]{10}$/);
  t.same(
    { ...body, id: 'X', created: 0, system_fingerprint: 'F' },
    {
      id: 'X',
      object: 'chat.completion',
      created: 0,
      model: 'tiny',
      system_fingerprint: 'F',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Hello world!', refusal: null },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: {
        prompt_tokens: 4,
        completion_tokens: 3,
        total_tokens: 7,
        completion_tokens_details: { reasoning_tokens: 0, soft_tokens: 0 },
      },
    },
  );
  t.ok(Math.abs(body.created - Date.now() / 1000) < 5);
  // <s><|user|>Hi<|assistant|> through the template and tokenizer
  t.same(engine.requests[0].promptIds, [ID['<s>'], ID['<|user|>'], ID.Hi, ID['<|assistant|>']]);
});

t.test('streaming bytes: role first, one chunk per text, finish chunk, [DONE]', async (t) => {
  const { app } = await testApp(t);
  const res = await chat(app, { stream: true });
  t.equal(res.statusCode, 200);
  t.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8');
  t.equal(res.headers['cache-control'], 'no-cache');
  t.ok(res.headers['x-request-id']);
  const id = /"id":"(chatcmpl-[0-9a-f]+)"/.exec(res.body)![1];
  const created = /"created":(\d+)/.exec(res.body)![1];
  const fp = /"system_fingerprint":"([^"]+)"/.exec(res.body)![1];
  const head =
    `{"id":"${id}","object":"chat.completion.chunk","created":${created},"model":"tiny",` +
    `"system_fingerprint":"${fp}"`;
  const frame = (choice: string) => `data: ${head},"choices":[${choice}]}\n\n`;
  t.equal(
    res.body,
    frame('{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}') +
      frame('{"index":0,"delta":{"content":"Hello"},"logprobs":null,"finish_reason":null}') +
      frame('{"index":0,"delta":{"content":" world"},"logprobs":null,"finish_reason":null}') +
      frame('{"index":0,"delta":{"content":"!"},"logprobs":null,"finish_reason":null}') +
      frame('{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}') +
      'data: [DONE]\n\n',
  );
});

t.test('include_usage: usage null on every chunk, then a usage chunk with no choices', async (t) => {
  const { app } = await testApp(t);
  const frames = sseData((await chat(app, { stream: true, stream_options: { include_usage: true } })).body) as any[];
  t.equal(frames.at(-1), '[DONE]');
  const usage = frames.at(-2);
  t.same(usage.choices, []);
  t.same(usage.usage, {
    prompt_tokens: 4,
    completion_tokens: 3,
    total_tokens: 7,
    completion_tokens_details: { reasoning_tokens: 0, soft_tokens: 0 },
  });
  for (const f of frames.slice(0, -2)) t.equal(f.usage, null);
  const off = sseData((await chat(app, { stream: true, stream_options: { include_usage: false } })).body) as any[];
  for (const f of off.slice(0, -1)) t.notOk('usage' in f, 'no usage field without include_usage');
  t.equal(off.filter((f) => f !== '[DONE]' && f.choices.length === 0).length, 0);
});

t.test('final flushed text rides on the finish chunk', async (t) => {
  const { app } = await testApp(t, { engine: { script: () => [{ id: ID.ok, text: '' }], finalText: 'ok' } });
  const frames = sseData((await chat(app, { stream: true })).body) as any[];
  t.same(
    frames.slice(1, -1).map((f) => [f.choices[0].delta, f.choices[0].finish_reason]),
    [[{ content: 'ok' }, 'stop']],
  );
  t.equal((await chat(app, {})).json().choices[0].message.content, 'ok');
});

t.test('messages the tokenizer cannot encode: the unknown token, or a 400 naming messages', async (t) => {
  const { app, engine } = await testApp(t);
  t.equal((await chat(app, { messages: [{ role: 'user', content: 'Hi xyz' }] })).statusCode, 200);
  t.ok(engine.requests.at(-1)!.promptIds.includes(ID['<unk>']), 'the unknown word is <unk>');
  const strict = await testApp(t, { tokenizer: tinyTokenizer({ unkToken: false }) });
  const bad = await chat(strict.app, { messages: [{ role: 'user', content: 'Hi xyz' }] });
  t.equal(bad.statusCode, 400);
  t.match(bad.json().error, { param: 'messages', code: 'invalid_request', message: /cannot be encoded/ });
  t.equal(strict.engine.requests.length, 0, 'nothing reached the engine');
});
