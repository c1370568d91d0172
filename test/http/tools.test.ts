// Tool calling over HTTP with a scripted engine: the tools reach the chat template (or a
// system message, for a template that knows none), the grammar reaches the engine, and a
// call in the output becomes message.tool_calls / OpenAI's streamed tool-call deltas.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import OpenAI from 'openai';
import { loadConfig } from '../../src/config.js';
import { ChatCompletionRequest } from '../../src/protocol/chat.js';
import { renderChatPrompt } from '../../src/serving/chat-request.js';
import { servingContext } from '../../src/serving/context.js';
import { resolveTools } from '../../src/serving/tool-request.js';
import { validator } from '../../src/protocol/validate.js';
import { FakeEngine, type ScriptToken } from '../support/fake-engine.js';
import { tinyTokenizer } from '../support/tiny-tokenizer.js';
import { chat, sseData, testApp } from './helpers.js';

const QWEN = fs.readFileSync(path.resolve(import.meta.dirname, '../fixtures/chat-templates/qwen2.5.jinja'), 'utf8');
const WEATHER = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
} as const;
const CALL_TEXT = ['<tool_call>\n{"name": "get_weather", ', '"arguments": {"city": "Paris"}}\n</tool_call>'];
const script = (texts: string[]) => (): ScriptToken[] => texts.map((text, i) => ({ id: 5 + i, text }));
const model = { contextLength: 4096 };

