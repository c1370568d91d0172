// Stored responses over HTTP: GET, DELETE, input_items, previous_response_id and
// item_reference, store: false, and the count bound from --responses-max-stored.
import t from 'tap';
import { ID, tinyTokenizer } from '../support/tiny-tokenizer.js';
import { testApp } from './helpers.js';
import { THINKING, respond, thinkModel } from './responses-helpers.js';

t.test("GET returns the stored response; DELETE forgets it; unknown ids are 404 in OpenAI's shape", async (t) => {
  const { app } = await testApp(t);
  const created = (await respond(app, { metadata: { a: 'b' } })).json();
  const got = await app.inject({ url: `/v1/responses/${created.id}` });
  t.equal(got.statusCode, 200);
  t.same(got.json(), created);
  const del = await app.inject({ method: 'DELETE', url: `/v1/responses/${created.id}` });
  t.same(del.json(), { id: created.id, object: 'response', deleted: true });
  for (const [method, url] of [
    ['GET', `/v1/responses/${created.id}`],
    ['DELETE', `/v1/responses/${created.id}`],
    ['GET', '/v1/responses/resp_x/input_items'],
  ] as const) {
    const res = await app.inject({ method, url });
    t.equal(res.statusCode, 404, `${method} ${url}`);
    t.match(res.json().error, { type: 'invalid_request_error', code: 'not_found', param: 'id', message: /not found/ });
  }
  const notStored = (await respond(app, { store: false })).json();
  t.equal(notStored.store, false);
  t.equal((await app.inject({ url: `/v1/responses/${notStored.id}` })).statusCode, 404);
});

t.test(
  'previous_response_id continues the conversation: earlier input and output, not the earlier instructions',
  async (t) => {
    const { app, engine } = await testApp(t, { engine: { model: thinkModel, script: () => THINKING } });
    const first = (await respond(app, { instructions: 'ok', input: 'Hi' })).json();
    const second = await respond(app, { previous_response_id: first.id, input: [{ role: 'user', content: 'Hello' }] });
    t.equal(second.statusCode, 200, second.body);
    t.equal(second.json().previous_response_id, first.id);
    // The tiny template renders role and content: the reasoning item went to the assistant turn's reasoning_content.
    t.equal(
      tinyTokenizer().decode(engine.requests[1].promptIds, false),
      '<s><|user|>Hi<|assistant|>ok Paris<|user|>Hello<|assistant|>',
    );
    const third = await respond(app, { previous_response_id: second.json().id, input: 'ok' });
    t.equal(
      tinyTokenizer().decode(engine.requests[2].promptIds, false),
      '<s><|user|>Hi<|assistant|>ok Paris<|user|>Hello<|assistant|>ok Paris<|user|>ok<|assistant|>',
    );
    t.equal(third.statusCode, 200);
  },
);

t.test('a streamed response is stored too, and its items can be referenced', async (t) => {
  const { app, engine } = await testApp(t);
  const body = (await respond(app, { stream: true, input: [{ role: 'user', content: 'Hi', id: 'msg_in' }] })).body;
  const id = /"id":"(resp_[0-9a-f]+)"/.exec(body)![1];
  const stored = (await app.inject({ url: `/v1/responses/${id}` })).json();
  t.equal(stored.status, 'completed');
  const out = stored.output[0].id;
  await respond(app, {
    input: [{ type: 'item_reference', id: 'msg_in' }, { id: out }, { role: 'user', content: 'ok' }],
  });
  t.same(engine.requests[1].promptIds, [
    ID['<s>'],
    ID['<|user|>'],
    ID.Hi,
    ID['<|assistant|>'],
    ID.Hello,
    ID[' world'],
    ID['!'],
    ID['<|user|>'],
    ID.ok,
    ID['<|assistant|>'],
  ]);
});

t.test('input_items: ids on every item, newest first by default, limit / after / order', async (t) => {
  const { app } = await testApp(t);
  const input = [
    { role: 'user', content: 'Hi' },
    { type: 'message', role: 'assistant', content: 'ok', id: 'msg_given' },
    { role: 'user', content: 'ok' },
  ];
  const { id } = (await respond(app, { input })).json();
  const list = (await app.inject({ url: `/v1/responses/${id}/input_items` })).json();
  t.equal(list.object, 'list');
  t.equal(list.data.length, 3);
  t.equal(list.data[1].id, 'msg_given');
  t.equal(list.data[2].content, 'Hi', 'desc: newest first');
  t.ok(list.data.every((i: { id: string; type: string }) => /^msg_/.test(i.id) && i.type === 'message'));
  t.match(list, { first_id: list.data[0].id, last_id: list.data[2].id, has_more: false });
  const page = (
    await app.inject({ url: `/v1/responses/${id}/input_items?order=asc&limit=1&after=${list.data[2].id}` })
  ).json();
  t.same(
    page.data.map((i: { id: string }) => i.id),
    ['msg_given'],
  );
  t.equal(page.has_more, true);
  for (const [query, param] of [
    ['limit=0', 'limit'],
    ['limit=x', 'limit'],
    ['after=nope', 'after'],
    ['order=up', 'order'],
    ['bogus=1', 'bogus'],
  ]) {
    const res = await app.inject({ url: `/v1/responses/${id}/input_items?${query}` });
    t.equal(res.statusCode, 400, query);
    t.equal(res.json().error.param, param, query);
  }
});

t.test('--responses-max-stored bounds the store; 0 stores nothing', async (t) => {
  const { app } = await testApp(t, { argv: ['--responses-max-stored', '2'] });
  const ids = [];
  for (let i = 0; i < 3; i++) ids.push((await respond(app, {})).json().id);
  const status = await Promise.all(
    ids.map(async (id) => (await app.inject({ url: `/v1/responses/${id}` })).statusCode),
  );
  t.same(status, [404, 200, 200], 'the oldest went first');
  const none = await testApp(t, { argv: ['--responses-max-stored', '0'] });
  const { id } = (await respond(none.app, {})).json();
  t.equal((await none.app.inject({ url: `/v1/responses/${id}` })).statusCode, 404);
});
