// The whole request schema of Chat Completions and Completions: the fields SDKs and
// frameworks send by default are accepted and change nothing; vLLM's and llama.cpp's
// extras take effect; what would silently change the result is a 400 naming the param.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { loadConfig } from '../../src/config.js';
import { ChatCompletionRequest } from '../../src/protocol/chat.js';
import { planChat } from '../../src/serving/chat-request.js';
import { servingContext } from '../../src/serving/context.js';
import { validator } from '../../src/protocol/validate.js';
import { FakeEngine } from '../support/fake-engine.js';
import { ID, tinyTokenizer } from '../support/tiny-tokenizer.js';
import { chat, complete, sseData, testApp } from './helpers.js';

const noOps = {
  store: true,
  metadata: { app: 'x' },
  service_tier: 'auto',
  user: 'u1',
  safety_identifier: 'h1',
  prompt_cache_key: 'k',
  prompt_cache_retention: '24h',
  verbosity: 'low',
  modalities: ['text'],
  prediction: { type: 'content', content: 'Hello' },
  parallel_tool_calls: false,
  tool_choice: 'none',
  response_format: { type: 'text' },
  cache_prompt: true,
};

t.test('fields clients send by default are accepted and change nothing', async (t) => {
  const { app, engine } = await testApp(t);
  const plain = await chat(app, { seed: 1 });
  const withAll = await chat(app, {
    seed: 1,
    ...noOps,
    stream: true,
    stream_options: { include_usage: true, include_obfuscation: true },
  });
  t.equal(plain.statusCode, 200);
  t.equal(withAll.statusCode, 200, withAll.body.slice(0, 300));
  const { id: _a, ...first } = engine.requests[0];
  const { id: _b, ...second } = engine.requests[1];
  t.same(second, first, 'the engine sees the same request');
  const {
    store: _s,
    metadata: _m,
    service_tier: _t,
    prediction: _p,
    verbosity: _v,
    modalities: _o,
    parallel_tool_calls: _c,
    tool_choice: _h,
    response_format: _r,
    safety_identifier: _i,
    prompt_cache_key: _k,
    prompt_cache_retention: _e,
    ...shared
  } = noOps;
  t.equal((await complete(app, shared)).statusCode, 200, 'completions take the shared ones');
});

t.test('what would change the result is refused, naming the param', async (t) => {
  const { app } = await testApp(t);
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ modalities: ['text', 'audio'] }, 'modalities'],
    [{ audio: { voice: 'alloy', format: 'mp3' } }, 'audio'],
    [{ web_search_options: {} }, 'web_search_options'],
    [{ tool_choice: 'auto' }, 'tool_choice'],
    [{ chat_template: '{{ messages }}' }, 'chat_template'],
    [{ max_token: 5 }, 'max_token'],
    [{ n_predict: 0 }, 'n_predict'],
    [{ truncate_prompt_tokens: 0 }, 'truncate_prompt_tokens'],
    [{ max_tokens: 3, n_predict: 4 }, 'n_predict'],
    [{ metadata: { a: 1 } }, 'metadata.a'],
    [{ add_generation_prompt: true, continue_final_message: true }, 'continue_final_message'],
    [{ continue_final_message: true }, 'messages'],
  ];
  for (const [body, param] of cases) {
    const res = await chat(app, body);
    t.equal(res.statusCode, 400, JSON.stringify(body));
    t.equal(res.json().error.param, param, JSON.stringify(body));
  }
});

t.test("n_predict is max_tokens; truncate_prompt_tokens keeps the prompt's tail", async (t) => {
  const { app, engine } = await testApp(t);
  await complete(app, { n_predict: 2 });
  t.equal(engine.requests.at(-1)!.stop.maxTokens, 2);
  await complete(app, { n_predict: -1, max_tokens: 3 });
  t.equal(engine.requests.at(-1)!.stop.maxTokens, 3, '-1 means no limit of its own');
  await chat(app, { n_predict: 4, max_completion_tokens: 4 });
  t.equal(engine.requests.at(-1)!.stop.maxTokens, 4);
  await complete(app, { prompt: [5, 6, 7, 8], truncate_prompt_tokens: 2 });
  t.same(engine.requests.at(-1)!.promptIds, [7, 8]);
  await chat(app, { truncate_prompt_tokens: 1 });
  t.same(engine.requests.at(-1)!.promptIds, [ID['<|assistant|>']]);
  await complete(app, { prompt: [5, 6, 7], truncate_prompt_tokens: -1 });
  t.same(engine.requests.at(-1)!.promptIds, [5, 6, 7], '-1: the context length, here more than the prompt');
});

