// The official `openai` client's Responses API against a listening server: create
// (plain and streamed), the stream helper, previous_response_id, retrieve / delete /
// input items, the selar extension and its trace, and typed errors.
import t from 'tap';
import OpenAI from 'openai';
import { testApp } from './helpers.js';
import { THINKING, thinkModel } from './responses-helpers.js';

async function serve(t: Parameters<typeof testApp>[0], opts: Parameters<typeof testApp>[1] = {}) {
  const { app, engine } = await testApp(t, { ...opts, argv: ['--api-keys', 'sk-test', ...(opts.argv ?? [])] });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { engine, client: new OpenAI({ baseURL: `${url}/v1`, apiKey: 'sk-test', maxRetries: 0 }) };
}

type SelarResponse = OpenAI.Responses.Response & {
  selar_trace: Array<{ entropy: number; soft: boolean }>;
  usage: { output_tokens_details: { soft_tokens: number } };
};

t.test('create, the stream helper and raw streaming all give the same text and reasoning', async (t) => {
  const { client, engine } = await serve(t, { engine: { model: thinkModel, script: () => THINKING } });
  const plain = await client.responses.create({
    model: 'tiny',
    input: 'Hi',
    instructions: 'ok',
    max_output_tokens: 20,
  });
  t.equal(plain.status, 'completed');
  t.equal(plain.output_text, 'ok Paris', 'the SDK assembles output_text from the message item');
  const reasoning = plain.output[0] as OpenAI.Responses.ResponseReasoningItem;
  t.equal(reasoning.type, 'reasoning');
  t.same(reasoning.content, [{ type: 'reasoning_text', text: 'Hi' }]);
  t.equal(plain.usage?.output_tokens_details.reasoning_tokens, 3);
  t.equal(engine.requests[0].stop.maxTokens, 20);

  const stream = client.responses.stream({ model: 'tiny', input: 'Hi' });
  let deltas = '';
  let reasoningDeltas = '';
  stream.on('response.output_text.delta', (e) => {
    deltas += e.delta;
  });
  stream.on('response.reasoning_text.delta', (e) => {
    reasoningDeltas += e.delta;
  });
  const final = await stream.finalResponse();
  t.equal(deltas, 'ok Paris');
  t.equal(reasoningDeltas, 'Hi');
  t.equal(final.output_text, plain.output_text);
  t.same(
    final.output.map((i) => i.type),
    ['reasoning', 'message'],
  );
  t.same((final.output[0] as OpenAI.Responses.ResponseReasoningItem).content, reasoning.content);

  const raw = await client.responses.create({ model: 'tiny', input: 'Hi', stream: true });
  const types: string[] = [];
  let text = '';
  for await (const event of raw) {
    types.push(event.type);
    if (event.type === 'response.output_text.delta') text += event.delta;
  }
  t.equal(text, 'ok Paris');
  t.same([types[0], types[1], types.at(-1)], ['response.created', 'response.in_progress', 'response.completed']);
});

t.test('previous_response_id, retrieve, input items and delete', async (t) => {
  const { client, engine } = await serve(t);
  const first = await client.responses.create({ model: 'tiny', input: 'Hi' });
  const second = await client.responses.create({ model: 'tiny', input: 'ok', previous_response_id: first.id });
  t.equal(second.previous_response_id, first.id);
  t.ok(engine.requests[1].promptIds.length > engine.requests[0].promptIds.length, 'the earlier turn is in the prompt');
  const again = await client.responses.retrieve(second.id);
  t.equal(again.output_text, second.output_text);
  const items = await client.responses.inputItems.list(second.id);
  t.same(
    items.data.map((i) => (i as { content: unknown }).content),
    ['ok'],
  );
  // The usual loop: push the output back as input for the next turn.
  const manual = await client.responses.create({
    model: 'tiny',
    input: [
      { role: 'user', content: 'Hi' },
      ...first.output,
      { role: 'user', content: 'ok' },
    ] as OpenAI.Responses.ResponseInput,
    store: false,
  });
  t.same(engine.requests[2].promptIds, engine.requests[1].promptIds, 'the same conversation as previous_response_id');
  t.equal((manual as { store?: boolean }).store, false);
  await client.responses.delete(second.id);
  t.type(await client.responses.retrieve(second.id).catch((e: unknown) => e), OpenAI.NotFoundError);
});

t.test('the selar object travels through the SDK; trace and soft tokens come back', async (t) => {
  const { client, engine } = await serve(t, { engine: { model: thinkModel, script: () => THINKING } });
  const body = {
    model: 'tiny',
    input: 'Hi',
    selar: { mode: 'soft', trace: true },
  } as OpenAI.Responses.ResponseCreateParamsNonStreaming;
  const res = (await client.responses.create(body)) as SelarResponse;
  t.equal(engine.requests[0].selar.mode, 'soft');
  t.equal(res.selar_trace.length, 5);
  t.equal(res.usage.output_tokens_details.soft_tokens, 2);
  const streamBody = body as unknown as OpenAI.Responses.ResponseCreateParamsStreaming;
  const streamed = (await client.responses.stream(streamBody).finalResponse()) as unknown as SelarResponse;
  t.same(streamed.selar_trace, res.selar_trace);
});

t.test("errors arrive as the SDK's typed errors, mid-stream failures too", async (t) => {
  const { client } = await serve(t);
  const tools = [{ type: 'web_search' as const }];
  const bad = await client.responses.create({ model: 'tiny', input: 'Hi', tools }).catch((e: unknown) => e);
  t.type(bad, OpenAI.BadRequestError);
  t.equal((bad as InstanceType<typeof OpenAI.BadRequestError>).param, 'tools[0].type');
  const text = { format: { type: 'json_schema' as const, name: 'x', schema: { type: 'nope' } } };
  const format = await client.responses.create({ model: 'tiny', input: 'Hi', text }).catch((e: unknown) => e);
  t.equal((format as InstanceType<typeof OpenAI.BadRequestError>).param, 'text.format.schema');
  const missing = await client.responses
    .create({ model: 'tiny', input: 'Hi', previous_response_id: 'resp_gone' })
    .catch((e: unknown) => e);
  t.type(missing, OpenAI.NotFoundError);
  t.type(
    await client.responses.create({ model: 'gpt-4o', input: 'Hi' }).catch((e: unknown) => e),
    OpenAI.NotFoundError,
  );

  const failing = await serve(t, { engine: { failAfter: 1 } });
  const err = await failing.client.responses
    .stream({ model: 'tiny', input: 'Hi' })
    .finalResponse()
    .catch((e: unknown) => e);
  t.match(
    err,
    { type: 'error', code: 'worker_failed', message: 'worker 0 exited unexpectedly' },
    'the stream helper rejects with the error event',
  );
});
