// Tool-call formats: detection from real chat templates, the parsers, and the structural
// tags compiled by XGrammar on the generated tokenizer (a well-formed call is allowed token
// by token, `required` forbids free text, `auto` allows it).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { GrammarCache } from '../../src/grammar/compiler.js';
import { TextTokenizer } from '../../src/model/tokenizer.js';
import { writeTokenizer } from '../../src/modelgen/tokenizer.js';
import { detectToolFormat, toolFormats, type ToolDef } from '../../src/tools/formats.js';

const TEMPLATES = path.resolve(import.meta.dirname, '../fixtures/chat-templates');
const template = (name: string) => fs.readFileSync(path.join(TEMPLATES, name), 'utf8');

t.test('the format is detected from the template', async (t) => {
  t.equal(detectToolFormat(template('qwen2.5.jinja')), 'hermes');
  t.equal(detectToolFormat(template('qwen3.jinja')), 'hermes');
  t.equal(detectToolFormat(template('llama3.1.jinja')), 'llama3_json');
  t.equal(detectToolFormat(template('mistral-v0.3.jinja')), 'mistral');
  t.equal(
    detectToolFormat('{% for m in messages %}{{ m.content }}{% endfor %}'),
    'generic',
    'a template that knows no tools',
  );
  t.equal(detectToolFormat(null), 'generic');
});

const WEATHER: ToolDef = {
  name: 'get_weather',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' }, days: { type: 'integer' } },
    required: ['city', 'days'],
    additionalProperties: false,
  },
};
const TIME: ToolDef = { name: 'get_time', parameters: { type: 'object', properties: {} } };

/** What each format's model writes for one call and for two. */
const W = '{"name": "get_weather", "ARGS": {"city": "Paris", "days": 2}}';
const T = '{"name": "get_time", "ARGS": {}}';
const a = (s: string) => s.replace('ARGS', 'arguments');
const written: Record<string, { one: string; both: string }> = {
  hermes: {
    one: `<tool_call>\n${a(W)}\n</tool_call>`,
    both: `<tool_call>\n${a(W)}\n</tool_call>\n<tool_call>\n${a(T)}\n</tool_call>`,
  },
  llama3_json: {
    one: W.replace('ARGS', 'parameters'),
    both: `${W.replace('ARGS', 'parameters')}; ${T.replace('ARGS', 'parameters')}`,
  },
  mistral: { one: `[TOOL_CALLS][${a(W)}]`, both: `[TOOL_CALLS][${a(W)}, ${a(T)}]` },
  generic: { one: `{"tool_calls": [${a(W)}]}`, both: `{"tool_calls": [${a(W)}, ${a(T)}]}` },
};

t.test('parsers read the calls back', async (t) => {
  for (const [name, { both }] of Object.entries(written)) {
    const f = toolFormats[name as keyof typeof toolFormats];
    const parsed = f.parse(both);
    t.same(parsed.calls[0], { name: 'get_weather', arguments: '{"city":"Paris","days":2}' }, `${name}: first call`);
    t.same(parsed.calls[1], { name: 'get_time', arguments: '{}' }, `${name}: second call`);
    t.equal(parsed.content, null, `${name}: no text outside the calls`);
    t.same(f.parse('Just an answer.'), { content: 'Just an answer.', calls: [] }, `${name}: plain text is content`);
  }
  t.same(toolFormats.hermes.parse('Let me check.\n<tool_call>\n{"name": "get_time", "arguments": {}}\n</tool_call>'), {
    content: 'Let me check.',
    calls: [{ name: 'get_time', arguments: '{}' }],
  });
  t.same(toolFormats.generic.parse('{"response": "Hello"}'), { content: 'Hello', calls: [] });
  t.same(toolFormats.hermes.parse('<tool_call>\n{"name": broken</tool_call>').calls, [], 'a malformed call stays text');
});

t.test('structural tags: calls allowed token by token, free text only under auto', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tools-test-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const spec = writeTokenizer(dir);
  const tokenizer = TextTokenizer.load(dir);
  const cache = await GrammarCache.create(
    JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8')),
    spec.size,
  );
  const EOS = spec.eosTokenId;
  const accepts = async (tag: object, text: string): Promise<boolean> => {
    const m = await cache.matcher({ type: 'structural_tag', tag: JSON.stringify(tag) }, [EOS]);
    try {
      for (const id of [...tokenizer.encode(text), EOS]) if (!m.acceptToken(id)) return false;
      return m.isTerminated();
    } finally {
      m.dispose();
    }
  };
  for (const [name, { one, both }] of Object.entries(written)) {
    const f = toolFormats[name as keyof typeof toolFormats];
    t.ok(await accepts(f.structuralTag([WEATHER, TIME], 'required', false), one), `${name} required: one call`);
    t.notOk(
      await accepts(f.structuralTag([WEATHER, TIME], 'required', false), 'Hello'),
      `${name} required: text is refused`,
    );
    t.notOk(
      await accepts(f.structuralTag([WEATHER, TIME], 'required', false), one.replace('"days": 2', '"days": "2"')),
      `${name} required: arguments follow the schema`,
    );
    t.ok(await accepts(f.structuralTag([WEATHER, TIME], 'required', true), both), `${name} parallel: two calls`);
    t.notOk(
      await accepts(f.structuralTag([WEATHER, TIME], 'required', false), both),
      `${name} not parallel: one call only`,
    );
    t.ok(
      await accepts(
        f.structuralTag([WEATHER, TIME], 'auto', true),
        name === 'generic' ? '{"response": "Hello"}' : 'Hello',
      ),
      `${name} auto: an answer without a call`,
    );
    t.notOk(await accepts(f.structuralTag([TIME], 'required', false), one), `${name}: only the given tools`);
  }
  t.ok(
    await accepts(toolFormats.hermes.structuralTag([WEATHER], 'auto', true), `Sure. ${written.hermes.one}`),
    'hermes auto: text, then a call',
  );
});
