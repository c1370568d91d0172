// Structured-output requests XGrammar cannot serve: a 400 naming the param and giving
// XGrammar's reason, before any worker sees the request; and the server stays healthy.
import t from 'tap';
import { chat, complete, testApp } from './helpers.js';

type Case = [name: string, body: Record<string, unknown>, param: string, reason: RegExp];

const cases: Case[] = [
  [
    'unsupported schema type',
    { response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'nope' } } } },
    'response_format.json_schema.schema',
    /Unsupported type "nope"/,
  ],
  [
    'json_schema without schema',
    { response_format: { type: 'json_schema', json_schema: { name: 'x' } } },
    'response_format.json_schema.schema',
    /Missing required parameter/,
  ],
  ['structured_outputs.regex', { structured_outputs: { regex: '[a-' } }, 'structured_outputs.regex', /Unclosed/],
  [
    'structured_outputs.grammar',
    { structured_outputs: { grammar: 'root ::= ' } },
    'structured_outputs.grammar',
    /EBNF|Expect/,
  ],
  [
    'structured_outputs.json as bad JSON text',
    { structured_outputs: { json: '{oops' } },
    'structured_outputs.json',
    /not JSON/,
  ],
  ['empty structured_outputs', { structured_outputs: {} }, 'structured_outputs', /must set one of/],
  ['guided_regex', { guided_regex: '(' }, 'guided_regex', /./],
  ['guided_grammar', { guided_grammar: 'root ::= "a" |' }, 'guided_grammar', /./],
  ['llama.cpp grammar', { grammar: 'root ::= undefined_rule' }, 'grammar', /./],
  [
    'llama.cpp json_schema',
    { json_schema: { type: 'object', properties: { a: { type: 'wat' } } } },
    'json_schema',
    /Unsupported type/,
  ],
  [
    'two constraints',
    { response_format: { type: 'json_object' }, guided_regex: 'a+' },
    'guided_regex',
    /Only one structured-output constraint/,
  ],
  ['guided_choice empty', { guided_choice: [] }, 'guided_choice', /./],
];

t.test('chat and completions: 400 naming the param, with the reason', async (t) => {
  const { app } = await testApp(t);
  for (const [name, body, param, reason] of cases) {
    for (const [endpoint, send] of [
      ['chat', chat],
      ['completions', complete],
    ] as const) {
      const res = await send(app, body);
      t.equal(res.statusCode, 400, `${endpoint} ${name}: ${res.body}`);
      const error = res.json().error;
      t.equal(error.param, param, `${endpoint} ${name}: param`);
      t.equal(error.type, 'invalid_request_error');
      t.match(error.message, reason, `${endpoint} ${name}: reason`);
    }
  }
  const ok = await chat(app, {
    response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' } } },
  });
  t.equal(ok.statusCode, 200, 'a valid schema afterwards is served');
});
