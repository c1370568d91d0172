// Function tools on /v1/responses with a scripted engine: the call becomes a
// function_call item (non-streamed, and streamed with OpenAI's exact events), text
// before it streams as it comes, the output round-trips as input with a
// function_call_output, and the openai SDK's create / stream read it all back.
import fs from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import OpenAI from 'openai';
import { loadConfig } from '../../src/config.js';
import { ResponseCreateRequest } from '../../src/protocol/responses.js';
import { validator } from '../../src/protocol/validate.js';
import { servingContext } from '../../src/serving/context.js';
import { planResponse } from '../../src/serving/responses/plan.js';
import { ResponseStore } from '../../src/serving/responses/store.js';
import type { ScriptToken } from '../support/fake-engine.js';
import { tinyTokenizer } from '../support/tiny-tokenizer.js';
import { testApp } from './helpers.js';
import { respond } from './responses-helpers.js';

const QWEN = fs.readFileSync(path.resolve(import.meta.dirname, '../fixtures/chat-templates/qwen2.5.jinja'), 'utf8');
const WEATHER = {
  type: 'function',
  name: 'get_weather',
  description: 'Weather in a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
} as const;
const CALL = ['<tool', '_call>\n{"name": "get_weather", ', '"arguments": {"city": "Paris"}}\n</tool_call>'];
const script = (texts: string[]) => (): ScriptToken[] => texts.map((text, i) => ({ id: 5 + i, text }));
const model = { contextLength: 4096 };

async function app(t: Test, texts: string[]) {
  return testApp(t, { tokenizer: tinyTokenizer({ chatTemplate: QWEN }), engine: { model, script: script(texts) } });
}

t.test('a call becomes a function_call item after the message; the request is echoed', async (t) => {
  const { app: server, engine } = await app(t, ['Checking.', ' ', ...CALL]);
  const res = await respond(server, { tools: [WEATHER] });
  t.equal(res.statusCode, 200, res.body);
  const body = res.json();
  t.equal(body.status, 'completed');
  t.equal(body.output.length, 2);
  t.match(body.output[0], {
    type: 'message',
    status: 'completed',
    content: [{ type: 'output_text', text: 'Checking.' }],
  });
  const call = body.output[1];
  t.match(call.id, /^fc_[0-9a-f]{24}$/);
  t.match(call.call_id, /^call_[0-9a-f]{24}$/);
  t.same(call, {
    id: call.id,
    type: 'function_call',
    status: 'completed',
    call_id: call.call_id,
    name: 'get_weather',
    arguments: '{"city":"Paris"}',
  });
  t.same(body.tools, [{ ...WEATHER, strict: true }], 'tools echoed with strict defaulting to true');
  t.equal(body.tool_choice, 'auto');
  t.match(JSON.parse((engine.requests[0].grammar as { tag: string }).tag).format, {
    type: 'triggered_tags',
    triggers: ['<tool_call>'],
  });

  const named = await respond(server, {
    tools: [WEATHER],
    tool_choice: { type: 'function', name: 'get_weather' },
    parallel_tool_calls: false,
  });
  t.same(named.json().tool_choice, { type: 'function', name: 'get_weather' });
  t.match(JSON.parse((engine.requests[1].grammar as { tag: string }).tag).format, {
    type: 'tags_with_separator',
    at_least_one: true,
    stop_after_first: true,
  });
  const none = await respond(server, { tools: [WEATHER], tool_choice: 'none' });
  t.equal(engine.requests[2].grammar, undefined, 'tool_choice none: no grammar');
  t.same(
    none.json().output.map((i: { type: string }) => i.type),
    ['message'],
    'and the text stays text',
  );
});

t.test('only a call: no message item', async (t) => {
  const { app: server } = await app(t, CALL);
  const body = (await respond(server, { tools: [WEATHER], tool_choice: 'required' })).json();
  t.same(
    body.output.map((i: { type: string }) => i.type),
    ['function_call'],
  );
});

