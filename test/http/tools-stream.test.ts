// Chat streams with tools under "auto", byte for byte: text goes out token by token,
// only a possible trigger waits, and a call follows as OpenAI's tool-call deltas.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import type { ScriptToken } from '../support/fake-engine.js';
import { tinyTokenizer } from '../support/tiny-tokenizer.js';
import { chat, testApp } from './helpers.js';

const QWEN = fs.readFileSync(path.resolve(import.meta.dirname, '../fixtures/chat-templates/qwen2.5.jinja'), 'utf8');
const WEATHER = {
  type: 'function',
  function: {
    name: 'get_weather',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
} as const;
const script = (texts: string[]) => (): ScriptToken[] => texts.map((text, i) => ({ id: 5 + i, text }));
const model = { contextLength: 4096 };

/** Each data frame's body after the shared header (id, object, created, model, system_fingerprint). */
const bodies = (sse: string) =>
  sse
    .split('\n\n')
    .filter((f) => f.startsWith('data: {'))
    .map((f) => f.slice(6).replace(/^.*?"system_fingerprint":"[^"]*",/, ''));
const text = (content: string) =>
  `"choices":[{"index":0,"delta":{"content":${JSON.stringify(content)}},"logprobs":null,"finish_reason":null}]}`;
const OPENING =
  '"choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}';

async function stream(t: Parameters<typeof testApp>[0], texts: string[], template: string | null = QWEN) {
  const { app } = await testApp(t, {
    tokenizer: tinyTokenizer(template === null ? {} : { chatTemplate: template }),
    engine: { model, script: script(texts) },
  });
  const res = await chat(app, { tools: [WEATHER], stream: true });
  t.equal(res.statusCode, 200);
  t.ok(res.body.endsWith('data: [DONE]\n\n'));
  return bodies(res.body);
}

t.test('a reply without a call streams token by token', async (t) => {
  t.same(await stream(t, ['Sun', 'ny ', 'to', 'day', ' <', 'b>']), [
    OPENING,
    text('Sun'),
    text('ny'),
    text(' to'),
    text('day'),
    text(' <b>'),
    '"choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}',
  ]);
});

t.test('content up to the trigger, then the call as tool-call deltas', async (t) => {
  const frames = await stream(t, [
    'Let',
    ' me',
    ' check.',
    ' <tool',
    '_call>\n{"name": "get_weather", ',
    '"arguments": {"city": ',
    '"Paris"}}\n</tool_call>',
  ]);
  const id = /"id":"(call_[0-9a-f]{24})"/.exec(frames.join(''))![1];
  t.same(frames, [
    OPENING,
    text('Let'),
    text(' me'),
    text(' check.'),
    `"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"${id}","type":"function",` +
      `"function":{"name":"get_weather","arguments":""}}]},"logprobs":null,"finish_reason":null}]}`,
    '"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\\"city\\":\\"Paris\\"}"}}]},' +
      '"logprobs":null,"finish_reason":null}]}',
    '"choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"tool_calls"}]}',
  ]);
});

t.test('a template that knows no tools: the generic envelope streams its answer', async (t) => {
  t.same(await stream(t, ['{"response": "', 'Hel', 'lo\\n', 'wor', 'ld"}'], null), [
    OPENING,
    text('Hel'),
    text('lo\n'),
    text('wor'),
    text('ld'),
    '"choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}',
  ]);
});
