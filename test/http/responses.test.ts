// POST /v1/responses against the fake engine: the response object, output items,
// usage, input items → prompt, parameters, and the errors for what is not supported.
import t from 'tap';
import { ID, tinyTokenizer } from '../support/tiny-tokenizer.js';
import { post, testApp } from './helpers.js';
import { THINKING, respond, thinkModel } from './responses-helpers.js';

t.test('a plain response: one message item, usage, the request echoed', async (t) => {
  const { app, engine } = await testApp(t);
  const res = await respond(app, {
    metadata: { k: 'v' },
    user: 'u1',
    temperature: 0.5,
    top_p: 0.9,
    max_output_tokens: 10,
  });
  t.equal(res.statusCode, 200, res.body);
  const body = res.json();
  t.match(body.id, /^resp_[0-9a-f]{24}$/);
  t.match(body, {
    object: 'response',
    status: 'completed',
    error: null,
    incomplete_details: null,
    model: 'tiny',
    instructions: null,
    previous_response_id: null,
    metadata: { k: 'v' },
    user: 'u1',
    temperature: 0.5,
    top_p: 0.9,
    max_output_tokens: 10,
    store: true,
    tools: [],
    tool_choice: 'auto',
    text: { format: { type: 'text' } },
    truncation: 'disabled',
  });
  t.equal(body.output.length, 1);
  t.match(body.output[0], {
    type: 'message',
    role: 'assistant',
    status: 'completed',
    content: [{ type: 'output_text', text: 'Hello world!', annotations: [], logprobs: [] }],
  });
  t.match(body.output[0].id, /^msg_/);
  t.same(body.usage, {
    input_tokens: 4,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: 3,
    output_tokens_details: { reasoning_tokens: 0, soft_tokens: 0 },
    total_tokens: 7,
  });
  t.notOk('selar_trace' in body);
  const req = engine.requests[0];
  t.same(req.promptIds, [ID['<s>'], ID['<|user|>'], ID.Hi, ID['<|assistant|>']]);
  t.equal(req.sampling.temperature, 0.5);
  t.equal(req.sampling.topP, 0.9);
  t.equal(req.stop.maxTokens, 10);
});

t.test(
  'reasoning item first, then the message; reasoning tokens and soft tokens counted; the selar trace',
  async (t) => {
    const { app, engine } = await testApp(t, { engine: { model: thinkModel, script: () => THINKING } });
    const body = (await respond(app, { selar: { mode: 'soft', trace: true } })).json();
    t.same(
      body.output.map((i: { type: string }) => i.type),
      ['reasoning', 'message'],
    );
    t.match(body.output[0], {
      status: 'completed',
      summary: [],
      content: [{ type: 'reasoning_text', text: 'Hi' }],
      encrypted_content: null,
    });
    t.match(body.output[0].id, /^rs_/);
    t.equal(body.output[1].content[0].text, 'ok Paris');
    t.same(body.usage.output_tokens_details, {
      reasoning_tokens: 3,
      soft_tokens: 2,
      latent: { mode: 'soft', soft_steps: 2, thinking_ended: { model: 0, budget: 0, cold_stop: 0 } },
    });
    t.same(
      body.selar_trace.map((e: { soft: boolean }) => e.soft),
      [true, true, false, false, false],
    );
    t.equal(engine.requests[0].selar.mode, 'soft');
  },
);

t.test(
  'max_output_tokens reached: incomplete, with incomplete_details; inside thinking there is no message',
  async (t) => {
    const { app } = await testApp(t, { engine: { model: thinkModel, script: () => THINKING } });
    const cut = (await respond(app, { max_output_tokens: 4 })).json();
    t.equal(cut.status, 'incomplete');
    t.same(cut.incomplete_details, { reason: 'max_output_tokens' });
    t.same(
      cut.output.map((i: { status: string }) => i.status),
      ['completed', 'incomplete'],
    );
    const thinking = (await respond(app, { max_output_tokens: 2 })).json();
    t.same(
      thinking.output.map((i: { type: string; status: string }) => `${i.type}:${i.status}`),
      ['reasoning:incomplete'],
    );
  },
);

