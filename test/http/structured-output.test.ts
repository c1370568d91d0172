// Structured outputs end to end over the real worker pool: the bundled demo model and
// a generated Llama answer chat and completions requests under response_format, and a
// real JSON Schema validator (ajv), never the code under test, checks every answer.
import t, { type Test } from 'tap';
import { Ajv } from 'ajv';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createEngine } from '../../src/engine/create-engine.js';
import { llamaModel } from '../support/models.js';
import { post, sseData } from './helpers.js';

const DEMO = 'models/selar-demo';

/** Every value bounded, so even a random model finishes the document within max_tokens. */
export const PERSON = {
  type: 'object',
  properties: {
    // A pattern, not maxLength: XGrammar 0.1.27's length-bounded strings admit raw control characters.
    name: { type: 'string', pattern: '^[A-Za-z ]{1,12}$' },
    age: { type: 'integer', minimum: 0, maximum: 120 },
    member: { type: 'boolean' },
    colour: { enum: ['red', 'green', 'blue'] },
  },
  required: ['name', 'age', 'member', 'colour'],
  additionalProperties: false,
};

async function serve(t: Test, modelDir: string): Promise<{ app: FastifyInstance; model: string }> {
  const { engine, tokenizer } = await createEngine({ modelDir, workers: 1, threadsPerWorker: 1, queueSize: 16 });
  t.teardown(() => engine.close());
  const app = await buildApp({ config: loadConfig(['--model', modelDir], {}), engine, tokenizer });
  t.teardown(() => app.close());
  return { app, model: engine.model.id };
}

interface Choice {
  text?: string;
  message?: { content: string };
  finish_reason: string;
}

/** Content of a streamed response, with its finish reason. */
function streamed(body: string, kind: 'chat' | 'completion'): { text: string; finish: string } {
  const chunks = sseData(body).slice(0, -1) as Array<{
    choices: Array<{ delta?: { content?: string }; text?: string; finish_reason: string | null }>;
  }>;
  const text = chunks
    .map((c) => (kind === 'chat' ? (c.choices[0]?.delta?.content ?? '') : (c.choices[0]?.text ?? '')))
    .join('');
  return {
    text,
    finish:
      chunks
        .map((c) => c.choices[0]?.finish_reason)
        .filter(Boolean)
        .at(-1) ?? '',
  };
}

const ajv = new Ajv({ strict: false });

