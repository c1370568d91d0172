// Malformed and hostile request bodies, sent as raw bytes: each must be a 4xx in
// OpenAI's error shape, and the server must answer a normal request correctly after
// all of them. Fake engine: none of this needs generation, only the HTTP and
// validation layers (TINY_MODEL: context 64, vocabulary 16, n capped at 8).
import t from 'tap';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { expectOpenAIError, fakeApp, JSON_HEADERS } from './support.js';

type Body = string | Buffer;
interface Case {
  name: string;
  url?: string;
  body: Body;
  headers?: Record<string, string>;
  status?: number;
  code?: string;
  param?: string | null;
}

const MSG = '[{"role":"user","content":"Hi"}]';
/** A chat body with `extra` spliced in as raw JSON text (so it can hold what JSON.stringify cannot write). */
const chat = (extra: string, messages = MSG) => `{"model":"tiny","messages":${messages}${extra ? `,${extra}` : ''}}`;
const completion = (extra: string, prompt = '"Hello"') =>
  `{"model":"tiny","prompt":${prompt}${extra ? `,${extra}` : ''}}`;
const nested = (depth: number, open = '[', close = ']') => open.repeat(depth) + close.repeat(depth);
const utf8 = (...parts: Array<string | number[]>) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

const cases: Case[] = [
  // Not JSON at all, or not an object.
  ...[
    '{',
    '{"model":',
    'nul',
    '{"model":"tiny"}}',
    "{'model':'tiny'}",
    'NaN',
    '{"temperature":NaN}',
    '{"temperature":Infinity}',
    '\u0000',
    '{"a":1,}',
  ].map((body) => ({ name: `invalid JSON ${JSON.stringify(body)}`, body })),
  ...['null', '[]', '"tiny"', '123', 'true', '[{"model":"tiny"}]'].map((body) => ({
    name: `JSON that is not an object: ${body}`,
    body,
  })),
  { name: 'empty body', body: '' },
  // Content types.
  { name: 'text/plain', body: chat(''), headers: { 'content-type': 'text/plain' } },
  {
    name: 'form encoded',
    body: 'model=tiny&messages=x',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  },
  { name: 'multipart', body: '--x\r\n\r\n--x--', headers: { 'content-type': 'multipart/form-data; boundary=x' } },
  { name: 'no content type', body: chat(''), headers: {} },
  { name: 'application/jsonx', body: chat(''), headers: { 'content-type': 'application/jsonx' } },
  // NaN / Infinity: JSON cannot carry them, but huge exponents parse to ±Infinity.
  ...[
    'temperature',
    'top_p',
    'top_k',
    'min_p',
    'seed',
    'n',
    'max_tokens',
    'presence_penalty',
    'frequency_penalty',
    'repetition_penalty',
    'min_tokens',
    'top_logprobs',
    'max_completion_tokens',
  ].flatMap((f) => [
    { name: `${f}: 1e999`, body: chat(`"${f}":1e999`), param: f },
    { name: `${f}: -1e999`, body: chat(`"${f}":-1e999`), param: f },
    { name: `${f}: "NaN"`, body: chat(`"${f}":"NaN"`), param: f },
    { name: `${f}: "Infinity"`, body: chat(`"${f}":"Infinity"`), param: f },
  ]),
  { name: 'logit_bias value 1e999', body: chat('"logit_bias":{"5":1e999}'), param: 'logit_bias.5' },
  {
    name: 'selar.contrastive_weight 1e999',
    body: chat('"selar":{"contrastive_weight":1e999}'),
    param: 'selar.contrastive_weight',
  },
  {
    name: 'selar.entropy_threshold "NaN"',
    body: chat('"selar":{"entropy_threshold":"NaN"}'),
    param: 'selar.entropy_threshold',
  },
  // Out-of-range numbers.
  { name: 'temperature -0.1', body: chat('"temperature":-0.1'), param: 'temperature' },
  { name: 'temperature 2.0001', body: chat('"temperature":2.0001'), param: 'temperature' },
  { name: 'top_p 1.5', body: chat('"top_p":1.5'), param: 'top_p' },
  { name: 'seed 2^60', body: chat('"seed":1152921504606846976'), param: 'seed' },
  { name: 'max_tokens -1', body: chat('"max_tokens":-1'), param: 'max_tokens' },
  { name: 'max_tokens 2.5', body: chat('"max_tokens":2.5'), param: 'max_tokens' },
  { name: 'top_logprobs 21', body: chat('"logprobs":true,"top_logprobs":21'), param: 'top_logprobs' },
  // Arrays (and objects) where scalars belong.
  ...[
    ['model', '["tiny"]'],
    ['temperature', '[1]'],
    ['stream', '[true]'],
    ['max_tokens', '[5]'],
    ['n', '{"value":1}'],
    ['user', '["u"]'],
    ['seed', '[1]'],
  ].map(([f, v]) => ({ name: `${f}: ${v}`, body: chat(`"${f}":${v}`), param: f })),
  { name: 'selar: []', body: chat('"selar":[]'), param: 'selar' },
  { name: 'selar.mode: ["off"]', body: chat('"selar":{"mode":["off"]}'), param: 'selar.mode' },
  { name: 'role: ["user"]', body: chat('', '[{"role":["user"],"content":"Hi"}]'), param: 'messages[0].role' },
  { name: 'messages: {}', body: chat('', '{"role":"user","content":"Hi"}'), param: 'messages' },
  { name: 'messages: "Hi"', body: chat('', '"Hi"'), param: 'messages' },
  // Empty messages, unknown roles, broken message objects.
  { name: 'empty messages', body: chat('', '[]'), param: 'messages' },
  ...['root', '', 'USER'].map((role) => ({
    name: `role ${JSON.stringify(role)}`,
    body: chat('', `[{"role":"${role}","content":"Hi"}]`),
    param: 'messages[0].role',
  })),
  // Tool and function results are messages, but only with the id or name they answer.
  {
    name: 'role "tool" without tool_call_id',
    body: chat('', '[{"role":"tool","content":"Hi"}]'),
    param: 'messages[0].tool_call_id',
  },
  {
    name: 'role "function" without name',
    body: chat('', '[{"role":"function","content":"Hi"}]'),
    param: 'messages[0].name',
  },
  { name: 'message without content', body: chat('', '[{"role":"user"}]'), param: 'messages[0].content' },
  { name: 'message that is null', body: chat('', '[null]'), param: 'messages[0]' },
  { name: 'content part without text', body: chat('', '[{"role":"user","content":[{"type":"text"}]}]') },
  // Invalid UTF-8 (raw bytes) and lone surrogates (valid JSON escapes that name no character).
  {
    name: 'invalid UTF-8 byte 0xff in content',
    body: utf8('{"model":"tiny","messages":[{"role":"user","content":"H', [0xff, 0xfe], 'i"}]}'),
  },
  {
    name: 'overlong UTF-8 encoding of "/"',
    body: utf8('{"model":"tiny","messages":[{"role":"user","content":"', [0xc0, 0xaf], '"}]}'),
  },
  {
    name: 'truncated UTF-8 sequence',
    body: utf8('{"model":"tiny","messages":[{"role":"user","content":"', [0xe2, 0x82], '"}]}'),
  },
  {
    name: 'UTF-16 surrogate encoded as UTF-8',
    body: utf8('{"model":"tiny","messages":[{"role":"user","content":"', [0xed, 0xa0, 0x80], '"}]}'),
  },
  {
    name: 'invalid UTF-8 in the model id',
    body: utf8('{"model":"ti', [0xff], 'ny","messages":[{"role":"user","content":"Hi"}]}'),
  },
  {
    name: 'lone high surrogate in content',
    body: chat('', '[{"role":"user","content":"Hi \\ud800"}]'),
    param: 'messages[0].content',
  },
  {
    name: 'lone low surrogate in content',
    body: chat('', '[{"role":"user","content":"\\udfffHi"}]'),
    param: 'messages[0].content',
  },
  { name: 'reversed surrogate pair in stop', body: chat('"stop":"\\udc00\\ud800"'), param: 'stop' },
  {
    name: 'lone surrogate in a completion prompt',
    url: '/v1/completions',
    body: completion('', '"Hello \\ud83d"'),
    param: 'prompt',
  },
  // Context and caps.
  {
    name: 'prompt beyond the context',
    body: chat('', `[{"role":"user","content":"${'!'.repeat(70)}"}]`),
    param: 'messages',
    code: 'context_length_exceeded',
  },
  {
    name: 'max_tokens beyond the context',
    body: chat('"max_tokens":61'),
    param: 'max_tokens',
    code: 'context_length_exceeded',
  },
  {
    name: 'max_tokens 10^9',
    body: chat('"max_tokens":1000000000'),
    param: 'max_tokens',
    code: 'context_length_exceeded',
  },
  {
    name: 'max_completion_tokens beyond the context',
    body: chat('"max_completion_tokens":100'),
    param: 'max_completion_tokens',
    code: 'context_length_exceeded',
  },
  { name: 'n beyond the cap', body: chat('"n":9'), param: 'n' },
  { name: 'n 10^9', body: chat('"n":1000000000'), param: 'n' },
  { name: 'logit_bias id = vocabulary size', body: chat('"logit_bias":{"16":1}'), param: 'logit_bias' },
  { name: 'logit_bias id 10^20', body: chat('"logit_bias":{"100000000000000000000":1}'), param: 'logit_bias' },
  { name: 'logit_bias id -1', body: chat('"logit_bias":{"-1":1}'), param: 'logit_bias.-1' },
  { name: 'logit_bias id 1.5', body: chat('"logit_bias":{"1.5":1}'), param: 'logit_bias.1.5' },
  { name: 'logit_bias value 101', body: chat('"logit_bias":{"5":101}'), param: 'logit_bias.5' },
  { name: 'five stop strings', body: chat('"stop":["a","b","c","d","e"]'), param: 'stop' },
  {
    name: '1000 stop strings',
    body: chat(`"stop":${JSON.stringify(Array.from({ length: 1000 }, (_, i) => `s${i}`))}`),
    param: 'stop',
  },
  // selar out of range.
  ...[
    ['top_k', '1'],
    ['top_k', '65'],
    ['top_k', '2.5'],
    ['top_k', '-3'],
    ['entropy_threshold', '1.01'],
    ['entropy_threshold', '-0.01'],
    ['contrastive_weight', '-0.5'],
    ['mode', '"SELAR"'],
    ['mode', 'null'],
    ['trace', '1'],
    ['scope', '"none"'],
    ['discrete_tokens', 'false'],
  ].map(([f, v]) => ({ name: `selar.${f} ${v}`, body: chat(`"selar":{"${f}":${v}}`), param: `selar.${f}` })),
  // Huge strings and deep nesting (well under the 4 MiB body limit).
  {
    name: '1 MB model id',
    body: chat('').replace('"tiny"', JSON.stringify('m'.repeat(1 << 20))),
    code: 'model_not_found',
  },
  {
    name: '3 MB prompt',
    body: chat('', `[{"role":"user","content":"${'a '.repeat(1_500_000)}"}]`),
    code: 'context_length_exceeded',
  },
  { name: 'nesting 100k deep in an unknown field', body: chat(`"x":${nested(100_000)}`), param: 'x' },
  { name: 'nesting 100k deep in messages', body: chat('', nested(100_000)) },
  { name: 'nesting 100k deep in chat_template_kwargs', body: chat(`"chat_template_kwargs":{"a":${nested(100_000)}}`) },
  {
    name: 'nesting 50k deep objects in chat_template_kwargs',
    body: chat(`"chat_template_kwargs":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`),
  },
  {
    name: 'nesting with __proto__ (proto-poisoning scan)',
    body: chat(`"chat_template_kwargs":{"a":${'['.repeat(50_000)}{"__proto__":{"x":1}}${']'.repeat(50_000)}}`),
  },
  { name: '__proto__ at the top level', body: chat('"__proto__":{"admin":true}') },
  { name: 'constructor.prototype', body: chat('"constructor":{"prototype":{"admin":true}}') },
  // Completions-specific.
  ...[
    ['[]', 'prompt'],
    ['[[]]', 'prompt'],
    ['[-1]', 'prompt'],
    ['[1e20]', 'prompt'],
    ['[1.5]', 'prompt'],
    ['[[1],[99]]', 'prompt[1]'],
    ['[[[1]]]', 'prompt'],
    ['{}', 'prompt'],
    ['null', 'prompt'],
  ].map(([p, param]) => ({ name: `completions prompt ${p}`, url: '/v1/completions', body: completion('', p), param })),
];

