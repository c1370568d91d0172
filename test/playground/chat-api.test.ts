// The page's client path without a browser: its request body, its fetch calls, its SSE
// reader and its token split, in Node against a listening server (Node's fetch, with
// the page's same-origin paths resolved against the server's address).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { ApiError, listModels, streamChat } from '../../src/playground/client/chat-api.js';
import { chatRequestBody, SELAR_MODES, type SharedSettings } from '../../src/playground/client/request-body.js';
import { splitDelta } from '../../src/playground/client/token-split.js';
import type { ChatChunk } from '../../src/playground/client/wire-types.js';
import { fakeApp, listen } from '../reliability/support.js';
import { liveServer } from './live-server.js';
import { selarSettings } from './selar-settings.js';

/** Resolves the page's relative URLs ('/v1/…') against `base` for this test. */
function sameOrigin(t: Test, base: string): void {
  const real = globalThis.fetch;
  globalThis.fetch = (input, init) => real(typeof input === 'string' ? new URL(input, base) : input, init);
  t.teardown(() => {
    globalThis.fetch = real;
  });
}

async function collect(body: unknown, key = ''): Promise<ChatChunk[]> {
  const out: ChatChunk[] = [];
  for await (const c of streamChat(body, key, new AbortController().signal)) out.push(c);
  return out;
}

const selar = selarSettings({ mode: 'soft', discrete_tokens: 'none' });

t.test('a streamed run, as the page reads it, matches the same request answered whole', async (t) => {
  const server = await liveServer(t);
  sameOrigin(t, server.url);
  const models = await listModels('');
  t.same(
    models.data.map((m) => m.id),
    [server.modelId],
  );
  const shared: SharedSettings = {
    model: server.modelId,
    system: '',
    prompt: 'Hello',
    temperature: 0,
    seed: 1,
    maxTokens: 12,
    topLogprobs: 2,
  };
  const body = chatRequestBody(shared, selar);
  const chunks = await collect(body);
  const pieces = chunks.flatMap((c) => c.choices.flatMap((ch) => splitDelta(ch).pieces));
  const usage = chunks.at(-1)!.usage!;

  const whole = (await (
    await fetch(new URL('/v1/chat/completions', server.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...body, stream: false, stream_options: undefined }),
    })
  ).json()) as any;
  const choice = whole.choices[0];
  t.equal(pieces.length, usage.completion_tokens, 'one piece per generated token');
  t.equal(pieces.map((p) => p.text).join(''), choice.message.content, 'the pieces spell the answer');
  t.same(
    pieces.map((p) => p.id),
    choice.token_ids,
    'each piece carries its token id',
  );
  t.same(
    pieces.map((p) => ({ entropy: p.entropy, soft: p.soft, ...(p.mix ? { mix: p.mix } : {}) })),
    choice.selar_trace,
    'and its trace entry, with its mix',
  );
  const soft = pieces.filter((p) => p.soft);
  t.ok(soft.length > 0, 'mode soft went soft');
  t.ok(
    pieces.every((p) => (p.mix !== null && p.mix.length > 0) === p.soft),
    'each soft step, and only those, carries its mixture',
  );
  t.same(
    pieces.map((p) => p.logprob?.token),
    choice.logprobs.content.map((l: { token: string }) => l.token),
    'and its logprob',
  );
  t.equal(usage.completion_tokens_details?.soft_tokens, pieces.filter((p) => p.soft).length, 'soft count from usage');
});

t.test('the server takes the body the page builds in every mode and noise', async (t) => {
  const { app } = await fakeApp(t);
  sameOrigin(t, `http://127.0.0.1:${await listen(app)}`);
  const shared: SharedSettings = {
    model: 'tiny',
    system: '',
    prompt: 'Hi',
    temperature: 0,
    seed: 3,
    maxTokens: 2,
    topLogprobs: null,
  };
  for (const mode of SELAR_MODES) {
    for (const noise of ['none', 'gumbel', 'dirichlet'] as const) {
      const chunks = await collect(chatRequestBody(shared, selarSettings({ mode, noise }))).catch((e: unknown) => e);
      t.ok(Array.isArray(chunks), `${mode}/${noise}: accepted${Array.isArray(chunks) ? '' : ` (${String(chunks)})`}`);
    }
  }
});

t.test('errors reach the page as ApiError: HTTP status and code, or an in-stream error frame', async (t) => {
  const server = await liveServer(t, ['--api-keys', 'sesame']);
  sameOrigin(t, server.url);
  await t.rejects(listModels(''), { name: 'ApiError', status: 401 }, 'no key');
  await t.rejects(listModels('wrong'), { name: 'ApiError', status: 401 }, 'a wrong key');
  t.same(
    (await listModels('sesame')).data.map((m) => m.id),
    [server.modelId],
    'the right key',
  );
  const shared: SharedSettings = {
    model: server.modelId,
    system: 'Be brief.',
    prompt: 'Hi',
    temperature: 0,
    seed: null,
    maxTokens: 3,
    topLogprobs: null,
  };
  await t.rejects(collect(chatRequestBody(shared, selar), 'wrong'), { name: 'ApiError', status: 401 });
  await t.rejects(
    collect(chatRequestBody({ ...shared, maxTokens: -1 }, selar), 'sesame'),
    { name: 'ApiError', status: 400 },
    'a rejected body',
  );
  t.equal((await collect(chatRequestBody(shared, selar), 'sesame')).at(-1)!.usage!.completion_tokens, 3);

  // A generation that fails after the headers: the error frame inside the 200 throws.
  const { app } = await fakeApp(t, { engine: { failAfter: 1 } });
  sameOrigin(t, `http://127.0.0.1:${await listen(app)}`);
  const err = await collect(chatRequestBody({ ...shared, model: 'tiny' }, selar)).then(
    () => null,
    (e: unknown) => e,
  );
  t.ok(err instanceof ApiError && err.status === null, `in-stream error: ${String(err)}`);
});

t.test('a stream cut before [DONE] is an error, not a finished run', async (t) => {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(
      'data: {"id":"x","model":"m","choices":[{"index":0,"delta":{"content":"Hi"},"logprobs":null,' +
        '"finish_reason":null}]}\n\n',
    );
    setTimeout(() => res.end(), 20); // a clean end, but without [DONE]
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  sameOrigin(t, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const seen: string[] = [];
  const err = await (async () => {
    for await (const c of streamChat({}, '', new AbortController().signal)) seen.push(c.choices[0].delta.content ?? '');
  })().then(
    () => null,
    (e: unknown) => e,
  );
  t.same(seen, ['Hi'], 'the chunk before the cut was delivered');
  t.ok(err instanceof ApiError && /before \[DONE\]/.test(err.message), `then it fails: ${String(err)}`);
});
