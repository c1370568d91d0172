// The playground's tools and structured-output fields in a real browser: a JSON-schema
// run against a real server shows its answer indented; a streamed tool call (served by
// a route, so the call does not depend on a random model) is shown by name with its
// arguments indented; a tools field that is not JSON stops the run with a message.
import t from 'tap';
import { buildPlayground } from './build-playground.js';
import { chromiumMissing, launchChromium } from './chromium.js';
import { liveServer } from './live-server.js';

const missing = chromiumMissing();
const SCHEMA = { type: 'object', properties: { n: { type: 'integer', minimum: 0, maximum: 9 } }, required: ['n'] };

/** A chat stream with text, then one call in OpenAI's order: name first, arguments in pieces. */
function callStream(model: string): string {
  const base = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model };
  const chunk = (choice: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    `data: ${JSON.stringify({ ...base, choices: [choice], ...extra })}\n\n`;
  const delta = (d: Record<string, unknown>, finish: string | null = null) =>
    chunk({ index: 0, delta: d, logprobs: null, finish_reason: finish });
  const usage = {
    prompt_tokens: 5,
    completion_tokens: 3,
    total_tokens: 8,
    completion_tokens_details: { reasoning_tokens: 0, soft_tokens: 0 },
  };
  return [
    delta({ role: 'assistant', content: '' }),
    delta({ content: 'Checking.' }),
    delta({
      tool_calls: [{ index: 0, id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: '' } }],
    }),
    delta({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
    delta({ tool_calls: [{ index: 0, function: { arguments: '"Paris","days":[1,2]}' } }] }),
    delta({}, 'tool_calls'),
    `data: ${JSON.stringify({ ...base, choices: [], usage })}\n\n`,
    'data: [DONE]\n\n',
  ].join('');
}

t.test('tools and structured output in the page', { skip: missing ?? false, timeout: 240_000 }, async (t) => {
  buildPlayground();
  const server = await liveServer(t);
  const browser = await launchChromium();
  t.teardown(() => browser.close());
  const page = await browser.context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  const bodies: Array<Record<string, unknown>> = [];
  page.on('request', (r) => {
    if (r.url().endsWith('/v1/chat/completions')) bodies.push(JSON.parse(r.postData() ?? '{}'));
  });
  await page.goto(`${server.url}/playground`);
  await page.waitForSelector(`#model option[value="${server.modelId}"]`, { state: 'attached' });
  t.equal(await page.isDisabled('#json-schema'), true, 'the schema box is off until json_schema is chosen');

  // A JSON-schema answer from the real server: shown indented under the tokens.
  await page.fill('#prompt', 'Pick a digit.');
  await page.fill('#max-tokens', '24');
  await page.selectOption('#response-format', 'json_schema');
  await page.fill('#json-schema', JSON.stringify(SCHEMA));
  await page.click('#run');
  await page.waitForSelector('body[data-state="idle"] .run[data-side="a"] .run-stats[data-final]', {
    timeout: 120_000,
  });
  t.match(bodies[0], {
    response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: SCHEMA, strict: true } },
  });
  const answer = (await page.textContent('.run[data-side="a"] [data-section="answer"]')) ?? '';
  t.match(answer, /^\{"n": [0-9]\}$/, 'the grammar made the answer follow the schema');
  t.equal(await page.isVisible('.run[data-side="a"] .answer-json'), true);
  t.equal(
    await page.textContent('.run[data-side="a"] .answer-json pre'),
    JSON.stringify(JSON.parse(answer), null, 2),
    'the answer indented',
  );

  // A streamed tool call: name, id and the arguments reassembled and indented.
  await page.selectOption('#response-format', 'text');
  await page.fill('#tools', '[{"name": "get_weather", "parameters": {"type": "object"}}]');
  await page.route('**/v1/chat/completions', (route) =>
    route.fulfill({ status: 200, contentType: 'text/event-stream', body: callStream(server.modelId) }),
  );
  await page.click('#run');
  await page.waitForSelector('body[data-state="idle"] .run[data-side="a"] .run-stats[data-final]');
  t.match(bodies[1], { tools: [{ type: 'function', function: { name: 'get_weather' } }], tool_choice: 'auto' });
  t.equal(await page.isVisible('.run[data-side="a"] .tool-calls'), true, 'the calls are shown');
  t.equal(await page.textContent('.run[data-side="a"] .call-name'), 'get_weather');
  t.equal(await page.textContent('.run[data-side="a"] .call-id'), 'call_abc');
  t.equal(
    await page.textContent('.run[data-side="a"] .call-args'),
    JSON.stringify({ city: 'Paris', days: [1, 2] }, null, 2),
  );
  t.equal(await page.textContent('.run[data-side="a"] [data-section="answer"]'), 'Checking.');
  t.equal(await page.isHidden('.run[data-side="a"] .answer-json'), true, 'no JSON answer beside a call');
  t.equal(await page.textContent('.run[data-side="a"] [data-stat="finish"]'), 'tool_calls');

  // A tools field that is not JSON: the run stops with a message naming it, and nothing is sent.
  await page.fill('#tools', '[{"name": ');
  await page.click('#run');
  await page.waitForSelector('body[data-state="idle"] .run[data-side="a"] .run-error:not([hidden])');
  t.match(await page.textContent('.run[data-side="a"] .run-error'), /^Tools is not valid JSON: /);
  t.equal(bodies.length, 2, 'no request went out');
  t.same(pageErrors, [], 'no script errors');
});

if (missing) t.comment(`playground browser tests skipped: ${missing}`);