/** Odd but legal: answered normally (200 with the scripted text), never a 5xx. */
const legal: Case[] = [
  { name: '1 MB stop string', body: chat(`"stop":"${'s'.repeat(1 << 20)}"`) },
  { name: '1 MB user field', body: chat(`"user":"${'u'.repeat(1 << 20)}"`) },
  {
    name: 'NUL and control characters in content',
    body: chat('', '[{"role":"user","content":"Hi\\u0000\\u0007\\u001b[31m"}]'),
  },
  {
    name: 'a valid surrogate pair (emoji) in content',
    body: chat('', '[{"role":"user","content":"Hi \\ud83d\\ude00"}]'),
  },
  { name: 'byte order mark before the JSON', body: utf8([0xef, 0xbb, 0xbf], chat('')) },
  { name: 'empty completion prompt (BOS only)', url: '/v1/completions', body: completion('', '""') },
  {
    name: 'every optional field null',
    body: chat(
      '"temperature":null,"top_p":null,"n":null,"stop":null,"max_tokens":null,"seed":null,"selar":null,' +
        '"logit_bias":null,"user":null',
    ),
  },
];

async function send(app: FastifyInstance, c: Case) {
  const headers = c.headers ?? JSON_HEADERS;
  return app.inject({
    method: 'POST',
    url: c.url ?? '/v1/chat/completions',
    payload: c.body as InjectOptions['payload'],
    headers,
  });
}

