// OpenAI chat histories (the SDK's own message objects, tool calls and their results,
// legacy function calls) rendered through real Hugging Face chat templates: the
// prompt a model sees must be the one transformers would build from the same turns.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { TextTokenizer } from '../../src/model/tokenizer.js';
import { ChatCompletionRequest } from '../../src/protocol/chat.js';
import { ChatMessage } from '../../src/protocol/messages.js';
import { toTemplateMessages } from '../../src/serving/chat-messages.js';
import { validator } from '../../src/protocol/validate.js';
import { tinyTokenizer } from '../support/tiny-tokenizer.js';

const templates = path.resolve(import.meta.dirname, '../fixtures/chat-templates');
const messages = validator(ChatMessage);
const inBody = (message: unknown) => () => validator(ChatCompletionRequest).parse({ model: 'm', messages: [message] });

function render(template: string, history: unknown[], kwargs: Record<string, unknown> = {}): string {
  const tokenizer = tinyTokenizer({ chatTemplate: fs.readFileSync(path.join(templates, `${template}.jinja`), 'utf8') });
  return tokenizer.applyChatTemplate(toTemplateMessages(history.map((m) => messages.parse(m))), true, kwargs);
}

/** What the openai SDK hands back: `choices[0].message` of a tool-calling turn, pushed into the history as is. */
const toolTurn = {
  role: 'assistant',
  content: null,
  refusal: null,
  annotations: [],
  parsed: null,
  audio: null,
  reasoning_content: 'Look it up.',
  tool_calls: [
    { id: 'call00001', type: 'function', function: { name: 'get_weather', arguments: '{"city": "Paris"}' } },
  ],
};
const history = [
  { role: 'developer', content: 'Be brief.' },
  { role: 'user', content: 'Weather in Paris?' },
  toolTurn,
  { role: 'tool', tool_call_id: 'call00001', content: '22 C' },
  { role: 'assistant', content: 'It is 22 C.', refusal: null },
  { role: 'user', content: [{ type: 'text', text: 'Thanks' }] },
];

const qwenHistory =
  '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWeather in Paris?<|im_end|>\n' +
  '<|im_start|>assistant\n<tool_call>\n{"name": "get_weather", "arguments": {"city": ' +
  '"Paris"}}\n</tool_call><|im_end|>\n' +
  '<|im_start|>user\n<tool_response>\n22 C\n</tool_response><|im_end|>\n' +
  '<|im_start|>assistant\nIt is 22 C.<|im_end|>\n<|im_start|>user\nThanks<|im_end|>\n<|im_start|>assistant\n';

t.test('Qwen2.5 and Qwen3: tool calls with parsed arguments, results in the tool role', async (t) => {
  t.equal(render('qwen2.5', history), qwenHistory);
  t.equal(render('qwen3', history), qwenHistory, 'reasoning of an earlier query is dropped by the template');
});

t.test(
  'Qwen3: the current turn keeps its reasoning; enable_thinking false pre-fills an empty think block',
  async (t) => {
    const current = [history[1], toolTurn, history[3]];
    t.equal(
      render('qwen3', current),
      '<|im_start|>user\nWeather in Paris?<|im_end|>\n<|im_start|>assistant\n<think>\nLook it up.\n</think>\n\n' +
        '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call><|im_end|>\n' +
        '<|im_start|>user\n<tool_response>\n22 C\n</tool_response><|im_end|>\n<|im_start|>assistant\n',
    );
    const reasoningAlias = [
      history[1],
      { ...toolTurn, reasoning_content: undefined, reasoning: 'Look it up.' },
      history[3],
    ];
    t.equal(
      render('qwen3', reasoningAlias),
      render('qwen3', current),
      '`reasoning` is another name for reasoning_content',
    );
    t.equal(
      render('qwen3', [history[1]], { enable_thinking: false }),
      '<|im_start|>user\nWeather in Paris?<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n',
    );
  },
);

t.test('Llama 3.1: arguments as an object, results in the ipython role', async (t) => {
  t.equal(
    render('llama3.1', history),
    '<s><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 ' +
      'Jul 2024\n\n' +
      'Be brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWeather in Paris?<|eot_id|>' +
      '<|start_header_id|>assistant<|end_header_id|>\n\n{"name": "get_weather", "parameters": {"city": ' +
      '"Paris"}}<|eot_id|>' +
      '<|start_header_id|>ipython<|end_header_id|>\n\n"22 C"<|eot_id|>' +
      '<|start_header_id|>assistant<|end_header_id|>\n\nIt is 22 C.<|eot_id|>' +
      '<|start_header_id|>user<|end_header_id|>\n\nThanks<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n',
  );
});

