// selar.swir → the engine's SwirParams: each knob from the request, else the model's
// generation_config.json, else its --selar-swir-* flag; the token ids it needs; and a 400
// naming every bad knob.
import t from 'tap';
import { loadConfig } from '../../src/config.js';
import type { ModelInfo } from '../../src/engine/types.js';
import { ChatCompletionRequest } from '../../src/protocol/chat.js';
import { planChat } from '../../src/serving/chat-request.js';
import { servingContext } from '../../src/serving/context.js';
import { validator } from '../../src/protocol/validate.js';
import { FakeEngine } from '../support/fake-engine.js';
import { ID, tinyTokenizer } from '../support/tiny-tokenizer.js';

const THINK = { open: ID['<think>'], close: ID['</think>'] };

function plan(
  body: Record<string, unknown>,
  opts: { argv?: string[]; model?: Partial<ModelInfo>; unkToken?: boolean } = {},
) {
  const config = loadConfig(['--model', 'm', ...(opts.argv ?? [])], {});
  const tokenizer = tinyTokenizer({ unkToken: opts.unkToken });
  const ctx = servingContext(config, new FakeEngine({ model: opts.model }), tokenizer);
  const req = validator(ChatCompletionRequest).parse({
    model: 'tiny',
    messages: [{ role: 'user', content: 'Hi' }],
    ...body,
  });
  return planChat(req, ctx);
}

t.test("the shipped defaults are the official code's, and only mode swir carries them", async (t) => {
  const s = plan({ selar: { mode: 'swir' } }, { model: { thinkTokenIds: THINK } }).sequences[0].selar;
  t.same(s.swir, {
    windowSize: 512,
    alpha: 1,
    beta: 0.7,
    maxSwitchCount: null,
    answerTokens: 32,
    endIds: [THINK.close],
    // Without a switch limit the prefix is never injected, so never encoded.
    answerIds: [THINK.close],
    thinkIds: THINK,
    newlineId: null,
  });
  t.equal(plan({ selar: { mode: 'selar' } }).sequences[0].selar.swir, undefined);
});

t.test("the model's generation_config.json knobs sit between the request and the flags", async (t) => {
  const argv = ['--selar-swir-window-size', '64', '--selar-swir-max-switch-count', '3'];
  const model = {
    thinkTokenIds: THINK,
    selarDefaults: { mode: 'swir' as const, swir: { alpha: 0.5, max_switch_count: null } },
  };
  const fromModel = plan({}, { argv, model }).sequences[0].selar;
  t.equal(fromModel.mode, 'swir', "the model's mode");
  t.match(fromModel.swir, { alpha: 0.5, windowSize: 64, beta: 0.7 }, 'the flags fill what the model leaves out');
  t.equal(fromModel.swir?.maxSwitchCount, null, "the model's null (no limit) wins over the flag's 3");
  const fromRequest = plan({ selar: { swir: { alpha: 0.25, max_switch_count: 2 } } }, { argv, model }).sequences[0]
    .selar;
  t.match(fromRequest.swir, { alpha: 0.25, maxSwitchCount: 2, windowSize: 64 }, 'the request wins over the model');
  t.equal(plan({ selar: { mode: 'selar' } }, { argv, model }).sequences[0].selar.swir, undefined, 'other modes: none');
});

t.test('request knobs win over the flags, field by field', async (t) => {
  const limit = ['--selar-mode', 'swir', '--selar-swir-window-size', '64', '--selar-swir-max-switch-count', '3'];
  const argv = [...limit, '--selar-swir-answer-prefix', 'ok'];
  const model = { thinkTokenIds: THINK };
  const flags = plan({}, { argv, model }).sequences[0].selar;
  t.equal(flags.mode, 'swir');
  t.match(flags.swir, { windowSize: 64, maxSwitchCount: 3, beta: 0.7, answerIds: [THINK.close, ID.ok] });
  const req = plan(
    { selar: { swir: { window_size: 8, beta: 0.5, max_switch_count: 0, answer_prefix: 'ok', answer_tokens: 4 } } },
    { argv, model },
  ).sequences[0].selar.swir;
  t.match(req, { windowSize: 8, beta: 0.5, maxSwitchCount: 0, answerTokens: 4 });
  t.same(req?.answerIds, [THINK.close, ID.ok]);
  const flagPrefix = plan(
    { selar: { mode: 'swir' } },
    { argv: [...argv, '--selar-swir-answer-prefix', 'Hi there'], model },
  ).sequences[0].selar.swir;
  t.same(flagPrefix?.answerIds, [THINK.close, ID.Hi, ID[' there']]);
  // The shipped prefix starts with two newlines (spelled \n in the flag), which this vocabulary cannot
  // spell: without an unknown token that is a 400 naming the knob, with one they become it.
  t.throws(() => plan({}, { argv: limit, model, unkToken: false }), {
    name: 'SelarError',
    param: 'selar.swir.answer_prefix',
  });
  t.ok(plan({}, { argv: limit, model }).sequences[0].selar.swir?.answerIds.includes(ID['<unk>']));
});

