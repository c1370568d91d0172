// A Responses conversation with function calls renders exactly as the equivalent chat
// history does, through real Hugging Face templates (Qwen3, Llama 3.1, Mistral).
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { ChatMessage } from '../../../src/protocol/messages.js';
import { toTemplateMessages } from '../../../src/serving/chat-messages.js';
import type { ConversationItem } from '../../../src/serving/responses/items.js';
import { toMessages } from '../../../src/serving/responses/input-messages.js';
import { validator } from '../../../src/protocol/validate.js';
import { tinyTokenizer } from '../../support/tiny-tokenizer.js';

const templates = path.resolve(import.meta.dirname, '../../fixtures/chat-templates');
const render = (template: string, messages: unknown[]) => {
  const tokenizer = tinyTokenizer({ chatTemplate: fs.readFileSync(path.join(templates, `${template}.jinja`), 'utf8') });
  return tokenizer.applyChatTemplate(toTemplateMessages(messages.map((m) => validator(ChatMessage).parse(m))), true);
};

const items: ConversationItem[] = [
  { type: 'message', role: 'user', content: 'Weather in Paris?' },
  {
    type: 'reasoning',
    id: 'rs_1',
    summary: [],
    content: [{ type: 'reasoning_text', text: 'Look it up.' }],
    status: 'completed',
  },
  {
    type: 'function_call',
    call_id: 'call00001',
    name: 'get_weather',
    arguments: '{"city": "Paris"}',
    id: 'fc_1',
    status: 'completed',
  },
  { type: 'function_call_output', call_id: 'call00001', output: '22 C' },
  {
    type: 'message',
    role: 'assistant',
    id: 'msg_1',
    status: 'completed',
    content: [{ type: 'output_text', text: 'It is 22 C.', annotations: [], logprobs: [] }],
  },
  { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Thanks' }] },
];
const chat = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Weather in Paris?' },
  {
    role: 'assistant',
    content: null,
    reasoning_content: 'Look it up.',
    tool_calls: [
      { id: 'call00001', type: 'function', function: { name: 'get_weather', arguments: '{"city": "Paris"}' } },
    ],
  },
  { role: 'tool', tool_call_id: 'call00001', content: '22 C', name: 'get_weather' },
  { role: 'assistant', content: 'It is 22 C.' },
  { role: 'user', content: 'Thanks' },
];

for (const template of ['qwen3', 'llama3.1', 'mistral-v0.3']) {
  t.test(template, async (t) => {
    const messages = toMessages(
      'Be brief.',
      items.map((item, i) => ({ item, param: `input[${i}]` })),
    );
    t.same(messages, chat);
    const prompt = render(template, messages);
    t.equal(prompt, render(template, chat));
    t.match(prompt, /get_weather/);
    t.match(prompt, /22 C/);
  });
}