/** The rendered prompt text of a chat request under a given template. */
function promptOf(template: string, body: Record<string, unknown>): string {
  const ctx = servingContext(
    loadConfig(['--model', 'm'], {}),
    new FakeEngine(),
    tinyTokenizer({ chatTemplate: template }),
  );
  const req = validator(ChatCompletionRequest).parse({
    model: 'tiny',
    messages: [{ role: 'user', content: 'Hi' }],
    ...body,
  });
  return planChat(req, ctx).promptText()[0];
}

/** A ChatML-like template with an end-of-turn marker, so continuing a message is visible. */
const TURNS =
  '{% for m in messages %}<|{{ m.role }}|>{{ m.content }}</s>{% endfor %}' +
  '{% if add_generation_prompt %}<|assistant|>{% endif %}{% for d in documents or [] %}[{{ d.title }}]{% endfor %}';

t.test('template options: add_generation_prompt, continue_final_message, documents, add_special_tokens', async (t) => {
  const { app, engine } = await testApp(t, { tokenizer: tinyTokenizer({ chatTemplate: TURNS }) });
  const prompt = () => engine.requests.at(-1)!.promptIds;
  await chat(app, {});
  t.same(prompt(), [ID['<|user|>'], ID.Hi, ID['</s>'], ID['<|assistant|>']]);
  await chat(app, { add_generation_prompt: false });
  t.same(prompt(), [ID['<|user|>'], ID.Hi, ID['</s>']]);
  const history = [
    { role: 'user', content: 'Hi' },
    { role: 'assistant', content: 'Hello' },
  ];
  await chat(app, { messages: history, continue_final_message: true, add_generation_prompt: false });
  t.same(
    prompt(),
    [ID['<|user|>'], ID.Hi, ID['</s>'], ID['<|assistant|>'], ID.Hello],
    'no end of turn after the final message',
  );
  await chat(app, { messages: history, continue_final_message: true });
  t.same(
    prompt(),
    [ID['<|user|>'], ID.Hi, ID['</s>'], ID['<|assistant|>'], ID.Hello],
    'add_generation_prompt may be left out',
  );
  t.equal(promptOf(TURNS, { documents: [{ title: 'ok' }, { title: 'Hi' }] }), '<|user|>Hi</s><|assistant|>[ok][Hi]');
  await chat(app, { add_special_tokens: true });
  t.same(prompt()[0], ID['<s>'], "the tokenizer's BOS before the rendered prompt");
});

t.test('echo: chat repeats the final assistant message, completions the prompt; streamed too', async (t) => {
  const { app } = await testApp(t);
  const history = [
    { role: 'user', content: 'Hi' },
    { role: 'assistant', content: 'Hi' },
  ];
  const body = (await chat(app, { messages: history, continue_final_message: true, echo: true })).json();
  t.equal(body.choices[0].message.content, 'HiHello world!');
  t.equal(
    (await chat(app, { echo: true })).json().choices[0].message.content,
    'Hello world!',
    "the final message is the user's: no echo",
  );
  const frames = sseData((await chat(app, { messages: history, echo: true, stream: true })).body) as Array<{
    choices: Array<{ delta: { content?: string } }>;
  }>;
  t.equal(
    frames
      .slice(0, -1)
      .map((f) => f.choices[0].delta.content ?? '')
      .join(''),
    'HiHello world!',
  );

  const batch = (await complete(app, { prompt: ['Hi', 'ok'], n: 2, echo: true, max_tokens: 1 })).json();
  t.same(
    batch.choices.map((c: { text: string }) => c.text),
    ['HiHello', 'HiHello', 'okHello', 'okHello'],
  );
  t.equal(
    (await complete(app, { prompt: [ID.Hi, ID[' there']], echo: true, max_tokens: 1 })).json().choices[0].text,
    'Hi thereHello',
  );
  const streamed = sseData((await complete(app, { prompt: 'Hi', echo: true, stream: true })).body) as Array<{
    choices: Array<{ text: string }>;
  }>;
  t.same(
    streamed.slice(0, -1).map((f) => f.choices[0].text),
    ['Hi', 'Hello', ' world', '!', ''],
  );
});

t.test("chat_template_kwargs: enable_thinking false switches a Qwen3 template's thinking off", async (t) => {
  const qwen3 = fs.readFileSync(path.resolve(import.meta.dirname, '../fixtures/chat-templates/qwen3.jinja'), 'utf8');
  t.equal(promptOf(qwen3, {}), '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n');
  t.equal(
    promptOf(qwen3, { chat_template_kwargs: { enable_thinking: false } }),
    '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n',
  );
});