t.test('function_call and function_call_output round-trip into the template', async (t) => {
  const { app: server, engine } = await app(t, ['Sunny.']);
  const first = await app(t, CALL);
  const called = (await respond(first.app, { tools: [WEATHER] })).json();
  const input = [
    { role: 'user', content: 'Weather in Paris?' },
    ...called.output,
    { type: 'function_call_output', call_id: called.output[0].call_id, output: '{"sky":"clear"}' },
  ];
  const res = await respond(server, { input, tools: [WEATHER] });
  t.equal(res.statusCode, 200, res.body);
  t.equal(res.json().output[0].content[0].text, 'Sunny.');
  // The same input planned directly: the template shows the call and its output.
  const ctx = servingContext(loadConfig(['--model', 'm'], {}), engine, tinyTokenizer({ chatTemplate: QWEN }));
  const req = validator(ResponseCreateRequest).parse({ model: 'tiny', input, tools: [WEATHER] });
  const prompt = planResponse(req, ctx, new ResponseStore(1, 1000)).promptText()[0];
  t.match(prompt, '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>');
  t.match(prompt, '<tool_response>\n{"sky":"clear"}\n</tool_response>');
  t.match(prompt, '"name": "get_weather", "description": "Weather in a city"', 'the tools reach the template');
  const stored = await server.inject({ method: 'GET', url: `/v1/responses/${res.json().id}/input_items?order=asc` });
  t.same(
    stored.json().data.map((i: { type?: string }) => i.type),
    ['message', 'function_call', 'function_call_output'],
  );
});

type Event = { type: string; sequence_number: number; [key: string]: unknown };

t.test('streamed: text up to the trigger, then the call with OpenAI’s events, byte for byte', async (t) => {
  const { app: server } = await app(t, ['Check', 'ing.', ' ', ...CALL]);
  const res = await respond(server, { tools: [WEATHER], stream: true });
  t.equal(res.statusCode, 200);
  const msg = /"id":"(msg_[0-9a-f]{24})"/.exec(res.body)![1];
  const fc = /"id":"(fc_[0-9a-f]{24})"/.exec(res.body)![1];
  const callId = /"call_id":"(call_[0-9a-f]{24})"/.exec(res.body)![1];
  const frames = res.body.split('\n\n').slice(0, -1);
  const item = (status: string, args: string) =>
    `{"id":"${fc}","type":"function_call","status":"${status}","call_id":"${callId}","name":"get_weather",` +
    `"arguments":${JSON.stringify(args)}}`;
  const args = '{"city":"Paris"}';
  const expected = [
    `{"type":"response.output_item.added","sequence_number":2,"output_index":0,"item":{"id":"${msg}",` +
      `"type":"message","role":"assistant","status":"in_progress","content":[]}}`,
    `{"type":"response.content_part.added","sequence_number":3,"item_id":"${msg}","output_index":0,` +
      `"content_index":0,"part":{"type":"output_text","text":"","annotations":[],"logprobs":[]}}`,
    `{"type":"response.output_text.delta","sequence_number":4,"item_id":"${msg}","output_index":0,"content_index":0,` +
      `"delta":"Check","logprobs":[]}`,
    `{"type":"response.output_text.delta","sequence_number":5,"item_id":"${msg}","output_index":0,"content_index":0,` +
      `"delta":"ing.","logprobs":[]}`,
    `{"type":"response.output_text.done","sequence_number":6,"item_id":"${msg}","output_index":0,"content_index":0,` +
      `"text":"Checking.","logprobs":[]}`,
    `{"type":"response.content_part.done","sequence_number":7,"item_id":"${msg}","output_index":0,"content_index":0,` +
      `"part":{"type":"output_text","text":"Checking.","annotations":[],"logprobs":[]}}`,
    `{"type":"response.output_item.done","sequence_number":8,"output_index":0,"item":{"id":"${msg}",` +
      `"type":"message","role":"assistant","status":"completed","content":[{"type":"output_text","text":"Checking.",` +
      `"annotations":[],"logprobs":[]}]}}`,
    `{"type":"response.output_item.added","sequence_number":9,"output_index":1,"item":${item('in_progress', '')}}`,
    `{"type":"response.function_call_arguments.delta","sequence_number":10,"item_id":"${fc}","output_index":1,` +
      `"delta":${JSON.stringify(args)}}`,
    `{"type":"response.function_call_arguments.done","sequence_number":11,"item_id":"${fc}","output_index":1,` +
      `"name":"get_weather","arguments":${JSON.stringify(args)}}`,
    `{"type":"response.output_item.done","sequence_number":12,"output_index":1,"item":${item('completed', args)}}`,
  ].map((data) => `event: ${JSON.parse(data).type}\ndata: ${data}`);
  t.same(frames.slice(2, -1), expected);
  const last = JSON.parse(frames.at(-1)!.split('data: ')[1]) as Event;
  t.equal(last.type, 'response.completed');
  t.equal(last.sequence_number, 13);
  const done = last.response as { output: unknown[] };
  t.same(done.output[1], JSON.parse(item('completed', args)));
  const plain = (await respond(server, { tools: [WEATHER] })).json();
  t.same(
    plain.output.map((i: Record<string, unknown>) => ({ ...i, id: undefined, call_id: undefined })),
    done.output.map((i) => ({ ...(i as Record<string, unknown>), id: undefined, call_id: undefined })),
    'the same output as the non-streamed response',
  );
});

