// Responses API items → chat messages: the one mapping the template sees.
import t from 'tap';
import type { ConversationItem } from '../../../src/serving/responses/items.js';
import { toMessages } from '../../../src/serving/responses/input-messages.js';

const placed = (items: ConversationItem[]) => items.map((item, i) => ({ item, param: `input[${i}]` }));

t.test('instructions first, text parts joined with newlines, developer kept for the template layer', async (t) => {
  t.same(
    toMessages(
      'be brief',
      placed([
        {
          type: 'message',
          role: 'user',
          content: [
            { type: 'input_text', text: 'a' },
            { type: 'input_text', text: 'b' },
          ],
        },
        { type: 'message', role: 'developer', content: 'd' },
      ]),
    ),
    [
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'a\nb' },
      { role: 'developer', content: 'd' },
    ],
  );
});

t.test('reasoning goes to the assistant turn after it; a user turn in between drops it', async (t) => {
  const reasoning = (text: string): ConversationItem => ({
    type: 'reasoning',
    summary: [],
    content: [{ type: 'reasoning_text', text }],
  });
  t.same(
    toMessages(
      null,
      placed([
        { type: 'message', role: 'user', content: 'q' },
        reasoning('think'),
        {
          type: 'message',
          role: 'assistant',
          content: [
            { type: 'output_text', text: 'a' },
            { type: 'refusal', refusal: 'r' },
          ],
        },
        reasoning('lost'),
        { type: 'message', role: 'user', content: 'q2' },
        { type: 'message', role: 'assistant', content: 'a2' },
      ]),
    ),
    [
      { role: 'user', content: 'q' },
      { role: 'assistant', content: 'a\nr', reasoning_content: 'think' },
      { role: 'user', content: 'q2' },
      { role: 'assistant', content: 'a2' },
    ],
  );
  // A summary stands in when there is no reasoning text.
  const summary: ConversationItem = { type: 'reasoning', summary: [{ type: 'summary_text', text: 's' }] };
  t.same(toMessages(null, placed([summary, { type: 'message', role: 'assistant', content: 'x' }])), [
    { role: 'assistant', content: 'x', reasoning_content: 's' },
  ]);
});

t.test('consecutive function calls share one assistant message; outputs become tool messages', async (t) => {
  t.same(
    toMessages(
      null,
      placed([
        { type: 'message', role: 'user', content: 'weather?' },
        { type: 'reasoning', summary: [], content: [{ type: 'reasoning_text', text: 'call both' }] },
        { type: 'function_call', call_id: 'c1', name: 'f', arguments: '{"a":1}' },
        { type: 'function_call', call_id: 'c2', name: 'g', arguments: '{}' },
        { type: 'function_call_output', call_id: 'c1', output: 'sunny' },
        { type: 'function_call_output', call_id: 'c2', output: [{ type: 'input_text', text: 'rain' }] },
      ]),
    ),
    [
      { role: 'user', content: 'weather?' },
      {
        role: 'assistant',
        content: null,
        reasoning_content: 'call both',
        tool_calls: [
          { id: 'c1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } },
          { id: 'c2', type: 'function', function: { name: 'g', arguments: '{}' } },
        ],
      },
      { role: 'tool', content: 'sunny', tool_call_id: 'c1', name: 'f' },
      { role: 'tool', content: 'rain', tool_call_id: 'c2', name: 'g' },
    ],
  );
});

t.test('non-text parts are refused, named by their place', async (t) => {
  t.throws(
    () =>
      toMessages(
        null,
        placed([
          { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'a' }, { type: 'input_file' }] },
        ]),
      ),
    { name: 'SelarError', code: 'invalid_request', param: 'input[0].content[1]' },
  );
  t.throws(
    () => toMessages(null, placed([{ type: 'function_call_output', call_id: 'c', output: [{ type: 'input_image' }] }])),
    { name: 'SelarError', code: 'invalid_request', param: 'input[0].output[0]' },
  );
});
