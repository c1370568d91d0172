// Validation → fully-resolved GenerationRequest: every parameter reaches the engine
// in its resolved form, with defaults taken from the request, then the model's
// generation_config, then the server configuration.
import t from 'tap';
import { loadConfig } from '../../src/config.js';
import type { ModelInfo } from '../../src/engine/types.js';
import { ChatCompletionRequest } from '../../src/protocol/chat.js';
import { planChat } from '../../src/serving/chat-request.js';
import { servingContext } from '../../src/serving/context.js';
import { validator } from '../../src/protocol/validate.js';
import { FakeEngine } from '../support/fake-engine.js';
import { ID, tinyTokenizer } from '../support/tiny-tokenizer.js';
import { SELAR_EXTRAS } from '../support/requests.js';

const ABLATION = { entropy: 'topk', softRate: 0, hotTemperature: 1.5, ...SELAR_EXTRAS };

function plan(body: Record<string, unknown>, opts: { argv?: string[]; model?: Partial<ModelInfo> } = {}) {
  const config = loadConfig(['--model', 'm', ...(opts.argv ?? [])], {});
  const ctx = servingContext(config, new FakeEngine({ model: opts.model }), tinyTokenizer());
  const req = validator(ChatCompletionRequest).parse({
    model: 'tiny',
    messages: [{ role: 'user', content: 'Hi' }],
    ...body,
  });
  return planChat(req, ctx);
}

t.test('server defaults when neither request nor model says anything', async (t) => {
  const p = plan({});
  t.equal(p.sequences.length, 1);
  const s = p.sequences[0];
  t.equal(s.id, `${p.id}-0`);
  t.same(s.promptIds, [ID['<s>'], ID['<|user|>'], ID.Hi, ID['<|assistant|>']]);
  t.same(s.sampling, {
    temperature: 1,
    topK: 0,
    topP: 1,
    minP: 0,
    seed: null,
    presencePenalty: 0,
    frequencyPenalty: 0,
    repetitionPenalty: 1,
    logitBias: [],
    logprobs: false,
    topLogprobs: 0,
    badWords: [],
    allowedTokenIds: null,
  });
  t.same(
    s.stop,
    {
      strings: [],
      eosTokenIds: [2],
      ignoreEos: false,
      maxTokens: 60,
      minTokens: 0,
      tokenIds: [],
      includeInOutput: false,
    },
    'max tokens: the rest of the context (64 - 4)',
  );
  t.same(s.selar, {
    mode: 'selar',
    topK: 3,
    entropyThreshold: 0.5,
    contrastiveWeight: 1,
    discreteTokens: 'math',
    scope: 'all',
    trace: false,
    ...ABLATION,
  });
  t.same(p.params.stream, false);
});

t.test('precedence: request, then generation_config, then server config', async (t) => {
  const argv = [
    '--temperature',
    '0.3',
    '--top-p',
    '0.8',
    '--top-k',
    '7',
    '--min-p',
    '0.01',
    '--repetition-penalty',
    '1.05',
    '--presence-penalty',
    '0.2',
    '--frequency-penalty',
    '0.1',
    '--max-tokens',
    '20',
    '--selar-mode',
    'soft',
    '--selar-top-k',
    '5',
    '--selar-entropy-threshold',
    '0.7',
    '--selar-contrastive-weight',
    '0.5',
    '--selar-discrete-tokens',
    'none',
    '--selar-scope',
    'thinking',
  ];
  const server = plan({}, { argv });
  t.same(server.sequences[0].sampling, {
    ...server.sequences[0].sampling,
    temperature: 0.3,
    topP: 0.8,
    topK: 7,
    minP: 0.01,
    repetitionPenalty: 1.05,
    presencePenalty: 0.2,
    frequencyPenalty: 0.1,
  });
  t.equal(server.sequences[0].stop.maxTokens, 20);
  t.same(server.sequences[0].selar, {
    mode: 'soft',
    topK: 5,
    entropyThreshold: 0.7,
    contrastiveWeight: 0.5,
    discreteTokens: 'none',
    scope: 'thinking',
    trace: false,
    ...ABLATION,
  });

  const model = { generationDefaults: { temperature: 0.6, topP: 0.95, topK: 20, minP: 0.05, repetitionPenalty: 1.1 } };
  const fromModel = plan({}, { argv, model });
  t.match(fromModel.sequences[0].sampling, {
    temperature: 0.6,
    topP: 0.95,
    topK: 20,
    minP: 0.05,
    repetitionPenalty: 1.1,
    presencePenalty: 0.2,
  });

  const fromRequest = plan(
    {
      temperature: 0,
      top_p: 0.5,
      top_k: 3,
      min_p: 0.2,
      repetition_penalty: 1.3,
      presence_penalty: -1,
      frequency_penalty: 1.5,
    },
    { argv, model },
  );
  t.match(fromRequest.sequences[0].sampling, {
    temperature: 0,
    topP: 0.5,
    topK: 3,
    minP: 0.2,
    repetitionPenalty: 1.3,
    presencePenalty: -1,
    frequencyPenalty: 1.5,
  });
  t.equal(plan({ top_k: -1 }, { model }).sequences[0].sampling.topK, 0, 'top_k -1 means off, as in vLLM');
  t.equal(plan({ temperature: null }, { model }).sequences[0].sampling.temperature, 0.6, 'null means not given');
});

