// /v1/responses with stream: true against the fake engine: the exact event frames,
// sequence numbers, the same output as the non-streamed call, failures before and
// after the headers, and --stream-interval.
import t, { type Test } from 'tap';
import { ID } from '../support/tiny-tokenizer.js';
import { testApp } from './helpers.js';
import { THINKING, respond, thinkModel } from './responses-helpers.js';

type Event = { type: string; sequence_number: number; [key: string]: unknown };

/** Splits a Responses stream into its events, checking the framing of each. */
function events(t: Test, body: string): Event[] {
  t.ok(body.endsWith('\n\n'), 'ends with a blank line');
  t.notOk(body.includes('[DONE]'), 'no [DONE] in a Responses stream');
  return body
    .slice(0, -2)
    .split('\n\n')
    .filter((f) => !f.startsWith(':'))
    .map((frame) => {
      const m = /^event: ([a-z_.]+)\ndata: (.*)$/s.exec(frame);
      if (!m) throw new Error(`not an event frame: ${frame}`);
      const data = JSON.parse(m[2]) as Event;
      if (data.type !== m[1]) throw new Error(`event ${m[1]} carries type ${data.type}`);
      return data;
    });
}

t.test("exact frames of a reasoning model's stream", async (t) => {
  const { app } = await testApp(t, { engine: { model: thinkModel, script: () => THINKING } });
  const res = await respond(app, { stream: true });
  t.equal(res.statusCode, 200);
  t.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8');
  const rs = /"id":"(rs_[0-9a-f]{24})"/.exec(res.body)![1];
  const msg = /"id":"(msg_[0-9a-f]{24})"/.exec(res.body)![1];
  const frames = res.body.split('\n\n').slice(0, -1);
  const lifecycle = [0, 1, frames.length - 1];
  const expected = [
    `{"type":"response.output_item.added","sequence_number":2,"output_index":0,"item":{"id":"${rs}",` +
      `"type":"reasoning","status":"in_progress","summary":[],"content":[],"encrypted_content":null}}`,
    `{"type":"response.content_part.added","sequence_number":3,"item_id":"${rs}","output_index":0,"content_index":0,` +
      `"part":{"type":"reasoning_text","text":""}}`,
    `{"type":"response.reasoning_text.delta","sequence_number":4,"item_id":"${rs}","output_index":0,` +
      `"content_index":0,"delta":"Hi"}`,
    `{"type":"response.reasoning_text.done","sequence_number":5,"item_id":"${rs}","output_index":0,` +
      `"content_index":0,"text":"Hi"}`,
    `{"type":"response.content_part.done","sequence_number":6,"item_id":"${rs}","output_index":0,"content_index":0,` +
      `"part":{"type":"reasoning_text","text":"Hi"}}`,
    `{"type":"response.output_item.done","sequence_number":7,"output_index":0,"item":{"id":"${rs}",` +
      `"type":"reasoning","status":"completed","summary":[],"content":[{"type":"reasoning_text","text":"Hi"}],` +
      `"encrypted_content":null}}`,
    `{"type":"response.output_item.added","sequence_number":8,"output_index":1,"item":{"id":"${msg}",` +
      `"type":"message","role":"assistant","status":"in_progress","content":[]}}`,
    `{"type":"response.content_part.added","sequence_number":9,"item_id":"${msg}","output_index":1,` +
      `"content_index":0,"part":{"type":"output_text","text":"","annotations":[],"logprobs":[]}}`,
    `{"type":"response.output_text.delta","sequence_number":10,"item_id":"${msg}","output_index":1,` +
      `"content_index":0,"delta":"ok","logprobs":[]}`,
    `{"type":"response.output_text.delta","sequence_number":11,"item_id":"${msg}","output_index":1,` +
      `"content_index":0,"delta":" Paris","logprobs":[]}`,
    `{"type":"response.output_text.done","sequence_number":12,"item_id":"${msg}","output_index":1,"content_index":0,` +
      `"text":"ok Paris","logprobs":[]}`,
    `{"type":"response.content_part.done","sequence_number":13,"item_id":"${msg}","output_index":1,` +
      `"content_index":0,"part":{"type":"output_text","text":"ok Paris","annotations":[],"logprobs":[]}}`,
    `{"type":"response.output_item.done","sequence_number":14,"output_index":1,"item":{"id":"${msg}",` +
      `"type":"message","role":"assistant","status":"completed","content":[{"type":"output_text","text":"ok Paris",` +
      `"annotations":[],"logprobs":[]}]}}`,
  ].map((data) => `event: ${JSON.parse(data).type}\ndata: ${data}`);
  t.same(
    frames.filter((_, i) => !lifecycle.includes(i)),
    expected,
  );

  const all = events(t, res.body);
  t.same(
    all.map((e) => e.sequence_number),
    all.map((_, i) => i),
    'sequence numbers count from 0',
  );
  t.same(
    [all[0].type, all[1].type, all.at(-1)!.type],
    ['response.created', 'response.in_progress', 'response.completed'],
  );
  const created = all[0].response as Record<string, unknown>;
  t.match(created, { status: 'in_progress', output: [], usage: null, completed_at: null });
  t.equal(
    frames[0],
    `event: response.created\ndata: {"type":"response.created","sequence_number":0,` +
      `"response":${JSON.stringify(created)}}`,
  );
  const done = all.at(-1)!.response as Record<string, any>;
  t.equal(done.status, 'completed');
  t.same(done.output, [
    JSON.parse(expected[5].split('data: ')[1]).item,
    JSON.parse(expected[12].split('data: ')[1]).item,
  ]);
  t.same(done.usage.output_tokens_details, { reasoning_tokens: 3, soft_tokens: 2 });
});

