// Chat responses with n > 1, reasoning, logprobs, return_token_ids and selar_trace,
// both as one object and as stream chunks.
import t from 'tap';
import type { ScriptToken } from '../support/fake-engine.js';
import { ID } from '../support/tiny-tokenizer.js';
import { chat, sseData, testApp } from './helpers.js';

const THINKING: ScriptToken[] = [
  { id: ID['<think>'], text: '', reasoning: true, entropy: 0.9, soft: true },
  { id: ID.Hi, text: 'Hi', reasoning: true, entropy: 0.8, soft: true },
  { id: ID['</think>'], text: '', reasoning: true, entropy: 0.1 },
  { id: ID[' Paris'], text: ' Paris', entropy: 0.05 },
];
const thinkModel = { thinkTokenIds: { open: ID['<think>'], close: ID['</think>'] } };

t.test('n > 1: one choice per sequence, streamed with their own indices', async (t) => {
  const { app, engine } = await testApp(t, { engine: { tokenDelayMs: 1 } });
  const body = (await chat(app, { n: 3, seed: 7 })).json();
  t.same(
    body.choices.map((c: any) => [c.index, c.message.content]),
    [
      [0, 'Hello world!'],
      [1, 'Hello world!'],
      [2, 'Hello world!'],
    ],
  );
  t.equal(body.usage.prompt_tokens, 4, 'the prompt counts once');
  t.equal(body.usage.completion_tokens, 9);
  t.same(
    engine.requests.map((r) => r.sampling.seed),
    [7, 8, 9],
  );

  const frames = sseData((await chat(app, { n: 2, stream: true })).body) as any[];
  t.same(
    frames.slice(0, 2).map((f) => f.choices[0]),
    [0, 1].map((index) => ({ index, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null })),
    'a role chunk per choice, first',
  );
  for (const index of [0, 1]) {
    const mine = frames
      .slice(2, -1)
      .filter((f) => f.choices[0].index === index)
      .map((f) => f.choices[0]);
    t.same(
      mine.map((c) => c.delta.content ?? ''),
      ['Hello', ' world', '!', ''],
      `choice ${index} text`,
    );
    t.equal(mine.at(-1).finish_reason, 'stop');
    t.ok(
      frames.slice(2, -1).every((f) => f.choices.length === 1),
      'one choice per chunk',
    );
  }
});

t.test('reasoning goes to reasoning_content, the answer to content', async (t) => {
  const { app } = await testApp(t, { engine: { model: thinkModel, script: () => THINKING } });
  const body = (await chat(app, {})).json();
  t.same(body.choices[0].message, { role: 'assistant', content: ' Paris', reasoning_content: 'Hi', refusal: null });
  t.same(body.usage.completion_tokens_details, { reasoning_tokens: 3, soft_tokens: 2 });
  const frames = sseData((await chat(app, { stream: true })).body) as any[];
  t.same(
    frames.slice(1, -1).map((f) => f.choices[0].delta),
    [{ reasoning_content: 'Hi' }, { content: ' Paris' }, {}],
  );
  const plain = await testApp(t);
  t.notOk(
    'reasoning_content' in (await chat(plain.app, {})).json().choices[0].message,
    'no field for models without <think>',
  );
});

