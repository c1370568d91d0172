// prompt_logprobs (vLLM's shape) on both endpoints and echo (OpenAI's shape) on
// completions, one object and streamed.
import t from 'tap';
import { ID } from '../support/tiny-tokenizer.js';
import { chat, complete, sseData, testApp } from './helpers.js';

t.test('chat: prompt_logprobs at the top level, vLLM shape', async (t) => {
  const { app, engine } = await testApp(t);
  const body = (await chat(app, { prompt_logprobs: 1 })).json();
  t.equal(engine.requests[0].promptLogprobs, 1);
  const prompt = engine.requests[0].promptIds;
  t.equal(body.prompt_logprobs.length, prompt.length);
  t.equal(body.prompt_logprobs[0], null);
  // Fake engine: token p has logprob -p/10, its one alternative is itself.
  t.same(body.prompt_logprobs[2], { [prompt[2]]: { logprob: -0.2, rank: 1, decoded_token: 'Hi' } });
  t.notOk('prompt_logprobs' in (await chat(app, {})).json(), 'absent unless asked');
  t.equal(engine.requests[1].promptLogprobs, null);

  const frames = sseData((await chat(app, { prompt_logprobs: 0, stream: true })).body) as any[];
  const carrying = frames.filter((f) => f !== '[DONE]' && f.prompt_logprobs);
  t.equal(carrying.length, 1, "the choice's first chunk carries them");
  t.equal(carrying[0].prompt_logprobs.length, prompt.length);
});

t.test('completions: echo puts the prompt before the text, and its logprobs first', async (t) => {
  const { app, engine } = await testApp(t);
  const plain = (await complete(app, { prompt: 'Hello world', echo: true })).json();
  t.equal(plain.choices[0].text, 'Hello worldHello world!');
  t.equal(engine.requests[0].promptLogprobs, null, 'echo without logprobs needs no prompt logits');

  const body = (await complete(app, { prompt: 'Hello world', echo: true, logprobs: 1, max_tokens: 2 })).json();
  t.equal(engine.requests[1].promptLogprobs, 1);
  const lp = body.choices[0].logprobs;
  t.same(lp.tokens, ['', 'Hello', ' world', 'Hello', ' world'], 'the BOS the text never showed is empty');
  t.same(lp.text_offset.slice(0, 3), [0, 0, 5], 'prompt offsets count the echoed text');
  t.same(lp.token_logprobs.slice(0, 3), [null, -0.1, -0.2]);
  t.same(lp.top_logprobs.slice(0, 2), [null, { Hello: -0.1 }]);
  t.same(lp.text_offset.slice(3), [11, 16], 'generated offsets continue after the echoed prompt');
  t.equal(body.choices[0].text, 'Hello worldHello world');
  t.notOk('prompt_logprobs' in body.choices[0]);

  const ids = (
    await complete(app, {
      prompt: [[ID.Hi], [ID.Hello, ID[' world']]],
      echo: true,
      n: 2,
      prompt_logprobs: 0,
      max_tokens: 1,
    })
  ).json();
  t.same(
    ids.choices.map((c: any) => c.text),
    ['HiHello', 'HiHello', 'Hello worldHello', 'Hello worldHello'],
    'each choice echoes its own prompt',
  );
  t.same(
    ids.choices.map((c: any) => c.prompt_logprobs.length),
    [1, 1, 2, 2],
    'and carries its own prompt logprobs',
  );

  const frames = sseData(
    (await complete(app, { prompt: 'Hello', echo: true, logprobs: 0, stream: true })).body,
  ) as any[];
  const choices = frames.filter((f) => f !== '[DONE]').map((f) => f.choices[0]);
  t.equal(choices.map((c) => c.text).join(''), 'HelloHello world!');
  t.equal(choices[0].text, 'HelloHello', 'the first chunk carries the prompt');
  t.same(choices[0].logprobs.tokens, ['', 'Hello', 'Hello']);
  t.same(choices[0].logprobs.token_logprobs[0], null);
  t.same(choices[1].logprobs.text_offset, [10], 'later offsets count the echoed prompt');
});

t.test('a decoder without a settable logit count rejects both fields', async (t) => {
  const { app } = await testApp(t, { engine: { model: { promptLogits: false } } });
  const a = await chat(app, { prompt_logprobs: 2 });
  t.equal(a.statusCode, 400);
  t.equal(a.json().error.param, 'prompt_logprobs');
  const b = await complete(app, { echo: true, logprobs: 1 });
  t.equal(b.statusCode, 400);
  t.equal(b.json().error.param, 'echo');
  t.equal((await complete(app, { echo: true })).statusCode, 200, 'echo alone needs no logits');
});
