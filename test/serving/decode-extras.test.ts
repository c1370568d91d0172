// vLLM's decode-side extras: validation and their resolved form in the GenerationRequest.
import t from 'tap';
import { loadConfig } from '../../src/config.js';
import type { ModelInfo } from '../../src/engine/types.js';
import { ChatCompletionRequest } from '../../src/protocol/chat.js';
import { CompletionRequest } from '../../src/protocol/completions.js';
import { planChat } from '../../src/serving/chat-request.js';
import { planCompletion } from '../../src/serving/completion-request.js';
import { servingContext } from '../../src/serving/context.js';
import { validator } from '../../src/protocol/validate.js';
import { FakeEngine } from '../support/fake-engine.js';
import { ID, tinyTokenizer } from '../support/tiny-tokenizer.js';

function context(model: Partial<ModelInfo> = {}) {
  return servingContext(loadConfig(['--model', 'm'], {}), new FakeEngine({ model }), tinyTokenizer());
}

function chatPlan(body: Record<string, unknown>, model: Partial<ModelInfo> = {}) {
  const req = validator(ChatCompletionRequest).parse({
    model: 'tiny',
    messages: [{ role: 'user', content: 'Hi' }],
    ...body,
  });
  return planChat(req, context(model));
}

function completionPlan(body: Record<string, unknown>, model: Partial<ModelInfo> = {}) {
  const req = validator(CompletionRequest).parse({ model: 'tiny', prompt: 'Hello', ...body });
  return planCompletion(req, context(model));
}

/** The SelarError a plan throws (validation included), as { param, message }. */
function rejection(make: () => unknown): { param: string | null; message: string } | null {
  try {
    make();
    return null;
  } catch (err) {
    return { param: (err as { param: string | null }).param, message: (err as Error).message };
  }
}

t.test('stop tokens and detokenisation fields reach the request', async (t) => {
  for (const make of [chatPlan, completionPlan]) {
    const s = make({
      stop_token_ids: [7, 9],
      include_stop_str_in_output: true,
      skip_special_tokens: false,
      spaces_between_special_tokens: false,
    }).sequences[0];
    t.same(s.stop.tokenIds, [7, 9]);
    t.equal(s.stop.includeInOutput, true);
    t.equal(s.skipSpecialTokens, false);
    const d = make({}).sequences[0];
    t.same([d.stop.tokenIds, d.stop.includeInOutput, d.skipSpecialTokens], [[], false, true], 'defaults');
  }
  t.match(
    rejection(() => chatPlan({ stop_token_ids: [3, 16] })),
    { param: 'stop_token_ids[1]', message: /not in the vocabulary/ },
  );
  t.match(
    rejection(() => chatPlan({ stop_token_ids: [-1] })),
    { param: 'stop_token_ids[0]' },
  );
  t.match(
    rejection(() => chatPlan({ skip_special_tokens: 'no' })),
    { param: 'skip_special_tokens' },
  );
});

t.test('priority reaches every sequence of the request', async (t) => {
  t.same(
    chatPlan({ priority: -3, n: 2 }).sequences.map((s) => s.priority),
    [-3, -3],
  );
  t.equal(completionPlan({}).sequences[0].priority, 0, 'default 0');
  t.match(
    rejection(() => completionPlan({ priority: 1.5 })),
    { param: 'priority' },
  );
});

t.test('prompt_logprobs and echo: what the engine computes', async (t) => {
  t.equal(chatPlan({ prompt_logprobs: 4, n: 2 }).sequences[1].promptLogprobs, 4);
  t.equal(completionPlan({ echo: true, logprobs: 3 }).sequences[0].promptLogprobs, 3, 'echo with logprobs');
  t.equal(
    completionPlan({ echo: true, logprobs: 3, prompt_logprobs: 5 }).sequences[0].promptLogprobs,
    5,
    'the larger count',
  );
  t.equal(completionPlan({ echo: true }).sequences[0].promptLogprobs, null);
  t.equal(completionPlan({ logprobs: 2 }).sequences[0].promptLogprobs, null);
  t.match(
    rejection(() => chatPlan({ prompt_logprobs: 21 })),
    { param: 'prompt_logprobs' },
  );
});

t.test('bad_words are encoded as vLLM does; allowed_token_ids are checked', async (t) => {
  // The tiny vocabulary has "Hello", "Hi" and " there" but no spaced " Hello" or " Hi".
  const s = chatPlan({ bad_words: ['Hello', ' Hi there'], allowed_token_ids: [5, 6, 7] }).sequences[0].sampling;
  t.same(
    s.badWords,
    [[ID.Hello], [ID.Hi, ID[' there']]],
    'leading spaces trimmed; spaced forms only where they encode',
  );
  t.same(s.allowedTokenIds, [5, 6, 7]);
  t.equal(chatPlan({}).sequences[0].sampling.allowedTokenIds, null);
  t.match(
    rejection(() => chatPlan({ allowed_token_ids: [] })),
    { param: 'allowed_token_ids' },
  );
  t.match(
    rejection(() => chatPlan({ allowed_token_ids: [1, 99] })),
    { param: 'allowed_token_ids[1]' },
  );
});

t.test('reasoning_effort and max_thinking_tokens resolve to a budget on reasoning models only', async (t) => {
  const think = { thinkTokenIds: { open: ID['<think>'], close: ID['</think>'] } };
  const budget = (body: Record<string, unknown>, model = think) => chatPlan(body, model).sequences[0].thinking;
  t.same(budget({}), { budget: null, endIds: [ID['</think>']], startsInside: false });
  t.same(
    ['none', 'minimal', 'low', 'medium', 'high'].map((e) => budget({ reasoning_effort: e }).budget),
    [0, 0, 1024, 4096, null],
  );
  t.equal(budget({ max_thinking_tokens: 7 }).budget, 7);
  t.equal(completionPlan({ max_thinking_tokens: 3 }, think).sequences[0].thinking.budget, 3);
  t.same(
    chatPlan({ reasoning_effort: 'low' }).sequences[0].thinking,
    { budget: null, endIds: [], startsInside: false },
    'no think tags: no effect',
  );
  t.match(
    rejection(() => chatPlan({ reasoning_effort: 'low', max_thinking_tokens: 2 })),
    { param: 'max_thinking_tokens' },
  );
  t.match(
    rejection(() => chatPlan({ reasoning_effort: 'extreme' })),
    { param: 'reasoning_effort' },
  );
  const minimal = chatPlan({ reasoning_effort: 'minimal' }, think).prompts[0];
  t.same(minimal.slice(-2), [ID['<think>'], ID['</think>']], 'minimal renders with enable_thinking false');
  t.notOk(chatPlan({ reasoning_effort: 'low' }, think).prompts[0].includes(ID['</think>']));
});
