// The playground's tools and structured-output parts without a browser: the settings
// become request fields (with readable errors), the server accepts the page's body, and
// its streamed tool-call deltas reassemble into the calls the page shows, indented.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { outputFields, SettingsError, type OutputSettings } from '../../src/playground/client/output-options.js';
import { chatRequestBody } from '../../src/playground/client/request-body.js';
import { prettyArguments, prettyJson, ToolCallAccumulator } from '../../src/playground/client/tool-calls.js';
import type { ChatChunk } from '../../src/playground/client/wire-types.js';
import type { ScriptToken } from '../support/fake-engine.js';
import { tinyTokenizer } from '../support/tiny-tokenizer.js';
import { selarSettings } from './selar-settings.js';
import { post, sseData, testApp } from '../http/helpers.js';

const QWEN = fs.readFileSync(path.resolve(import.meta.dirname, '../fixtures/chat-templates/qwen2.5.jinja'), 'utf8');
const WEATHER = { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } };
const none: OutputSettings = { tools: '', toolChoice: 'auto', format: 'text', schema: '' };

t.test('settings → tools, tool_choice and response_format', async (t) => {
  t.same(outputFields(none), {}, 'nothing set: no fields');
  t.same(outputFields({ ...none, tools: JSON.stringify([WEATHER]), toolChoice: 'required' }), {
    tools: [{ type: 'function', function: WEATHER }],
    tool_choice: 'required',
  });
  const full = { type: 'function', function: WEATHER };
  t.same(outputFields({ ...none, tools: JSON.stringify([full]) }).tools, [full], 'the full shape is kept');
  t.same(outputFields({ ...none, tools: ' [] ' }), {}, 'an empty list: no tools');
  t.same(outputFields({ ...none, format: 'json_object' }), { response_format: { type: 'json_object' } });
  t.same(outputFields({ ...none, format: 'json_schema', schema: '{"type": "object"}' }), {
    response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' }, strict: true } },
  });
  t.same(outputFields({ ...none, format: 'text', schema: 'not json' }), {}, 'the schema is read only for json_schema');
  const bad: Array<[Partial<OutputSettings>, RegExp]> = [
    [{ tools: '[{"name": ' }, /^Tools is not valid JSON: /],
    [{ tools: '{"name": "f"}' }, /^Tools must be a JSON list$/],
    [{ tools: '[1]' }, /^tools\[0\] is not an object$/],
    [{ tools: '[{"parameters": {}}]' }, /^tools\[0\] needs "type": "function"/],
    [{ format: 'json_schema', schema: '{' }, /^The JSON schema is not valid JSON: /],
    [{ format: 'json_schema', schema: '[]' }, /^The JSON schema must be a JSON object$/],
  ];
  for (const [settings, message] of bad)
    t.throws(() => outputFields({ ...none, ...settings }), { name: 'SettingsError', message });
  t.type(new SettingsError('x'), Error);
});

t.test('tool-call fragments reassemble; JSON is indented for reading', async (t) => {
  const acc = new ToolCallAccumulator();
  acc.apply([{ index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '' } }]);
  acc.apply([{ index: 0, function: { arguments: '{"a": ' } }]);
  acc.apply([{ index: 1, id: 'call_2', type: 'function', function: { name: 'g', arguments: '' } }]);
  acc.apply([{ index: 0, function: { arguments: '1}' } }]);
  t.same(acc.calls, [
    { id: 'call_1', name: 'f', arguments: '{"a": 1}' },
    { id: 'call_2', name: 'g', arguments: '' },
  ]);
  t.equal(prettyArguments('{"a":1,"b":[2]}'), '{\n  "a": 1,\n  "b": [\n    2\n  ]\n}');
  t.equal(prettyArguments('{"a":'), '{"a":', 'text that is not JSON stays as it came');
  t.equal(prettyJson('[1]'), '[\n  1\n]');
  t.equal(prettyJson('"just a string"'), null, 'only objects and lists count as a JSON answer');
  t.equal(prettyJson('42'), null);
  t.equal(prettyJson('Sunny.'), null);
});

t.test("the page's body with tools: the server accepts it and its stream gives the calls", async (t) => {
  const texts = ['<tool_call>\n{"name": "get_weather", ', '"arguments": {"city": "Paris"}}\n</tool_call>'];
  const script = (): ScriptToken[] => texts.map((text, i) => ({ id: 5 + i, text }));
  const { app, engine } = await testApp(t, {
    tokenizer: tinyTokenizer({ chatTemplate: QWEN }),
    engine: { model: { contextLength: 4096 }, script },
  });
  const body = chatRequestBody(
    {
      model: 'tiny',
      system: '',
      prompt: 'Weather in Paris?',
      temperature: 0,
      seed: null,
      maxTokens: 32,
      topLogprobs: 2,
      output: { ...none, tools: JSON.stringify([WEATHER]), toolChoice: 'required' },
    },
    selarSettings({ discrete_tokens: 'none' }),
  );
  const res = await post(app, '/v1/chat/completions', body);
  t.equal(res.statusCode, 200, res.body);
  t.equal(engine.requests[0].grammar?.type, 'structural_tag');
  const acc = new ToolCallAccumulator();
  let finish: string | null = null;
  for (const frame of sseData(res.body)) {
    if (frame === '[DONE]') continue;
    for (const choice of (frame as ChatChunk).choices) {
      if (choice.delta.tool_calls) acc.apply(choice.delta.tool_calls);
      finish = choice.finish_reason ?? finish;
    }
  }
  t.equal(finish, 'tool_calls');
  t.equal(acc.calls.length, 1);
  t.equal(acc.calls[0].name, 'get_weather');
  t.equal(prettyArguments(acc.calls[0].arguments), '{\n  "city": "Paris"\n}');
});