t.test('Mistral v0.3: tool call ids and results; legacy function calls get a shared nine-character id', async (t) => {
  t.equal(
    render('mistral-v0.3', history.slice(1)),
    '<s> [INST] Weather in Paris? [/INST] [TOOL_CALLS] [{"name": "get_weather", "arguments": {"city": "Paris"}, ' +
      '"id": "call00001"}] </s>' +
      ' [TOOL_RESULTS] {"call_id": "call00001", "content": 22 C} [/TOOL_RESULTS]  It is 22 C. </s> [INST] ' +
      'Thanks [/INST]',
  );
  const legacy = [
    history[1],
    { role: 'assistant', content: null, function_call: { name: 'get_weather', arguments: '{"city": "Paris"}' } },
    { role: 'function', name: 'get_weather', content: '22 C' },
  ];
  t.equal(
    render('mistral-v0.3', legacy),
    '<s> [INST] Weather in Paris? [/INST] [TOOL_CALLS] [{"name": "get_weather", "arguments": {"city": "Paris"}, ' +
      '"id": "fc0000001"}] </s>' +
      ' [TOOL_RESULTS] {"call_id": "fc0000001", "content": 22 C} [/TOOL_RESULTS] ',
  );
});

t.test('the template messages themselves', async (t) => {
  const out = toTemplateMessages([
    { role: 'assistant', content: null, refusal: 'I cannot help with that.' },
    {
      role: 'assistant',
      content: [
        { type: 'text', text: 'a' },
        { type: 'refusal', refusal: 'b' },
      ],
      name: 'bot',
    },
    {
      role: 'assistant',
      content: '',
      tool_calls: [
        { id: 'x', type: 'function', function: { name: 'f', arguments: '' } },
        { id: 'y', type: 'function', function: { name: 'g', arguments: '{"broken"' }, index: 1 },
      ],
    },
    {
      role: 'tool',
      tool_call_id: 'y',
      content: [
        { type: 'text', text: 'r1' },
        { type: 'text', text: 'r2' },
      ],
    },
  ]);
  t.same(out, [
    { role: 'assistant', content: 'I cannot help with that.' },
    { role: 'assistant', content: 'a\nb', name: 'bot' },
    {
      role: 'assistant',
      content: '',
      tool_calls: [
        { id: 'x', type: 'function', function: { name: 'f', arguments: {} } },
        { id: 'y', type: 'function', function: { name: 'g', arguments: '{"broken"' } },
      ],
    },
    { role: 'tool', content: 'r1\nr2', tool_call_id: 'y' },
  ]);
});

t.test("the bundled model's template renders the same history", async (t) => {
  const tokenizer = TextTokenizer.load(path.resolve(import.meta.dirname, '../../models/selar-demo'));
  const text = tokenizer.applyChatTemplate(toTemplateMessages(history.map((m) => messages.parse(m))), true);
  t.equal(
    text,
    '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWeather in Paris?<|im_end|>\n' +
      '<|im_start|>assistant\n<|im_end|>\n<|im_start|>tool\n22 C<|im_end|>\n<|im_start|>assistant\nIt is 22 ' +
      'C.<|im_end|>\n' +
      '<|im_start|>user\nThanks<|im_end|>\n<|im_start|>assistant\n',
    'a template without tool support sees empty content, not "None"',
  );
});

t.test('messages the schema rejects, each naming its param', async (t) => {
  const cases: Array<[unknown, string]> = [
    [{ role: 'tool', content: 'x' }, 'tool_call_id'],
    [{ role: 'robot', content: 'x' }, 'role'],
    [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }, 'content[0].type'],
    [{ role: 'user', content: null }, 'content'],
    [
      { role: 'assistant', content: 'x', tool_calls: [{ id: 'a', type: 'function', function: { name: 'f' } }] },
      'tool_calls[0].function.arguments',
    ],
    [{ role: 'assistant', content: 'x', bogus: 1 }, 'bogus'],
    [{ role: 'function', content: 'x' }, 'name'],
  ];
  for (const [message, param] of cases) {
    t.throws(inBody(message), { name: 'SelarError', param: `messages[0].${param}` }, JSON.stringify(message));
  }
});