t.test("selar precedence: request, then the model's recommended defaults, then the flags", async (t) => {
  const argv = [
    '--selar-top-k',
    '5',
    '--selar-entropy-threshold',
    '0.7',
    '--selar-scope',
    'thinking',
    '--selar-mode',
    'soft',
  ];
  const model = { selarDefaults: { entropy_threshold: 0.25, top_k: 4, mode: 'selar' as const, hot_temperature: 2 } };
  const fromModel = plan({}, { argv, model }).sequences[0].selar;
  t.match(
    fromModel,
    { mode: 'selar', topK: 4, entropyThreshold: 0.25, scope: 'thinking', hotTemperature: 2 },
    'the model wins over the flags; the flags fill what the model leaves out',
  );
  const fromRequest = plan({ selar: { entropy_threshold: 0.9, mode: 'off' } }, { argv, model }).sequences[0].selar;
  t.match(
    fromRequest,
    { mode: 'off', topK: 4, entropyThreshold: 0.9, scope: 'thinking' },
    'the request wins over the model',
  );
  t.match(
    plan({ selar: null }, { argv, model }).sequences[0].selar,
    { entropyThreshold: 0.25 },
    'null means not given',
  );
});

t.test('every request parameter reaches the GenerationRequest', async (t) => {
  const p = plan({
    seed: 42,
    n: 3,
    stop: ['!', 'world'],
    max_completion_tokens: 9,
    min_tokens: 2,
    ignore_eos: true,
    logit_bias: { 5: -100, 7: 2.5 },
    logprobs: true,
    top_logprobs: 4,
    stream: true,
    stream_options: { include_usage: true },
    return_token_ids: true,
    selar: {
      mode: 'off',
      top_k: 8,
      entropy_threshold: 0.1,
      contrastive_weight: 0,
      discrete_tokens: 'none',
      scope: 'thinking',
      trace: true,
    },
  });
  t.equal(p.sequences.length, 3);
  t.same(
    p.sequences.map((s) => s.sampling.seed),
    [42, 43, 44],
    'distinct derived seeds',
  );
  t.same(
    p.sequences.map((s) => s.id),
    [0, 1, 2].map((i) => `${p.id}-${i}`),
  );
  const s = p.sequences[0];
  t.same(s.stop, {
    strings: ['!', 'world'],
    eosTokenIds: [2],
    ignoreEos: true,
    maxTokens: 9,
    minTokens: 2,
    tokenIds: [],
    includeInOutput: false,
  });
  t.same(s.sampling.logitBias, [
    [5, -100],
    [7, 2.5],
  ]);
  t.equal(s.sampling.logprobs, true);
  t.equal(s.sampling.topLogprobs, 4);
  t.same(s.selar, {
    mode: 'off',
    topK: 8,
    entropyThreshold: 0.1,
    contrastiveWeight: 0,
    discreteTokens: 'none',
    scope: 'thinking',
    trace: true,
    ...ABLATION,
  });
  t.match(p.params, { stream: true, includeUsage: true, returnTokenIds: true, n: 3 });
  t.equal(plan({ stop: 'x' }).sequences[0].stop.strings[0], 'x', 'a single stop string');
  t.equal(plan({ max_tokens: 5 }).sequences[0].stop.maxTokens, 5);
  t.same(
    plan({ n: 2 }).sequences.map((s) => s.sampling.seed),
    [null, null],
    'unseeded stays unseeded',
  );
  t.equal(plan({ logprobs: true }).sequences[0].sampling.topLogprobs, 0);
});

