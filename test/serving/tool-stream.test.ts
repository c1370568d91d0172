// ToolTextStream: per format, what goes out token by token, what is held (a partial
// trigger, whitespace the message trims, a call), and that the streamed content plus
// the end equals the non-streamed message.
import t from 'tap';
import { toolCallsOf } from '../../src/serving/tool-calls.js';
import { ToolTextStream, genericAnswerSoFar } from '../../src/serving/tool-stream.js';
import { toolFormats, type ToolFormatName } from '../../src/tools/formats.js';

/** The outputs of push for each piece, then finish's content and call names. */
function run(format: ToolFormatName, pieces: string[], reason = 'stop') {
  const s = new ToolTextStream(toolFormats[format]);
  const pushed = pieces.map((p) => s.push(p));
  const end = s.finish(reason);
  return { pushed, rest: end.content, calls: end.calls.map((c) => [c.function.name, c.function.arguments]) };
}

t.test('hermes: free text streams; a partial trigger and trailing whitespace wait', async (t) => {
  t.same(run('hermes', ['Sun', 'ny ', 'to', 'day.']), { pushed: ['Sun', 'ny', ' to', 'day.'], rest: '', calls: [] });
  t.same(run('hermes', ['\n  Hi', ' <', 'b>', ' <tool', 'box']), {
    pushed: ['Hi', '', ' <b>', '', ' <toolbox'],
    rest: '',
    calls: [],
  });
  t.same(
    run('hermes', ['Let me check. <tool', '_call>\n{"name": "f", "arguments": {"a": 1}}\n</tool_call>', '\nDone']),
    { pushed: ['Let me check.', '', ''], rest: ' \nDone', calls: [['f', '{"a":1}']] },
    'text after the call comes at the end, as the message has it',
  );
  t.same(run('hermes', ['<tool_call>\n{"name": "f", "arguments": {}}\n</tool_call>']), {
    pushed: [''],
    rest: '',
    calls: [['f', '{}']],
  });
});

t.test('llama3_json and mistral: their triggers', async (t) => {
  t.same(run('llama3_json', ['{"na', 'me": "f", "parameters": {"x": "y"}}']), {
    pushed: ['', ''],
    rest: '',
    calls: [['f', '{"x":"y"}']],
  });
  t.same(run('llama3_json', ['Use {', 'braces}']), { pushed: ['Use', ' {braces}'], rest: '', calls: [] });
  t.same(run('mistral', ['Ok ', '[TOOL', '_CALLS][{"name": "f", "arguments": {}}]']), {
    pushed: ['Ok', '', ''],
    rest: '',
    calls: [['f', '{}']],
  });
});

t.test('generic: the response string decodes as it comes; a tool_calls envelope waits', async (t) => {
  t.same(run('generic', ['{"resp', 'onse": "He', 'llo\\', 'n\\"w', '\\u00e9', '!"}']), {
    pushed: ['', 'He', 'llo', '\n"w', 'é', '!'],
    rest: '',
    calls: [],
  });
  t.same(run('generic', ['{"tool_calls": [{"name": "f", ', '"arguments": {"a": 1}}]}']), {
    pushed: ['', ''],
    rest: '',
    calls: [['f', '{"a":1}']],
  });
  t.equal(genericAnswerSoFar('{"response": "a\\u00'), 'a', 'an escape still incomplete waits');
  t.equal(genericAnswerSoFar('{"response": "a\\ud83d\\ude0'), 'a', 'half a pair waits');
  t.equal(genericAnswerSoFar('{"response": "a\\ud83d\\ude00"}'), 'a😀');
});

t.test('streamed content and the end always equal the non-streamed message', async (t) => {
  const cases: Array<[ToolFormatName, string, string]> = [
    ['hermes', '  Hi there  \n<tool_call>\n{"name": "f", "arguments": {"q": "<tool"}}\n</tool_call>\n tail ', 'stop'],
    ['hermes', 'plain < text <tool_', 'stop'],
    ['hermes', 'cut <tool_call>\n{"name": "f", "argu', 'length'],
    ['mistral', 'a [TOOL_CALLS][{"name": "f", "arguments": {}}]', 'stop'],
    ['llama3_json', ' x {"name": "f", "parameters": {}}', 'stop'],
    ['generic', '{"response": "a \\"quoted\\" \\\\ word"}', 'stop'],
  ];
  for (const [format, text, reason] of cases) {
    // Every split into one-character pieces and into halves.
    for (const pieces of [[...text], [text.slice(0, text.length >> 1), text.slice(text.length >> 1)]]) {
      const s = new ToolTextStream(toolFormats[format]);
      const streamed = pieces.map((p) => s.push(p)).join('');
      const end = s.finish(reason);
      const whole = toolCallsOf(toolFormats[format], text, reason);
      t.equal(
        streamed + end.content,
        whole ? (whole.content ?? '') : text.trim(),
        `${format}: ${JSON.stringify(text)}`,
      );
      t.same(
        end.calls.map((c) => c.function),
        (whole?.calls ?? []).map((c) => c.function),
      );
    }
  }
});