for (const [label, dir] of [
  ['demo model', DEMO],
  ['generated Llama', null],
] as const) {
  t.test(`response_format on the ${label}`, async (t) => {
    const { app, model } = await serve(t, dir ?? (await llamaModel()));
    const validPerson = ajv.compile(PERSON);
    const messages = [{ role: 'user', content: 'Describe a person as JSON.' }];
    const base = { model, max_tokens: 120, temperature: 0 };
    const formats = [
      [
        'json_schema strict',
        { type: 'json_schema', json_schema: { name: 'person', schema: PERSON, strict: true } },
        validPerson,
      ],
      ['json_schema', { type: 'json_schema', json_schema: { name: 'person', schema: PERSON } }, validPerson],
    ] as const;
    for (const [name, response_format, valid] of formats) {
      for (const stream of [false, true]) {
        const chat = await post(app, '/v1/chat/completions', { ...base, messages, response_format, stream });
        t.equal(chat.statusCode, 200, chat.body);
        const got = stream
          ? streamed(chat.body, 'chat')
          : { text: (chat.json().choices[0] as Choice).message!.content, finish: chat.json().choices[0].finish_reason };
        t.equal(got.finish, 'stop', `chat ${name}${stream ? ' streamed' : ''}: a finished grammar stops`);
        t.ok(valid(JSON.parse(got.text)), `chat ${name}${stream ? ' streamed' : ''}: ${got.text}`);

        const comp = await post(app, '/v1/completions', {
          ...base,
          prompt: 'A person as JSON:',
          response_format,
          stream,
        });
        t.equal(comp.statusCode, 200, comp.body);
        const c = stream
          ? streamed(comp.body, 'completion')
          : { text: (comp.json().choices[0] as Choice).text!, finish: comp.json().choices[0].finish_reason };
        t.equal(c.finish, 'stop');
        t.ok(valid(JSON.parse(c.text)), `completions ${name}${stream ? ' streamed' : ''}: ${c.text}`);
      }
    }
    const obj = await post(app, '/v1/chat/completions', {
      ...base,
      max_tokens: 200,
      messages,
      response_format: { type: 'json_object' },
      seed: 1,
    });
    const content = obj.json().choices[0].message.content as string;
    if (obj.json().choices[0].finish_reason === 'stop') {
      const value = JSON.parse(content);
      t.ok(value !== null && typeof value === 'object' && !Array.isArray(value), `json_object: ${content}`);
    } else t.match(content, /^\{/, 'json_object cut by max_tokens still starts an object');
  });
}

t.test("vLLM's and llama.cpp's constraint fields on a generated Llama", async (t) => {
  const { app, model } = await serve(t, await llamaModel());
  const validPerson = ajv.compile(PERSON);
  const base = { model, prompt: 'Answer:', max_tokens: 80, temperature: 0.8, seed: 7 };
  const text = async (body: Record<string, unknown>) => {
    const res = await post(app, '/v1/completions', { ...base, ...body });
    t.equal(res.statusCode, 200, res.body);
    t.equal(res.json().choices[0].finish_reason, 'stop');
    return res.json().choices[0].text as string;
  };
  t.match(
    await text({ structured_outputs: { regex: '[a-f]{3}-[0-9]{2,4}' } }),
    /^[a-f]{3}-[0-9]{2,4}$/,
    'structured_outputs.regex',
  );
  t.match(await text({ guided_regex: '(yes|no), [0-9]+\\.' }), /^(yes|no), [0-9]+\.$/, 'guided_regex');
  t.ok(
    ['alpha', 'beta', 'gamma delta'].includes(
      await text({ structured_outputs: { choice: ['alpha', 'beta', 'gamma delta'] } }),
    ),
    'choice',
  );
  t.ok(['up', 'down'].includes(await text({ guided_choice: ['up', 'down'] })), 'guided_choice');
  const ebnf = 'root ::= answer " " digit digit\nanswer ::= "yes" | "no"\ndigit ::= [0-9]';
  t.match(await text({ structured_outputs: { grammar: ebnf } }), /^(yes|no) [0-9]{2}$/, 'structured_outputs.grammar');
  t.match(await text({ guided_grammar: ebnf }), /^(yes|no) [0-9]{2}$/, 'guided_grammar');
  t.match(await text({ grammar: 'root ::= "x" [a-c]+ "!"' }), /^x[a-c]+!$/, "llama.cpp's grammar");
  t.ok(validPerson(JSON.parse(await text({ json_schema: PERSON }))), "llama.cpp's json_schema");
  t.ok(validPerson(JSON.parse(await text({ guided_json: PERSON }))), 'guided_json');
  t.ok(
    validPerson(JSON.parse(await text({ structured_outputs: { json: JSON.stringify(PERSON) } }))),
    'structured_outputs.json as text',
  );
  const chat = await post(app, '/v1/chat/completions', {
    model,
    messages: [{ role: 'user', content: 'Pick' }],
    guided_choice: ['left', 'right'],
    n: 3,
    temperature: 1,
    seed: 2,
    chat_template_kwargs: { enable_thinking: false },
  });
  for (const c of chat.json().choices)
    t.ok(['left', 'right'].includes(c.message.content), `chat n=3: ${JSON.stringify(c)}`);
});

t.test('Responses API: text.format json_schema and json_object', async (t) => {
  const { app, model } = await serve(t, await llamaModel());
  const validPerson = ajv.compile(PERSON);
  const base = { model, input: 'A person as JSON.', max_output_tokens: 120, temperature: 0, store: false };
  const outputText = (body: { output: Array<{ type: string; content?: Array<{ text: string }> }> }) =>
    body.output
      .filter((i) => i.type === 'message')
      .map((i) => i.content!.map((c) => c.text).join(''))
      .join('');
  const text = { format: { type: 'json_schema', name: 'person', schema: PERSON, strict: true } };
  const res = await post(app, '/v1/responses', { ...base, text, reasoning: { effort: 'none' } });
  t.equal(res.statusCode, 200, res.body);
  t.equal(res.json().status, 'completed');
  t.same(res.json().text.format, text.format, 'the response echoes the format');
  t.ok(validPerson(JSON.parse(outputText(res.json()))), outputText(res.json()));

  const streamed = await post(app, '/v1/responses', { ...base, text, reasoning: { effort: 'none' }, stream: true });
  // Responses frames carry an `event:` line before their `data:` line.
  const events = streamed.body
    .split('\n\n')
    .map((f) => /^data: (.*)$/m.exec(f)?.[1])
    .filter((d) => d && d !== '[DONE]')
    .map((d) => JSON.parse(d!)) as Array<{ type: string; delta?: string }>;
  const streamedText = events
    .filter((e) => e.type === 'response.output_text.delta')
    .map((e) => e.delta)
    .join('');
  t.equal(streamedText, outputText(res.json()), 'streamed: the same JSON');

  const obj = await post(app, '/v1/responses', {
    ...base,
    text: { format: { type: 'json_object' } },
    reasoning: { effort: 'none' },
  });
  const value = JSON.parse(outputText(obj.json()));
  t.ok(value !== null && typeof value === 'object' && !Array.isArray(value), 'json_object: an object');
});