t.test('every hostile body is a 4xx in OpenAI shape, and normal service continues', async (t) => {
  const { app } = await fakeApp(t);
  for (const c of cases) {
    const res = await send(app, c);
    expectOpenAIError(t, res, { code: c.code, param: c.param }, c.name);
  }
  for (const c of legal) {
    const res = await send(app, c);
    t.equal(res.statusCode, 200, `legal: ${c.name} (${res.body.slice(0, 200)})`);
  }
  const ok = await app.inject({ method: 'POST', url: '/v1/chat/completions', payload: JSON.parse(chat('')) });
  t.equal(ok.statusCode, 200);
  t.equal(
    ok.json().choices[0].message.content,
    'Hello world!',
    'a normal request after the barrage is answered correctly',
  );
});

/**
 * Of the probe values below, the ones each field accepts (its type and range admit them);
 * every other value must be rejected naming that field.
 */
const ACCEPTED: Record<string, Record<string, string[]>> = {
  '/v1/chat/completions': {
    temperature: ['1.5'],
    top_k: ['12', '-1'], // -1: off, as in vLLM
    seed: ['12', '-1'],
    stop: ['"x"'],
    max_tokens: ['12'],
    max_completion_tokens: ['12'],
    presence_penalty: ['-1', '1.5'],
    frequency_penalty: ['-1', '1.5'],
    repetition_penalty: ['1.5'],
    logit_bias: ['{}'],
    min_tokens: ['12'],
    ignore_eos: ['true'],
    stream: ['true'],
    user: ['"x"'],
    return_token_ids: ['true'],
    selar: ['{}'],
    logprobs: ['true'],
    chat_template_kwargs: ['{}', '{"a":1}'], // passed to the template as they are
  },
  '/v1/completions': {
    prompt: ['"x"'],
    temperature: ['1.5'],
    stop: ['"x"'],
    max_tokens: ['12'],
    logit_bias: ['{}'],
    stream: ['true'],
    logprobs: ['12'],
    selar: ['{}'],
    user: ['"x"'],
  },
};