t.test('streamed and non-streamed calls build the same response', async (t) => {
  const { app } = await testApp(t, { engine: { model: thinkModel, script: () => THINKING } });
  const strip = (r: Record<string, any>) => ({
    ...r,
    id: 'x',
    created_at: 0,
    completed_at: 0,
    output: r.output.map((i: Record<string, unknown>) => ({ ...i, id: 'x' })),
  });
  for (const body of [
    {},
    { max_output_tokens: 4 },
    { max_output_tokens: 2 },
    { selar: { trace: true } },
    { include: ['message.output_text.logprobs'] },
  ]) {
    const plain = (await respond(app, body)).json();
    const streamed = events(t, (await respond(app, { ...body, stream: true })).body).at(-1)!;
    t.equal(streamed.type, `response.${plain.status}`);
    t.same(strip(streamed.response as Record<string, unknown>), strip(plain), JSON.stringify(body));
  }
});

t.test('trace entries ride on the delta events', async (t) => {
  const { app } = await testApp(t, { engine: { model: thinkModel, script: () => THINKING } });
  const all = events(t, (await respond(app, { stream: true, selar: { trace: true } })).body);
  const deltas = all.filter((e) => e.type.endsWith('.delta'));
  t.same(
    deltas.map((e) => (e.selar_trace as unknown[]).length),
    [2, 2, 1],
    '<think> and Hi, then </think> and ok, then Paris',
  );
  t.equal((all.at(-1)!.response as { selar_trace: unknown[] }).selar_trace.length, 5);
});

t.test('--stream-interval batches the deltas, same text', async (t) => {
  const { app } = await testApp(t, { argv: ['--stream-interval', '8'] });
  const all = events(t, (await respond(app, { stream: true })).body);
  t.same(
    all.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta),
    ['Hello', ' world!'],
  );
});

t.test('failures: before the first event a plain HTTP error, after it response.failed then error', async (t) => {
  const busy = await testApp(t, { engine: { overloaded: true } });
  const refused = await respond(busy.app, { stream: true });
  t.equal(refused.statusCode, 429);
  t.equal(refused.json().error.code, 'overloaded');

  const failing = await testApp(t, { engine: { failAfter: 2 } });
  const res = await respond(failing.app, { stream: true });
  t.equal(res.statusCode, 200);
  const all = events(t, res.body);
  t.same(
    all.map((e) => e.type),
    [
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.failed',
      'error',
    ],
  );
  t.same(
    all.map((e) => e.sequence_number),
    all.map((_, i) => i),
  );
  const failed = all.at(-2)!.response as Record<string, any>;
  t.match(failed, { status: 'failed', error: { code: 'server_error', message: 'worker 0 exited unexpectedly' } });
  t.equal(failed.output[0].content[0].text, 'Hello world');
  t.same(all.at(-1), {
    type: 'error',
    sequence_number: 7,
    code: 'worker_failed',
    message: 'worker 0 exited unexpectedly',
    param: null,
  });
  const id = (all[0].response as { id: string }).id;
  t.equal(
    (await failing.app.inject({ url: `/v1/responses/${id}` })).statusCode,
    404,
    'a failed response is not stored',
  );
});

t.test('an engine that emits no text still closes with an empty message', async (t) => {
  const { app } = await testApp(t, { engine: { script: () => [{ id: ID['</s>'], text: '' }] } });
  const all = events(t, (await respond(app, { stream: true })).body);
  t.same(
    all.map((e) => e.type),
    [
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ],
  );
  t.equal(
    (all.at(-1)!.response as { output: Array<{ content: Array<{ text: string }> }> }).output[0].content[0].text,
    '',
  );
});
