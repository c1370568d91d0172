// /v1/completions: the four prompt forms, choice ordering for batches, legacy
// logprobs, and streaming.
import t, { type Test } from 'tap';
import type { ScriptToken } from '../support/fake-engine.js';
import { ID, tinyTokenizer } from '../support/tiny-tokenizer.js';
import { complete, sseData, testApp } from './helpers.js';

t.test('a string prompt gets BOS; response has the text_completion shape', async (t) => {
  const { app, engine } = await testApp(t);
  const res = await complete(app, { prompt: 'Hello world', max_tokens: 5 });
  t.equal(res.statusCode, 200);
  const body = res.json();
  t.match(body.id, /^cmpl-[0-9a-f]{24}$/);
  t.same(
    { ...body, id: 'X', created: 0, system_fingerprint: 'F' },
    {
      id: 'X',
      object: 'text_completion',
      created: 0,
      model: 'tiny',
      system_fingerprint: 'F',
      choices: [{ index: 0, text: 'Hello world!', logprobs: null, finish_reason: 'stop' }],
      usage: {
        prompt_tokens: 3,
        completion_tokens: 3,
        total_tokens: 6,
        completion_tokens_details: { reasoning_tokens: 0, soft_tokens: 0 },
      },
    },
  );
  t.same(engine.requests[0].promptIds, [ID['<s>'], ID.Hello, ID[' world']]);
  t.equal(engine.requests[0].stop.maxTokens, 5);
});

t.test('prompt forms: string[], number[], number[][]; choices ordered prompt-major', async (t) => {
  const { app, engine } = await testApp(t);
  const ids = (await complete(app, { prompt: [5, 6], return_token_ids: true })).json();
  t.same(engine.requests[0].promptIds, [5, 6], 'token ids are used as given');
  t.same(ids.prompt_token_ids, [5, 6]);

  engine.requests.length = 0;
  const batch = (await complete(app, { prompt: ['Hi', 'Hello'], n: 2, seed: 1, return_token_ids: true })).json();
  t.same(
    engine.requests.map((r) => [r.promptIds, r.sampling.seed]),
    [
      [[1, ID.Hi], 1],
      [[1, ID.Hi], 2],
      [[1, ID.Hello], 1],
      [[1, ID.Hello], 2],
    ],
  );
  t.same(
    batch.choices.map((c: any) => c.index),
    [0, 1, 2, 3],
  );
  t.same(
    batch.prompt_token_ids,
    [
      [1, ID.Hi],
      [1, ID.Hello],
    ],
    'one list per prompt for a batch',
  );
  t.equal(batch.usage.prompt_tokens, 4);
  t.equal(batch.usage.completion_tokens, 12);

  engine.requests.length = 0;
  await complete(app, { prompt: [[5], [6, 7]] });
  t.same(
    engine.requests.map((r) => r.promptIds),
    [[5], [6, 7]],
  );
  await complete(app, { prompt: 'x', best_of: 1, echo: false, suffix: null });
  t.equal(engine.requests.length, 3, 'no-op values of best_of/echo/suffix are accepted');
});

t.test('legacy logprobs format', async (t) => {
  const { app } = await testApp(t);
  const lp = (await complete(app, { logprobs: 2 })).json().choices[0].logprobs;
  t.same(lp, {
    tokens: ['Hello', ' world', '!'],
    token_logprobs: [-0.5, -0.5, -0.5],
    top_logprobs: [
      { Hello: -0.5, ' world': -1.5 },
      { ' world': -0.5, '!': -1.5 },
      { '!': -0.5, Hi: -1.5 },
    ],
    text_offset: [0, 5, 11],
  });
  const frames = sseData((await complete(app, { logprobs: 0, stream: true })).body) as any[];
  t.same(
    frames.slice(0, 3).map((f) => f.choices[0].logprobs.text_offset),
    [[0], [5], [11]],
    'offsets continue across chunks',
  );
});

/** Every token's string sits in the text at its offset; tokens the text leaves out are ''. */
function linedUp(t: Test, text: string, lp: { tokens: string[]; text_offset: number[] }) {
  for (const [i, tok] of lp.tokens.entries()) {
    t.equal(text.slice(lp.text_offset[i], lp.text_offset[i] + tok.length), tok, `token ${i}`);
  }
  t.same(
    [...lp.text_offset].sort((a, b) => a - b),
    lp.text_offset,
    'offsets never go back',
  );
}