t.test('every field of both endpoints rejects values of the wrong type, naming the field', async (t) => {
  const { app } = await fakeApp(t);
  const wrong = ['"x"', '12', '-1', '1.5', 'true', '[]', '[1,"a"]', '{}', '{"a":1}'];
  const fields: Record<string, string[]> = {
    '/v1/chat/completions': [
      'model',
      'messages',
      'temperature',
      'top_p',
      'top_k',
      'min_p',
      'seed',
      'n',
      'stop',
      'max_tokens',
      'max_completion_tokens',
      'presence_penalty',
      'frequency_penalty',
      'repetition_penalty',
      'logit_bias',
      'min_tokens',
      'ignore_eos',
      'stream',
      'stream_options',
      'user',
      'return_token_ids',
      'selar',
      'logprobs',
      'top_logprobs',
      'response_format',
      'chat_template_kwargs',
    ],
    '/v1/completions': [
      'model',
      'prompt',
      'temperature',
      'top_p',
      'n',
      'stop',
      'max_tokens',
      'logit_bias',
      'stream',
      'logprobs',
      'best_of',
      'selar',
      'user',
    ],
  };
  for (const [url, names] of Object.entries(fields)) {
    const base = url === '/v1/completions' ? completion : chat;
    for (const f of names) {
      const accepted = ACCEPTED[url][f] ?? [];
      for (const v of wrong) {
        // Replace the field when the base body has it (model, messages, prompt), else add it.
        const body = /^(model|messages|prompt)$/.test(f)
          ? f === 'model'
            ? base('').replace('"model":"tiny"', `"model":${v}`)
            : url === '/v1/completions'
              ? completion('', v)
              : chat('', v)
          : base(`"${f}":${v}`);
        const res = await app.inject({ method: 'POST', url, payload: body, headers: JSON_HEADERS });
        if (accepted.includes(v)) {
          t.equal(res.statusCode, 200, `${url} ${f}=${v}: a valid value, accepted`);
          continue;
        }
        expectOpenAIError(t, res, {}, `${url} ${f}=${v}`);
        const param = res.statusCode >= 400 ? ((res.json().error?.param ?? null) as string | null) : null;
        t.ok(
          param !== null && (param === f || param.startsWith(`${f}.`) || param.startsWith(`${f}[`)),
          `${url} ${f}=${v}: rejected naming the field (got ${res.statusCode}, ${param})`,
        );
      }
    }
  }
});

t.test('a huge model id is quoted, not echoed back whole', async (t) => {
  const { app } = await fakeApp(t);
  const id = 'm'.repeat(1 << 20);
  for (const res of [
    await send(app, { name: 'chat', body: chat('').replace('"tiny"', JSON.stringify(id)) }),
    await app.inject({ method: 'GET', url: `/v1/models/${id.slice(0, 50_000)}` }),
  ]) {
    t.equal(res.statusCode, 404);
    const message = res.json().error.message as string;
    t.ok(message.length < 400, `message of ${message.length} characters`);
    t.match(message, /m{128}… \(\d+ characters\)/);
  }
});
