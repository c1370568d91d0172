// <think> tracking in the decode loop, on a generated model whose tokenizer has the
// tag tokens: the model's logits are replaced (from outside, after each real forward
// pass) by ones that force a scripted token at high entropy, so every step would be
// soft if the scope allowed it. Checked: soft steps only inside the thinking section
// with scope "thinking", reasoning flags and reasoning_tokens exact, and what happens
// to text and tags split over several tokens.
import t from 'tap';
import { llamaModel } from '../support/models.js';
import { request } from '../support/requests.js';
import { inProcess, runAll, tokens } from '../support/runtime.js';
import type { Runtime } from '../../src/worker/runtime.js';
import type { FinishEvent, GenerationEvent, SelarParams, StopParams } from '../../src/engine/types.js';

/** Logits whose argmax is `id`, with two close runners-up: normalised top-3 entropy ≈ 0.99. */
function forcing(id: number, vocab: number): Float32Array {
  const logits = new Float32Array(vocab).fill(-20);
  logits[id] = 3;
  logits[(id + 1) % vocab] = 2.9;
  logits[(id + 2) % vocab] = 2.8;
  return logits;
}

/** Decodes `script` token by token through the scheduler (each step's logits forced). */
async function decode(
  rt: Runtime,
  prompt: number[],
  script: number[],
  selar: Partial<SelarParams>,
  stop: Partial<StopParams> = {},
) {
  const forward = rt.decoder.forward;
  let step = 0;
  rt.decoder.forward = async function (this: typeof rt.decoder, cache, embeds, T) {
    const real = await forward.call(this, cache, embeds, T);
    return { ...real, logits: real.logits.map(() => forcing(script[step++], rt.decoder.vocabSize)) };
  };
  try {
    const req = request(prompt, {
      selar: { mode: 'selar', entropyThreshold: 0.5, ...selar },
      stop: { maxTokens: script.length, ...stop },
    });
    const events: GenerationEvent[] = (await runAll(rt, [req])).get(req.id)!;
    const toks = tokens(events);
    return {
      ids: toks.map((e) => e.id),
      soft: toks.map((e) => e.soft),
      reasoning: toks.map((e) => e.reasoning),
      texts: toks.map((e) => e.text),
      finish: events.at(-1) as FinishEvent,
    };
  } finally {
    rt.decoder.forward = forward;
  }
}

const bytes = (s: string) => [...Buffer.from(s, 'utf8')]; // the generated tokenizer's byte tokens are the byte values

t.test('scope "thinking": soft steps only inside <think>…</think>; reasoning counted exactly', async (t) => {
  const { rt } = await inProcess(await llamaModel());
  const think = rt.ctx.thinkIds!;
  t.ok(think, 'the generated tokenizer has the tags');
  const [a, b, c, d, e] = bytes('abcde');
  const script = [a, think.open, b, c, think.close, d, e, think.open, a, think.close, b];
  const thinking = await decode(rt, [10, 11, 12], script, { scope: 'thinking' });
  t.same(thinking.ids, script, 'the scripted tokens');
  // Judged after the visible token: the step after <think> is inside, the step after </think> is not.
  t.same(thinking.soft, [false, true, true, true, false, false, false, true, true, false, false]);
  t.same(thinking.reasoning, [false, true, true, true, true, false, false, true, true, true, false], 'tags included');
  t.equal(thinking.finish.reasoningTokens, 7);
  t.equal(thinking.finish.softTokens, 5);

  const all = await decode(rt, [10, 11, 12], script, { scope: 'all' });
  t.same(all.soft, [...Array(script.length - 1).fill(true), false], 'scope "all": every step but after the last token');
  t.same(all.reasoning, thinking.reasoning, 'reasoning does not depend on the scope');
  t.same([all.finish.reasoningTokens, all.finish.softTokens], [7, 10]);
});

t.test('a prompt that opens <think> (a template that pre-fills it) starts inside', async (t) => {
  const { rt } = await inProcess(await llamaModel());
  const think = rt.ctx.thinkIds!;
  const [x, y] = bytes('xy');
  const opened = await decode(rt, [10, think.open], [x, y, think.close, x, y], { scope: 'thinking' });
  t.same(opened.soft, [true, true, false, false, false]);
  t.same(opened.reasoning, [true, true, true, false, false]);
  t.equal(opened.finish.reasoningTokens, 3);
  const closed = await decode(rt, [10, think.open, 11, think.close], [x, y, x], { scope: 'thinking' });
  t.same(
    [closed.soft, closed.reasoning],
    [
      [false, false, false],
      [false, false, false],
    ],
    'an empty think block in the prompt: outside',
  );
  t.equal(closed.finish.reasoningTokens, 0);
});

t.test('text split over tokens stays on its side of a tag; the tags are not text', async (t) => {
  const { rt } = await inProcess(await llamaModel());
  const think = rt.ctx.thinkIds!;
  // "é" is two byte tokens; "h" is held back as a possible start of the stop string "hQ".
  const script = [think.open, ...bytes('é'), ...bytes('oh'), think.close, ...bytes('Qé!')];
  const r = await decode(rt, [10], script, { scope: 'thinking' }, { strings: ['hQ'] });
  const side = (reasoning: boolean) => r.texts.filter((_, i) => r.reasoning[i] === reasoning).join('');
  t.equal(side(true), 'éoh', 'reasoning: the split character whole, the held "h" released before </think>');
  t.equal(side(false) + r.finish.text, 'Qé!', 'content: no stop string across the tag, no tag text');
  t.equal(r.finish.reason, 'length');
  t.same(r.texts.slice(0, 3), ['', '', 'é'], 'the character is released with its second byte');
});

t.test("a tag spelled out in byte tokens is text, not a tag (tags are the tokenizer's tag tokens)", async (t) => {
  const { rt } = await inProcess(await llamaModel());
  const spelled = [...bytes('<think>'), ...bytes('hi'), ...bytes('</think>')];
  const r = await decode(rt, [10], spelled, { scope: 'thinking' });
  t.same(r.soft, Array(spelled.length).fill(false), 'never inside: no soft step under scope "thinking"');
  t.same(r.reasoning, Array(spelled.length).fill(false));
  t.equal(r.finish.reasoningTokens, 0);
  t.equal(r.texts.join('') + r.finish.text, '<think>hi</think>', 'the spelled-out tags reach the content as text');
});