t.test('logprobs line up with the text: special tokens, thinking tags and held-back text', async (t) => {
  const script = (): ScriptToken[] => [
    { id: ID['<think>'], text: '', reasoning: true },
    { id: ID.Hi, text: 'Hi', reasoning: true },
    { id: ID['</think>'], text: '', reasoning: true },
    { id: ID[' there'], text: '' },
    { id: ID[' Paris'], text: ' there Paris' },
    { id: ID['</s>'], text: '' },
  ];
  const { app } = await testApp(t, {
    engine: { script, model: { thinkTokenIds: { open: ID['<think>'], close: ID['</think>'] } } },
  });
  const choice = (await complete(app, { logprobs: 1 })).json().choices[0];
  t.equal(choice.text, 'Hi there Paris');
  t.same(choice.logprobs.tokens, ['', 'Hi', '', ' there', ' Paris', '']);
  t.same(choice.logprobs.text_offset, [0, 0, 2, 2, 8, 14]);
  linedUp(t, choice.text, choice.logprobs);
  const frames = sseData((await complete(app, { logprobs: 1, stream: true })).body).slice(0, -1) as any[];
  const text = frames.map((f) => f.choices[0].text).join('');
  const streamed = {
    tokens: frames.flatMap((f) => f.choices[0].logprobs.tokens),
    text_offset: frames.flatMap((f) => f.choices[0].logprobs.text_offset),
  };
  t.equal(text, choice.text);
  t.same(streamed, { tokens: choice.logprobs.tokens, text_offset: choice.logprobs.text_offset }, 'streamed the same');
});

t.test('streaming: text chunks, finish chunk, usage chunk, [DONE]', async (t) => {
  const { app } = await testApp(t);
  const res = await complete(app, { stream: true, stream_options: { include_usage: true }, return_token_ids: true });
  const id = /"id":"(cmpl-[0-9a-f]+)"/.exec(res.body)![1];
  const created = /"created":(\d+)/.exec(res.body)![1];
  const fp = /"system_fingerprint":"([^"]+)"/.exec(res.body)![1];
  const head =
    `{"id":"${id}","object":"text_completion","created":${created},"model":"tiny",` + `"system_fingerprint":"${fp}"`;
  const choice = (text: string, ids: number[], finish: string | null) =>
    `{"index":0,"text":${JSON.stringify(text)},"logprobs":null,"finish_reason":${JSON.stringify(finish)},` +
    `"token_ids":${JSON.stringify(ids)}}`;
  t.equal(
    res.body,
    `data: ${head},"choices":[${choice('Hello', [ID.Hello], null)}],"usage":null,"prompt_token_ids":[1,5]}\n\n` +
      `data: ${head},"choices":[${choice(' world', [ID[' world']], null)}],"usage":null}\n\n` +
      `data: ${head},"choices":[${choice('!', [ID['!']], null)}],"usage":null}\n\n` +
      `data: ${head},"choices":[${choice('', [], 'stop')}],"usage":null}\n\n` +
      `data: ${head},"choices":[],"usage":{"prompt_tokens":2,"completion_tokens":3,"total_tokens":5,` +
      `"completion_tokens_details":{"reasoning_tokens":0,"soft_tokens":0}}}\n\n` +
      'data: [DONE]\n\n',
  );
});

t.test('reasoning text stays in the legacy text field', async (t) => {
  const { app } = await testApp(t, {
    engine: {
      script: () => [
        { id: ID.Hi, text: 'Hi', reasoning: true },
        { id: ID.ok, text: 'ok' },
      ],
    },
  });
  const body = (await complete(app, {})).json();
  t.equal(body.choices[0].text, 'Hiok');
  t.equal(body.usage.completion_tokens_details.reasoning_tokens, 1);
});

t.test('a word outside the vocabulary is the unknown token; without one the prompt is a 400 naming it', async (t) => {
  const { app, engine } = await testApp(t);
  // @huggingface/tokenizers leaves such words without an id: echo with logprobs answered 500.
  const res = await complete(app, { prompt: 'Hello xyz', echo: true, logprobs: 1, max_tokens: 1 });
  t.equal(res.statusCode, 200, res.body);
  t.same(engine.requests.at(-1)!.promptIds, [ID['<s>'], ID.Hello, ID['<unk>']], 'the unknown word is <unk>');
  const lp = res.json().choices[0].logprobs;
  // Special tokens (<s>, <unk>) are text the answer leaves out: their strings are ''.
  t.same(lp.tokens.slice(0, 3), ['', 'Hello', ''], 'the prompt echoed token by token');
  t.equal(lp.token_logprobs.length, 4, 'three prompt tokens and one generated');

  const strict = await testApp(t, { tokenizer: tinyTokenizer({ unkToken: false }) });
  for (const [prompt, param] of [
    ['Hello xyz', 'prompt'],
    [['Hello', 'Hi xyz'], 'prompt[1]'],
  ] as const) {
    const bad = await complete(strict.app, { prompt, echo: true, logprobs: 1 });
    t.equal(bad.statusCode, 400, `${JSON.stringify(prompt)}: 400`);
    t.match(bad.json().error, { param, code: 'invalid_request', message: /no id for a piece of "Hi xyz|Hello xyz"/ });
  }
  t.equal(strict.engine.requests.length, 0, 'nothing reached the engine');
});