t.test('input items: instructions, roles, text parts, reasoning before an assistant turn', async (t) => {
  const { app, engine } = await testApp(t);
  const res = await respond(app, {
    instructions: 'ok',
    input: [
      { role: 'user', content: 'Hi' },
      { type: 'reasoning', id: 'rs_1', summary: [], content: [{ type: 'reasoning_text', text: 'Hi' }] },
      {
        type: 'message',
        id: 'msg_1',
        role: 'assistant',
        status: 'completed',
        content: [{ type: 'output_text', text: 'Hello', annotations: [], logprobs: [] }],
      },
      {
        role: 'developer',
        content: [
          { type: 'input_text', text: 'Hi' },
          { type: 'input_text', text: ' there' },
        ],
      },
    ],
  });
  t.equal(res.statusCode, 200, res.body);
  // The tiny template shows role and content only (no reasoning); developer is rendered as system.
  // Text parts are joined with a newline, which the tiny vocabulary can only spell as <unk>.
  t.equal(
    tinyTokenizer().decode(engine.requests[0].promptIds, false),
    '<s><|system|>ok<|user|>Hi<|assistant|>Hello<|system|>Hi<unk> there<|assistant|>',
  );
});

t.test('reasoning.effort "none" switches thinking off in templates that can; other efforts are echoed', async (t) => {
  const { app, engine } = await testApp(t);
  await respond(app, { reasoning: { effort: 'none' } });
  t.same(engine.requests[0].promptIds.slice(-2), [ID['<think>'], ID['</think>']]);
  const high = await respond(app, { reasoning: { effort: 'high', summary: 'auto' } });
  t.equal(high.statusCode, 200);
  t.same(high.json().reasoning, { effort: 'high', summary: 'auto' });
  t.equal(engine.requests[1].promptIds.at(-1), ID['<|assistant|>']);
});

t.test(
  'truncation "auto" drops the oldest items (never the instructions) until the input fits; "disabled" refuses',
  async (t) => {
    const { app, engine } = await testApp(t);
    const input = Array.from({ length: 12 }, (_, i) => ({
      role: i % 2 ? 'assistant' : 'user',
      content: `Hello world ${'!'.repeat(i % 3)}`,
    }));
    input.push({ role: 'user', content: 'ok' });
    const refused = await respond(app, { instructions: 'Hi', input, max_output_tokens: 10 });
    t.equal(refused.statusCode, 400);
    t.equal(refused.json().error.code, 'context_length_exceeded');
    const res = await respond(app, { instructions: 'Hi', input, max_output_tokens: 10, truncation: 'auto' });
    t.equal(res.statusCode, 200, res.body);
    const prompt = engine.requests[0].promptIds;
    t.ok(prompt.length + 10 <= 64, `the prompt fits (${prompt.length} tokens)`);
    t.same(prompt.slice(0, 3), [ID['<s>'], ID['<|system|>'], ID.Hi], 'instructions kept');
    t.same(prompt.slice(-3), [ID['<|user|>'], ID.ok, ID['<|assistant|>']], 'the newest item kept');
    t.equal(res.json().truncation, 'auto');
  },
);

t.test('no-op fields are accepted', async (t) => {
  const { app } = await testApp(t);
  const res = await respond(app, {
    store: false,
    parallel_tool_calls: false,
    tool_choice: 'none',
    tools: [],
    include: ['reasoning.encrypted_content'],
    service_tier: 'auto',
    truncation: 'disabled',
    text: { format: { type: 'text' }, verbosity: 'low' },
    safety_identifier: 's',
    prompt_cache_key: 'k',
    background: false,
    stream_options: null,
    reasoning: { effort: 'low' },
  });
  t.equal(res.statusCode, 200, res.body);
  t.match(res.json(), { store: false, tool_choice: 'none', parallel_tool_calls: false, text: { verbosity: 'low' } });
});

