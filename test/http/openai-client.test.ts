// The official `openai` npm client against a listening server: what existing
// applications will actually do.
import t from 'tap';
import OpenAI from 'openai';
import type { FastifyInstance } from 'fastify';
import type { GenerationRequest } from '../../src/engine/types.js';
import type { ScriptToken } from '../support/fake-engine.js';
import { ID } from '../support/tiny-tokenizer.js';
import { testApp } from './helpers.js';

const WORDS: ScriptToken[] = [
  { id: ID.Hello, text: 'Hello' },
  { id: ID[' world'], text: ' world' },
  { id: ID[' there'], text: ' there' },
  { id: ID['!'], text: '!' },
];
/** Deterministic in the seed, like a seeded sampler: same seed, same tokens. */
const seeded = (req: GenerationRequest): ScriptToken[] => {
  let x = (req.sampling.seed ?? Math.floor(Math.random() * 1e9)) + 1;
  return Array.from({ length: 6 }, () => WORDS[(x = (x * 1103515245 + 12345) % 2147483648) % WORDS.length]);
};

async function serve(
  t: Parameters<typeof testApp>[0],
  opts: Parameters<typeof testApp>[1] = {},
): Promise<{ client: OpenAI; app: FastifyInstance; engine: Awaited<ReturnType<typeof testApp>>['engine'] }> {
  const { app, engine } = await testApp(t, { ...opts, argv: ['--api-keys', 'sk-test', ...(opts.argv ?? [])] });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, engine, client: new OpenAI({ baseURL: `${url}/v1`, apiKey: 'sk-test', maxRetries: 0 }) };
}

const messages = [{ role: 'user' as const, content: 'Hi' }];

t.test('chat: plain, streaming, include_usage, n, stop, seed, selar via extra fields', async (t) => {
  const { client, engine } = await serve(t, { engine: { script: seeded } });
  const one = await client.chat.completions.create({ model: 'tiny', messages, seed: 5, stop: ['!'] });
  t.equal(one.object, 'chat.completion');
  t.equal(one.choices[0].finish_reason, 'stop');
  t.same(engine.requests[0].stop.strings, ['!']);
  const again = await client.chat.completions.create({ model: 'tiny', messages, seed: 5 });
  t.equal(again.choices[0].message.content, one.choices[0].message.content, 'same seed, same text');

  const stream = await client.chat.completions.create({
    model: 'tiny',
    messages,
    seed: 5,
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = '';
  let usage: OpenAI.CompletionUsage | null | undefined;
  let role: string | undefined;
  for await (const chunk of stream) {
    role ??= chunk.choices[0]?.delta.role;
    text += chunk.choices[0]?.delta.content ?? '';
    if (chunk.usage) usage = chunk.usage;
  }
  t.equal(role, 'assistant');
  t.equal(text, one.choices[0].message.content);
  t.equal(usage?.completion_tokens, 6);

  const many = await client.chat.completions.create({ model: 'tiny', messages, n: 3, seed: 1 });
  t.same(
    many.choices.map((c) => c.index),
    [0, 1, 2],
  );
  t.equal(new Set(many.choices.map((c) => c.message.content)).size, 3, 'derived seeds give distinct samples');

  const body = {
    model: 'tiny',
    messages,
    selar: { mode: 'soft', trace: true },
    return_token_ids: true,
  } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming;
  const ext = (await client.chat.completions.create(body)) as OpenAI.ChatCompletion & {
    choices: Array<{ selar_trace: unknown[]; token_ids: number[] }>;
  };
  t.equal(ext.choices[0].selar_trace.length, 6);
  t.equal(ext.choices[0].token_ids.length, 6);
  t.equal(engine.requests.at(-1)!.selar.mode, 'soft');
});

t.test('completions: plain and streaming', async (t) => {
  const { client } = await serve(t);
  const res = await client.completions.create({ model: 'tiny', prompt: 'Hello', max_tokens: 2 });
  t.equal(res.choices[0].text, 'Hello world');
  t.equal(res.choices[0].finish_reason, 'length');
  let text = '';
  for await (const chunk of await client.completions.create({ model: 'tiny', prompt: ['Hi'], stream: true }))
    text += chunk.choices[0]?.text ?? '';
  t.equal(text, 'Hello world!');
  t.equal((await client.models.list()).data[0].id, 'tiny');
});

t.test("errors surface as the client's typed errors", async (t) => {
  const { client } = await serve(t);
  const tools = [{ type: 'function' as const, function: { name: 'f', parameters: {} } }];
  const tool_choice = { type: 'function' as const, function: { name: 'g' } };
  const bad = await client.chat.completions
    .create({ model: 'tiny', messages, tools, tool_choice })
    .catch((e: unknown) => e);
  t.type(bad, OpenAI.BadRequestError);
  t.equal((bad as InstanceType<typeof OpenAI.BadRequestError>).param, 'tool_choice.function.name');
  t.type(
    await client.chat.completions.create({ model: 'gpt-4o', messages }).catch((e: unknown) => e),
    OpenAI.NotFoundError,
  );
  t.type(
    await client.chat.completions.create({ model: 'tiny', messages, temperature: 5 }).catch((e: unknown) => e),
    OpenAI.BadRequestError,
  );
  const wrongKey = new OpenAI({ baseURL: client.baseURL, apiKey: 'sk-wrong', maxRetries: 0 });
  t.type(
    await wrongKey.chat.completions.create({ model: 'tiny', messages }).catch((e: unknown) => e),
    OpenAI.AuthenticationError,
  );

  const busy = await serve(t, { engine: { overloaded: true } });
  const limited = await busy.client.chat.completions.create({ model: 'tiny', messages }).catch((e: unknown) => e);
  t.type(limited, OpenAI.RateLimitError);
  t.equal((limited as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after'), '1');

  const failing = await serve(t, { engine: { failAfter: 1 } });
  const midStream = async () => {
    for await (const _ of await failing.client.chat.completions.create({ model: 'tiny', messages, stream: true }))
      void _;
  };
  const err = await midStream().catch((e: unknown) => e);
  t.type(err, OpenAI.APIError, 'an error frame mid-stream raises');
  t.match((err as Error).message, /worker 0 exited unexpectedly/);
});
