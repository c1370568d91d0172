// The thinking budget: once the tokens inside <think>…</think> reach it, the worker
// feeds </think> and the model goes on to the answer; reasoning_tokens stays exact.
// In the decode loop, then through HTTP with the real engine (chat and completions,
// streamed and not), on a generated model whose tokenizer has the think tags.
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createEngine } from '../../src/engine/create-engine.js';
import type { FinishEvent, GenerationEvent } from '../../src/engine/types.js';
import { SPECIAL_TOKENS } from '../../src/modelgen/tokenizer.js';
import { chat, complete, sseData } from '../http/helpers.js';
import { llamaModel } from '../support/models.js';
import { request } from '../support/requests.js';
import { inProcess, runAll, tokens } from '../support/runtime.js';

const special = (name: (typeof SPECIAL_TOKENS)[number]) => 256 + 8 + SPECIAL_TOKENS.indexOf(name);
const OPEN = special('<think>');
const CLOSE = special('</think>');
const finish = (events: GenerationEvent[]) => events.at(-1) as FinishEvent;

t.test('the decode loop closes thinking when the budget is spent', async (t) => {
  const { rt } = await inProcess(await llamaModel());
  const prompt = [5, 6, OPEN, 7];
  const run = async (budget: number | null, maxTokens = 8) => {
    const r = request(prompt, {
      thinking: { budget, endIds: [CLOSE], startsInside: false },
      stop: { maxTokens, ignoreEos: true },
    });
    return (await runAll(rt, [r])).get(r.id)!;
  };
  const free = tokens(await run(null)).map((e) => e.id);
  t.notOk(free.slice(0, 4).includes(CLOSE), `the model does not close by itself early (${free})`);

  const events = await run(3);
  const ids = tokens(events).map((e) => e.id);
  t.same(ids.slice(0, 3), free.slice(0, 3), 'sampled as usual inside the budget');
  t.equal(ids[3], CLOSE, 'then </think> is injected');
  t.same(
    tokens(events).map((e) => e.reasoning),
    [true, true, true, true, false, false, false, false],
  );
  t.equal(finish(events).reasoningTokens, 4, 'reasoning_tokens: the 3 thinking tokens and the tag');
  t.equal(tokens(events)[3].soft, false, 'the tag is fed as itself');

  const zero = tokens(await run(0, 3));
  t.equal(zero[0].id, CLOSE, 'budget 0 closes at once');
  t.same(
    zero.map((e) => e.reasoning),
    [true, false, false],
  );

  const soft = request(prompt, {
    thinking: { budget: 2, endIds: [CLOSE], startsInside: false },
    selar: { mode: 'soft' },
    stop: { maxTokens: 5 },
  });
  const softEvents = tokens((await runAll(rt, [soft])).get(soft.id)!);
  t.same(
    softEvents.slice(0, 4).map((e) => [e.id === CLOSE, e.soft]),
    [
      [false, true],
      [false, true],
      [true, false],
      [false, true],
    ],
    'soft steps stop only for the injected tag',
  );
});

t.test('through HTTP: completions and chat, streamed and not', async (t) => {
  const modelDir = await llamaModel();
  const { engine, tokenizer } = await createEngine({ modelDir, workers: 1, threadsPerWorker: 1 });
  t.teardown(() => engine.close());
  const config = loadConfig(['--model', modelDir], {});
  const app = await buildApp({ config, engine, tokenizer });
  t.teardown(() => app.close());
  const model = engine.model.id;

  const body = {
    model,
    prompt: [5, 6, OPEN, 7],
    max_tokens: 6,
    temperature: 0,
    ignore_eos: true,
    return_token_ids: true,
    max_thinking_tokens: 2,
  };
  const plain = (await complete(app, body)).json();
  const ids: number[] = plain.choices[0].token_ids;
  t.equal(ids[2], CLOSE);
  t.equal(plain.usage.completion_tokens_details.reasoning_tokens, 3);
  const frames = sseData(
    (await complete(app, { ...body, stream: true, stream_options: { include_usage: true } })).body,
  ) as any[];
  const chunks = frames.filter((f) => f !== '[DONE]');
  t.same(
    chunks.flatMap((f) => f.choices.flatMap((c: any) => c.token_ids)),
    ids,
    'streamed: the same ids',
  );
  t.equal(chunks.map((f) => f.choices[0]?.text ?? '').join(''), plain.choices[0].text, 'streamed: the same text');
  t.equal(chunks.at(-1).usage.completion_tokens_details.reasoning_tokens, 3);

  // continue_final_message leaves the assistant inside an open think block.
  const messages = [
    { role: 'user', content: 'Hi' },
    { role: 'assistant', content: '<think>\nhm' },
  ];
  const chatBody = {
    model,
    messages,
    continue_final_message: true,
    max_tokens: 6,
    temperature: 0,
    ignore_eos: true,
    return_token_ids: true,
    max_thinking_tokens: 1,
  };
  const reply = (await chat(app, chatBody)).json();
  t.equal(reply.choices[0].token_ids[1], CLOSE);
  t.equal(reply.usage.completion_tokens_details.reasoning_tokens, 2);
  const texts = (id: number) => tokenizer.decode([id]);
  t.equal(reply.choices[0].message.reasoning_content ?? '', texts(reply.choices[0].token_ids[0]), 'one thinking token');
  t.equal(
    reply.choices[0].message.content,
    tokenizer.decode(reply.choices[0].token_ids.slice(2)),
    'the answer after the tag',
  );
  const chatFrames = (sseData((await chat(app, { ...chatBody, stream: true })).body) as any[]).filter(
    (f) => f !== '[DONE]',
  );
  const deltas = chatFrames.map((f) => f.choices[0].delta);
  t.equal(deltas.map((d) => d.reasoning_content ?? '').join(''), reply.choices[0].message.reasoning_content ?? '');
  t.equal(deltas.map((d) => d.content ?? '').join(''), reply.choices[0].message.content);

  // minimal: the template reads enable_thinking, so it pre-fills an empty think block.
  const minimal = (
    await chat(app, {
      model,
      messages: [{ role: 'user', content: 'Hi' }],
      reasoning_effort: 'minimal',
      max_tokens: 2,
      return_token_ids: true,
    })
  ).json();
  t.same(
    minimal.prompt_token_ids.slice(-6),
    tokenizer.encode('<think>\n\n</think>\n\n'),
    'rendered with enable_thinking false',
  );
  const kept = (
    await chat(app, {
      model,
      messages: [{ role: 'user', content: 'Hi' }],
      reasoning_effort: 'minimal',
      chat_template_kwargs: { enable_thinking: true },
      max_tokens: 2,
      return_token_ids: true,
    })
  ).json();
  t.notOk(kept.prompt_token_ids.includes(CLOSE), 'an explicit enable_thinking wins');
  const both = await chat(app, {
    model,
    messages: [{ role: 'user', content: 'Hi' }],
    reasoning_effort: 'low',
    max_thinking_tokens: 5,
  });
  t.equal(both.statusCode, 400);
  t.equal(both.json().error.param, 'max_thinking_tokens');
});