t.test('the openai SDK: responses.create and responses.stream with tools', async (t) => {
  const { app: server } = await app(t, ['Checking.', ' ', ...CALL]);
  const url = await server.listen({ host: '127.0.0.1', port: 0 });
  const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'none', maxRetries: 0 });
  const tools: OpenAI.Responses.FunctionTool[] = [{ ...WEATHER, parameters: { ...WEATHER.parameters }, strict: false }];
  const created = await client.responses.create({ model: 'tiny', input: 'Weather in Paris?', tools });
  t.equal(created.output_text, 'Checking.');
  const call = created.output.find((i) => i.type === 'function_call') as OpenAI.Responses.ResponseFunctionToolCall;
  t.match(call, { name: 'get_weather', arguments: '{"city":"Paris"}', status: 'completed' });
  t.same(JSON.parse(call.arguments), { city: 'Paris' });

  const stream = client.responses.stream({ model: 'tiny', input: 'Weather in Paris?', tools });
  let args = '';
  let doneArgs = '';
  stream.on('response.function_call_arguments.delta', (e) => {
    args += e.delta;
  });
  stream.on('response.function_call_arguments.done', (e) => {
    doneArgs = e.arguments;
  });
  const final = await stream.finalResponse();
  t.equal(args, '{"city":"Paris"}');
  t.equal(doneArgs, args);
  const streamed = final.output.find((i) => i.type === 'function_call') as OpenAI.Responses.ResponseFunctionToolCall;
  t.match(streamed, { type: 'function_call', name: 'get_weather', arguments: args });
  t.equal(final.output_text, 'Checking.');

  // The call answered: its output goes back with previous_response_id.
  const next = await client.responses.create({
    model: 'tiny',
    previous_response_id: created.id,
    input: [{ type: 'function_call_output', call_id: call.call_id, output: '{"sky":"clear"}' }],
    tools,
  });
  t.equal(next.status, 'completed');
});

t.test('logprobs with tools: held text keeps its logprobs, streamed or not', async (t) => {
  const { app: server } = await app(t, ['Sun', 'ny', ' ', '<b>']);
  const logprobs = { include: ['message.output_text.logprobs'], tools: [WEATHER] };
  const body = (await respond(server, logprobs)).json();
  t.equal(body.output[0].content[0].text, 'Sunny <b>');
  t.equal(body.output[0].content[0].logprobs.length, 4, 'one entry per answer token');
  const trailing = (await app(t, ['Sun', 'ny', ' '])).app;
  const cut = (await respond(trailing, logprobs)).json();
  t.equal(cut.output[0].content[0].text, 'Sunny', 'trailing whitespace trimmed, as on chat');
  t.equal(cut.output[0].content[0].logprobs.length, 3, 'its token still has its logprobs');
  const streamed = await respond(trailing, { ...logprobs, stream: true });
  const deltas = streamed.body
    .split('\n\n')
    .filter((f) => f.startsWith('event: response.output_text.delta'))
    .map((f) => JSON.parse(f.split('data: ')[1]) as { delta: string; logprobs: unknown[] });
  t.same(
    deltas.map((d) => [d.delta, d.logprobs.length]),
    [
      ['Sun', 1],
      ['ny', 1],
    ],
  );
  const done = JSON.parse(streamed.body.split('event: response.completed\ndata: ')[1]);
  t.equal(done.response.output[0].content[0].logprobs.length, 3, 'the streamed response has them all too');
});
