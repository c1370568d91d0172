// The thinking budget's request side on every endpoint that has one: chat's
// reasoning_effort, max_thinking_tokens, and the Responses API's reasoning.effort.
import t from 'tap';
import { ID } from '../support/tiny-tokenizer.js';
import { chat, complete, post, testApp } from './helpers.js';

const model = { thinkTokenIds: { open: ID['<think>'], close: ID['</think>'] } };

t.test('each endpoint hands the engine its budget and the end tag', async (t) => {
  const { app, engine } = await testApp(t, { engine: { model } });
  await chat(app, { reasoning_effort: 'low' });
  await complete(app, { max_thinking_tokens: 9 });
  for (const effort of ['xhigh', 'minimal']) {
    const res = await post(app, '/v1/responses', { model: 'tiny', input: 'Hi', reasoning: { effort } });
    t.equal(res.statusCode, 200, res.body);
  }
  t.same(
    engine.requests.map((r) => r.thinking),
    [
      { budget: 1024, endIds: [ID['</think>']], startsInside: false },
      { budget: 9, endIds: [ID['</think>']], startsInside: false },
      { budget: null, endIds: [ID['</think>']], startsInside: false },
      { budget: 0, endIds: [ID['</think>']], startsInside: false },
    ],
  );
  t.same(engine.requests[3].promptIds.slice(-2), [ID['<think>'], ID['</think>']], 'minimal: rendered without thinking');
});