t.test("tools reach the template: Hugging Face's `tools` variable, or a system message", async (t) => {
  const body = { model: 'tiny', messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [WEATHER] };
  const req = validator(ChatCompletionRequest).parse(body);
  const config = loadConfig(['--model', 'm'], {});
  const qwen = servingContext(config, new FakeEngine({ model }), tinyTokenizer({ chatTemplate: QWEN }));
  const rendered = renderChatPrompt(req, qwen, resolveTools(req, qwen));
  t.match(
    rendered,
    /<tools>\n\{"type": "function", "function": \{"name": "get_weather"/,
    'the template lists the tool',
  );
  t.match(rendered, /<tool_call>/, 'and tells the model its call format');

  const plain = servingContext(config, new FakeEngine({ model }), tinyTokenizer());
  const generic = resolveTools(req, plain);
  t.equal(generic.parser?.name, 'generic');
  t.match(
    renderChatPrompt(req, plain, generic),
    /^<s><\|system\|>You can call these tools:\n\{"name":"get_weather"/,
    'generic: a system message',
  );

  const forced = loadConfig(['--model', 'm', '--tool-call-parser', 'mistral'], {});
  t.equal(
    resolveTools(req, servingContext(forced, new FakeEngine({ model }), tinyTokenizer({ chatTemplate: QWEN }))).parser
      ?.name,
    'mistral',
    '--tool-call-parser overrides the detection',
  );
});

t.test('a call in the output: tool_calls, content null, finish_reason tool_calls', async (t) => {
  const { app, engine } = await testApp(t, {
    tokenizer: tinyTokenizer({ chatTemplate: QWEN }),
    engine: { model, script: script(CALL_TEXT) },
  });
  const res = await chat(app, { tools: [WEATHER] });
  t.equal(res.statusCode, 200, res.body);
  const choice = res.json().choices[0];
  t.equal(choice.finish_reason, 'tool_calls');
  t.equal(choice.message.content, null);
  t.equal(choice.message.tool_calls.length, 1);
  const call = choice.message.tool_calls[0];
  t.match(call.id, /^call_[0-9a-f]{24}$/);
  t.same(
    { type: call.type, function: call.function },
    { type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
  );
  const grammar = engine.requests[0].grammar;
  t.equal(grammar?.type, 'structural_tag');
  t.match(
    JSON.parse((grammar as { tag: string }).tag).format,
    { type: 'triggered_tags', triggers: ['<tool_call>'] },
    'auto: a triggered grammar',
  );

  const required = await chat(app, { tools: [WEATHER], tool_choice: 'required', parallel_tool_calls: false });
  t.equal(required.statusCode, 200);
  t.match(JSON.parse((engine.requests[1].grammar as { tag: string }).tag).format, {
    type: 'tags_with_separator',
    at_least_one: true,
    stop_after_first: true,
  });

  const none = await chat(app, { tools: [WEATHER], tool_choice: 'none' });
  t.equal(none.json().choices[0].message.content, CALL_TEXT.join(''), 'tool_choice none: the text stays text');
  t.equal(engine.requests[2].grammar, undefined);
});

t.test('text without a call stays content', async (t) => {
  const { app } = await testApp(t, {
    tokenizer: tinyTokenizer({ chatTemplate: QWEN }),
    engine: { model, script: script(['Sunny', ' today.']) },
  });
  const choice = (await chat(app, { tools: [WEATHER] })).json().choices[0];
  t.equal(choice.finish_reason, 'stop');
  t.equal(choice.message.content, 'Sunny today.');
  t.notOk('tool_calls' in choice.message);
});

t.test('streamed calls: the frames, byte for byte, and the openai SDK reassembles them', async (t) => {
  const { app } = await testApp(t, {
    tokenizer: tinyTokenizer({ chatTemplate: QWEN }),
    engine: { model, script: script(['Let me check. ', ...CALL_TEXT]) },
  });
  const res = await chat(app, { tools: [WEATHER], stream: true });
  const frames = sseData(res.body) as Array<Record<string, unknown> | string>;
  t.equal(frames.at(-1), '[DONE]');
  const chunks = frames.slice(0, -1) as Array<{
    id: string;
    created: number;
    choices: Array<{ delta: Record<string, unknown>; finish_reason: string | null }>;
  }>;
  const id = /"id":"call_([0-9a-f]{24})"/.exec(res.body)![1];
  const head =
    `{"id":"${chunks[0].id}","object":"chat.completion.chunk","created":${chunks[0].created},` +
    `"model":"tiny","system_fingerprint":`;
  const bodies = res.body
    .split('\n\n')
    .filter((f) => f.startsWith('data: {'))
    .map((f) => f.slice(6).replace(/^.*?"system_fingerprint":"[^"]*",/, ''));
  t.ok(res.body.includes(head), 'every chunk has the usual header');
  t.same(bodies, [
    '"choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}',
    '"choices":[{"index":0,"delta":{"content":"Let me check."},"logprobs":null,"finish_reason":null}]}',
    `"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_${id}","type":"function",` +
      `"function":{"name":"get_weather","arguments":""}}]},"logprobs":null,"finish_reason":null}]}`,
    '"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\\"city\\":\\"Paris\\"}"}}]},' +
      '"logprobs":null,"finish_reason":null}]}',
    '"choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"tool_calls"}]}',
  ]);

  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'none', maxRetries: 0 });
  const stream = client.chat.completions.stream({
    model: 'tiny',
    messages: [{ role: 'user', content: 'Hi' }],
    tools: [WEATHER],
  });
  const final = await stream.finalChatCompletion();
  t.equal(final.choices[0].finish_reason, 'tool_calls');
  t.same(
    final.choices[0].message.tool_calls?.map((c) => c.type === 'function' && c.function),
    [{ name: 'get_weather', arguments: '{"city":"Paris"}' }],
  );
  t.equal(final.choices[0].message.content, 'Let me check.');
});

t.test('tool parameters XGrammar cannot compile: a 400 naming tools', async (t) => {
  const { app, engine } = await testApp(t, { tokenizer: tinyTokenizer({ chatTemplate: QWEN }), engine: { model } });
  const bad = { type: 'function', function: { name: 'f', parameters: { type: 'nope' } } };
  const res = await chat(app, { tools: [bad], tool_choice: 'required' });
  t.equal(res.statusCode, 400);
  t.equal(res.json().error.param, 'tools');
  t.match(res.json().error.message, /Unsupported type "nope"/);
  t.equal(engine.requests.length, 0);
});