t.test('logprobs with include message.output_text.logprobs and top_logprobs', async (t) => {
  const { app, engine } = await testApp(t);
  const body = (await respond(app, { include: ['message.output_text.logprobs'], top_logprobs: 2 })).json();
  const lp = body.output[0].content[0].logprobs;
  t.equal(lp.length, 3);
  t.match(lp[0], { token: 'Hello', logprob: -0.5 });
  t.equal(lp[0].top_logprobs.length, 2);
  t.equal(engine.requests[0].sampling.topLogprobs, 2);
});

t.test('errors name the param', async (t) => {
  const { app } = await testApp(t);
  const cases: Array<[Record<string, unknown>, number, string | null]> = [
    [{ tools: [{ type: 'web_search' }] }, 400, 'tools[0].type'],
    [
      {
        tools: [
          { type: 'function', name: 'f' },
          { type: 'mcp', server_label: 'x' },
        ],
      },
      400,
      'tools[1].type',
    ],
    [{ tools: [{ type: 'teleport' }] }, 400, 'tools[0].type'],
    [
      {
        tools: [
          { type: 'function', name: 'f' },
          { type: 'function', name: 'f' },
        ],
      },
      400,
      'tools[1].name',
    ],
    [
      { tools: [{ type: 'function', name: 'f' }], tool_choice: { type: 'function', name: 'g' } },
      400,
      'tool_choice.name',
    ],
    [{ tools: [{ type: 'function', name: 'f' }], tool_choice: { type: 'web_search_preview' } }, 400, 'tool_choice'],
    [{ tools: [{ type: 'function', name: 'f' }], text: { format: { type: 'json_object' } } }, 400, 'text.format'],
    [{ tool_choice: 'required' }, 400, 'tool_choice'],
    [{ text: { format: { type: 'json_schema', name: 'x', schema: { type: 'nope' } } } }, 400, 'text.format.schema'],
    [{ text: { format: { type: 'xml' } } }, 400, 'text.format'],
    [{ background: true }, 400, 'background'],
    [
      { input: [{ role: 'user', content: [{ type: 'input_image', image_url: 'http://x' }] }] },
      400,
      'input[0].content[0]',
    ],
    [{ input: [{ type: 'reasoning', summary: [], encrypted_content: 'xx' }] }, 400, 'input[0].encrypted_content'],
    [{ input: [{ type: 'item_reference', id: 'msg_nope' }] }, 404, 'input[0].id'],
    [{ previous_response_id: 'resp_nope' }, 404, 'previous_response_id'],
    [{ model: 'gpt-4o' }, 404, 'model'],
    [{ max_output_tokens: 1000 }, 400, 'max_output_tokens'],
    [{ temperatur: 1 }, 400, 'temperatur'],
    [{ conversation: 'conv_1' }, 400, 'conversation'],
    [{ input: [{ role: 'user' }] }, 400, 'input[0].content'],
    [{ input: [{ role: 'robot', content: 'x' }] }, 400, 'input[0].role'],
    [{ input: [{ type: 'function_call', name: 'f', arguments: '{}' }] }, 400, 'input[0].call_id'],
    [{ input: [{ type: 'bogus' }] }, 400, 'input[0].type'],
    [{ input: [{ role: 'user', content: [{ type: 'input_txt', text: 'x' }] }] }, 400, 'input[0].content[0].type'],
  ];
  for (const [body, status, param] of cases) {
    const res = await respond(app, body);
    t.equal(res.statusCode, status, JSON.stringify(body));
    t.equal(res.json().error.param, param, res.body);
  }
  t.equal((await post(app, '/v1/responses', { model: 'tiny' })).json().error.param, 'input');
});