t.test('a model without think tags injects only the answer prefix and blends nothing', async (t) => {
  const s = plan({ selar: { mode: 'swir', swir: { answer_prefix: 'ok', max_switch_count: 2 } } }).sequences[0].selar
    .swir;
  t.same(s?.endIds, []);
  t.same(s?.answerIds, [ID.ok]);
  t.equal(s?.thinkIds, null);
});

t.test('every bad knob is a 400 naming it', async (t) => {
  const bad: Array<[Record<string, unknown>, string]> = [
    [{ mode: 'selar', swir: { window_size: 4 } }, 'selar.swir'],
    [{ mode: 'swir', swir: { window_size: 0 } }, 'selar.swir.window_size'],
    [{ mode: 'swir', swir: { window_size: 1.5 } }, 'selar.swir.window_size'],
    [{ mode: 'swir', swir: { alpha: 1.2 } }, 'selar.swir.alpha'],
    [{ mode: 'swir', swir: { beta: -0.1 } }, 'selar.swir.beta'],
    [{ mode: 'swir', swir: { max_switch_count: -1 } }, 'selar.swir.max_switch_count'],
    [{ mode: 'swir', swir: { answer_prefix: 'x'.repeat(257) } }, 'selar.swir.answer_prefix'],
    [{ mode: 'swir', swir: { answer_tokens: 0 } }, 'selar.swir.answer_tokens'],
    [{ mode: 'swir', swir: { window: 4 } }, 'selar.swir.window'],
  ];
  for (const [selar, param] of bad) {
    t.throws(() => plan({ selar }), { name: 'SelarError', param }, JSON.stringify(selar));
  }
});

t.test("the request's think_end is swir's end: injected ids, and its last id blended and locking", async (t) => {
  const model = { thinkTokenIds: THINK };
  const s = plan(
    { selar: { mode: 'swir', think_end: 'Hi there', swir: { max_switch_count: 1, answer_prefix: 'ok' } } },
    {
      model,
    },
  ).sequences[0].selar.swir;
  t.same(s?.endIds, [ID.Hi, ID[' there']]);
  t.same(s?.answerIds, [ID.Hi, ID[' there'], ID.ok]);
  t.same(s?.thinkIds, { open: THINK.open, close: ID[' there'] });
  const flag = plan({ selar: { mode: 'swir' } }, { argv: ['--selar-think-end', 'ok'], model }).sequences[0].selar;
  t.same(flag.swir?.endIds, [ID.ok]);
  t.same(flag.swir?.thinkIds, { open: THINK.open, close: ID.ok });
});

t.test('mode swir takes no noise: a 400 naming it, and default noise does not apply', async (t) => {
  const bad: Array<[Record<string, unknown>, string]> = [
    [{ mode: 'swir', noise: 'gumbel' }, 'selar.noise'],
    [{ mode: 'swir', noise: 'dirichlet' }, 'selar.noise'],
    [{ mode: 'swir', noise_alpha: 2 }, 'selar.noise_alpha'],
    [{ mode: 'swir', noise_temperature: 2 }, 'selar.noise_temperature'],
  ];
  for (const [selar, param] of bad) {
    t.throws(() => plan({ selar }), { name: 'SelarError', param }, JSON.stringify(selar));
  }
  t.equal(plan({ selar: { mode: 'swir', noise: 'none' } }).sequences[0].selar.noise, 'none');
  const argv = ['--selar-noise', 'dirichlet'];
  t.equal(plan({ selar: { mode: 'swir' } }, { argv }).sequences[0].selar.noise, 'none');
  t.equal(plan({ selar: { mode: 'soft' } }, { argv }).sequences[0].selar.noise, 'dirichlet');
});