t.test('ablation modes: random needs soft_rate, hot takes hot_temperature, entropy gate', async (t) => {
  t.match(plan({ selar: { mode: 'random', soft_rate: 0.25 } }).sequences[0].selar, {
    mode: 'random',
    softRate: 0.25,
    hotTemperature: 1.5,
    entropy: 'topk',
  });
  t.match(plan({ selar: { mode: 'hot', hot_temperature: 2 } }).sequences[0].selar, {
    mode: 'hot',
    hotTemperature: 2,
    softRate: 0,
  });
  t.match(plan({ selar: { mode: 'hot' } }, { argv: ['--selar-hot-temperature', '1.2'] }).sequences[0].selar, {
    hotTemperature: 1.2,
  });
  t.match(plan({ selar: { entropy: 'full' } }).sequences[0].selar, { entropy: 'full' });
  t.match(plan({}, { argv: ['--selar-entropy', 'full'] }).sequences[0].selar, { entropy: 'full' });
  t.throws(() => plan({ selar: { mode: 'random' } }), { name: 'SelarError', param: 'selar.soft_rate' });
});

t.test('messages: developer is system, text parts are joined, kwargs reach the template', async (t) => {
  const p = plan({
    messages: [
      { role: 'developer', content: 'ok' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Hello' },
          { type: 'text', text: '!' },
        ],
      },
    ],
    chat_template_kwargs: { enable_thinking: false },
  });
  t.same(p.promptText(), ['<s><|system|>ok<|user|>Hello\n!<|assistant|><think></think>']);
  t.same(p.sequences[0].promptIds.slice(0, 3), [ID['<s>'], ID['<|system|>'], ID.ok]);
});

t.test('a server maxTokens default is clipped to the context, a requested one is not', async (t) => {
  t.equal(plan({}, { argv: ['--max-tokens', '1000'] }).sequences[0].stop.maxTokens, 60);
  t.throws(() => plan({ max_tokens: 61 }), { code: 'context_length_exceeded', param: 'max_tokens' });
  t.equal(plan({ max_tokens: 60 }).sequences[0].stop.maxTokens, 60);
});

t.test('soft_thinking, noise and think_end: request > model > flags; think_end sets the end ids', async (t) => {
  const st = plan(
    {
      selar: {
        mode: 'soft_thinking',
        noise: 'dirichlet',
        noise_alpha: 3,
        soft_thinking: { max_topk: 7, cold_stop_entropy: 0.4, after_thinking: { temperature: 0.6, top_k: -1 } },
      },
    },
    { model: { thinkTokenIds: { open: ID['<think>'], close: ID['</think>'] } } },
  ).sequences[0];
  t.match(st.selar, {
    mode: 'soft_thinking',
    noise: 'dirichlet',
    noiseAlpha: 3,
    noiseTemperature: 1,
    thinkEnd: '</think>',
    softThinking: {
      maxTopk: 7,
      minP: 0,
      coldStopEntropy: 0.4,
      coldStopSteps: 256,
      afterThinking: { temperature: 0.6, topP: null, topK: 0, minP: null },
    },
  });
  t.same(st.thinking.endIds, [ID['</think>']], "the tokenizer's own tag by default");
  const flags = plan(
    { selar: { mode: 'soft_thinking' } },
    {
      argv: [
        '--selar-soft-thinking-max-topk',
        '4',
        '--selar-soft-thinking-after-top-p',
        '0.9',
        '--selar-noise',
        'gumbel',
      ],
      model: { selarDefaults: { soft_thinking: { max_topk: 6, cold_stop_steps: 9 } } },
    },
  ).sequences[0].selar;
  t.match(flags, {
    noise: 'gumbel',
    softThinking: { maxTopk: 6, coldStopSteps: 9, afterThinking: { topP: 0.9, temperature: null } },
  });
  t.same(plan({}).sequences[0].thinking, { budget: null, endIds: [], startsInside: false }, 'no tags: no section');
  const custom = plan({ selar: { think_end: 'Hi' } }).sequences[0];
  t.same(custom.thinking.endIds, [ID.Hi], 'a think_end is encoded without special tokens');
  t.ok(custom.thinking.startsInside, 'a model without think tags thinks from the start when think_end is set');
  t.equal(custom.selar.thinkEnd, 'Hi');
  t.equal(plan({}, { argv: ['--selar-think-end', 'Hi'] }).sequences[0].selar.thinkEnd, 'Hi');
});
