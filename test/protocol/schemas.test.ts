// Structural guarantees of the wire schemas: every request object rejects unknown
// properties (nothing is ever silently ignored), and the validator reports params
// the way OpenAI names them.
import t from 'tap';
import type { TSchema } from '@sinclair/typebox';
import { ChatCompletionRequest } from '../../src/protocol/chat.js';
import { CompletionRequest } from '../../src/protocol/completions.js';
import { paramName, validator } from '../../src/protocol/validate.js';

function objects(schema: TSchema, path: string, out: Array<[string, TSchema]>): Array<[string, TSchema]> {
  if (schema.type === 'object') out.push([path, schema]);
  for (const [k, v] of Object.entries((schema.properties ?? {}) as Record<string, TSchema>))
    objects(v, `${path}.${k}`, out);
  for (const v of Object.values((schema.patternProperties ?? {}) as Record<string, TSchema>))
    objects(v, `${path}.*`, out);
  for (const v of [
    ...(schema.anyOf ?? []),
    ...(schema.items && !Array.isArray(schema.items) ? [schema.items] : []),
  ] as TSchema[])
    objects(v, path, out);
  return out;
}

// The free-form objects, each for a reason: chat_template_kwargs holds template variables; the
// others hold a user's JSON Schema document, which XGrammar checks (a 400 naming the param).
const freeForm = [
  '.chat_template_kwargs',
  '.guided_json',
  '.json_schema',
  '.response_format.json_schema.schema',
  '.structured_outputs.json',
  '.tools.function.parameters',
];

for (const [name, schema] of [
  ['chat', ChatCompletionRequest],
  ['completions', CompletionRequest],
] as const) {
  t.test(`${name}: every object is closed`, async (t) => {
    const all = objects(schema, name, []);
    t.ok(all.length > 3);
    for (const [path, s] of all) {
      if (freeForm.some((suffix) => path === `${name}${suffix}`)) continue;
      t.equal(s.additionalProperties, false, path);
    }
  });
}

t.test('param names', async (t) => {
  t.equal(paramName(''), null);
  t.equal(paramName('/model'), 'model');
  t.equal(paramName('/messages/0/content/1/type'), 'messages[0].content[1].type');
  t.equal(paramName('/logit_bias/50', { logit_bias: { 50: 1 } }), 'logit_bias.50');
  t.equal(paramName('/prompt/1/0', { prompt: [[1], [2]] }), 'prompt[1][0]');
});

t.test('nulls mean "not given"; unions explain themselves', async (t) => {
  const v = validator(ChatCompletionRequest);
  t.ok(
    v.check({
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
      temperature: null,
      stop: null,
      selar: null,
      n: null,
    }),
  );
  t.throws(() => v.parse({ model: 'm', messages: [{ role: 'user', content: 'x' }], selar: { mode: 'x' } }), {
    param: 'selar.mode',
    message: `Invalid value for 'selar.mode': expected one of "selar", "soft", "off", "random", "hot"`,
  });
  t.throws(() => v.parse({ model: 'm', messages: [{ role: 'user', content: 'x' }], n: 'two' }), {
    param: 'n',
    message: "Invalid value for 'n': expected integer",
  });
  t.throws(() => v.parse({ model: 'm', messages: [{ role: 'user', content: 'x' }], frobnicate: 1 }), {
    param: 'frobnicate',
    message: 'Unrecognized request argument supplied: frobnicate',
  });
});