t.test('return_token_ids and selar_trace: whole response and per chunk', async (t) => {
  const { app } = await testApp(t, { engine: { model: thinkModel, script: () => THINKING } });
  const body = (await chat(app, { return_token_ids: true, selar: { trace: true } })).json();
  t.same(body.prompt_token_ids, [ID['<s>'], ID['<|user|>'], ID.Hi, ID['<|assistant|>']]);
  t.same(
    body.choices[0].token_ids,
    THINKING.map((s) => s.id),
  );
  t.same(body.choices[0].selar_trace, [
    { entropy: 0.9, soft: true },
    { entropy: 0.8, soft: true },
    { entropy: 0.1, soft: false },
    { entropy: 0.05, soft: false },
  ]);
  const frames = sseData(
    (await chat(app, { stream: true, return_token_ids: true, selar: { trace: true } })).body,
  ) as any[];
  t.same(frames[0].prompt_token_ids, body.prompt_token_ids, 'prompt ids in the first chunk');
  t.notOk('prompt_token_ids' in frames[1]);
  const choices = frames.slice(0, -1).map((f) => f.choices[0]);
  t.same(
    choices.map((c) => c.token_ids),
    [[], [ID['<think>'], ID.Hi], [ID['</think>'], ID[' Paris']], []],
    'held-back tokens ride with the next text',
  );
  t.same(
    choices.map((c) => c.selar_trace.length),
    [0, 2, 2, 0],
  );
  t.same(
    choices.flatMap((c) => c.selar_trace),
    body.choices[0].selar_trace,
  );
  const without = (await chat(app, {})).json();
  t.notOk('token_ids' in without.choices[0]);
  t.notOk('selar_trace' in without.choices[0]);
  t.notOk('prompt_token_ids' in without);
});

t.test('hot mode: trace entries say which tokens were hot, usage counts them', async (t) => {
  const script = () => [
    { id: ID.Hello, text: 'Hello', hot: true, entropy: 0.9 },
    { id: ID['!'], text: '!', entropy: 0.1 },
  ];
  const { app } = await testApp(t, { engine: { script } });
  const hot = (await chat(app, { selar: { mode: 'hot', trace: true } })).json();
  t.same(hot.choices[0].selar_trace, [
    { entropy: 0.9, soft: false, hot: true },
    { entropy: 0.1, soft: false, hot: false },
  ]);
  t.same(hot.usage.completion_tokens_details, {
    reasoning_tokens: 0,
    soft_tokens: 0,
    hot_tokens: 1,
    latent: { mode: 'hot', soft_steps: 0, thinking_ended: { model: 0, budget: 0, cold_stop: 0 } },
  });
  const plain = (await chat(app, { selar: { trace: true } })).json();
  t.same(
    plain.choices[0].selar_trace,
    [
      { entropy: 0.9, soft: false },
      { entropy: 0.1, soft: false },
    ],
    'other modes keep the two-field entries',
  );
  t.notOk('hot_tokens' in plain.usage.completion_tokens_details);
});

t.test('chat logprobs: OpenAI content format, per chunk in streams', async (t) => {
  const { app } = await testApp(t);
  const body = (await chat(app, { logprobs: true, top_logprobs: 2 })).json();
  const lp = body.choices[0].logprobs;
  t.equal(lp.refusal, null);
  t.same(lp.content[1], {
    token: ' world',
    logprob: -0.5,
    bytes: [32, 119, 111, 114, 108, 100],
    top_logprobs: [
      { token: ' world', logprob: -0.5, bytes: [32, 119, 111, 114, 108, 100] },
      { token: '!', logprob: -1.5, bytes: [33] },
    ],
  });
  t.equal(lp.content.length, 3);
  const frames = sseData((await chat(app, { stream: true, logprobs: true })).body) as any[];
  t.same(
    frames.slice(1, 4).map((f) => f.choices[0].logprobs.content.map((c: any) => [c.token, c.top_logprobs.length])),
    [[['Hello', 0]], [[' world', 0]], [['!', 0]]],
  );
  t.equal(frames[0].choices[0].logprobs, null);
  t.equal((await chat(app, {})).json().choices[0].logprobs, null);
});

t.test('logprob bytes of a token that is part of a character', async (t) => {
  const { app } = await testApp(t, { engine: { script: () => [{ id: ID.é, text: 'é' }] } });
  const entry = (await chat(app, { logprobs: true })).json().choices[0].logprobs.content[0];
  t.same(entry.bytes, [0xc3, 0xa9]);
});

t.test('finish_reason length when max_tokens cuts the text', async (t) => {
  const { app, engine } = await testApp(t);
  const body = (await chat(app, { max_tokens: 2 })).json();
  t.equal(body.choices[0].finish_reason, 'length');
  t.equal(body.choices[0].message.content, 'Hello world');
  t.equal(engine.requests[0].stop.maxTokens, 2);
});
