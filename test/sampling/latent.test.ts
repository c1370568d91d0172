// The per-sequence latent decision: each mode's gate, the shared vetoes in their
// documented order, and SeLaR's contrastive soft input.
import t from 'tap';
import { LatentDecision } from '../../src/sampling/latent/decision.js';
import { softEmbedding } from '../../src/sampling/latent/contrastive-mix.js';
import { SequenceSampler, type StepDistribution } from '../../src/sampling/sampler.js';
import { createTopKMix } from '../../src/sampling/topk-mix.js';
import { Xoshiro128 } from '../../src/sampling/rng.js';
import type { SelarParams } from '../../src/engine/types.js';
import { SELAR_EXTRAS, samplingParams } from '../support/requests.js';

const near = (a: number, b: number, eps = 1e-9) => Math.abs(a - b) < eps;

const selar = (over: Partial<SelarParams> = {}): SelarParams => ({
  mode: 'selar',
  topK: 3,
  entropyThreshold: 0.5,
  contrastiveWeight: 1,
  discreteTokens: 'none',
  scope: 'all',
  trace: false,
  entropy: 'topk',
  softRate: 0.5,
  hotTemperature: 1.5,
  ...SELAR_EXTRAS,
  ...over,
});

const MATH = new Set([9]);
const decision = (over: Partial<SelarParams> = {}, seed = 1) =>
  new LatentDecision(selar(over), { dim: 3, seed, mathIds: MATH, vocabSize: 10 });

/** A step whose gate entropy is h (the mix: ids 7, 2, 5). */
const step = (h: number): StepDistribution => {
  const mix = createTopKMix(3);
  mix.ids.set([7, 2, 5]);
  mix.q.set([0.5, 0.3, 0.2]);
  mix.entropy = h;
  return {
    logits: new Float32Array(10),
    p: null,
    greedy: true,
    filters: { temperature: 1, topK: 0, topP: 1, minP: 0 },
    mix,
    entropy: h,
  };
};

t.test('selar: the gate fires at exactly tau and not below', async (t) => {
  const g = decision();
  t.equal(g.nextIsSoft(step(0.5), 1, false), true);
  t.equal(g.nextIsSoft(step(0.4999999), 1, false), false);
  t.equal(g.nextIsSoft(step(1), 1, false), true);
  t.equal(decision({ entropyThreshold: 0 }).nextIsSoft(step(0), 1, false), true, 'tau 0 always fires');
});

t.test('modes, forced-discrete tokens and scope', async (t) => {
  t.equal(decision({ mode: 'soft' }).nextIsSoft(step(0.1), 1, false), true, 'soft: every step');
  t.equal(decision({ mode: 'off' }).nextIsSoft(step(1), 1, false), false, 'off: never');
  t.equal(decision({ mode: 'hot' }).nextIsSoft(step(1), 1, false), false, 'hot: never soft');
  const math = decision({ mode: 'soft', discreteTokens: 'math' });
  t.equal(math.nextIsSoft(step(1), 9, false), false, 'math tokens stay discrete');
  t.equal(math.nextIsSoft(step(1), 8, false), true, 'other tokens do not');
  t.equal(decision({ mode: 'soft' }).nextIsSoft(step(1), 9, false), true, 'discrete_tokens none: no veto');
  const thinking = decision({ mode: 'soft', scope: 'thinking' });
  t.equal(thinking.nextIsSoft(step(1), 1, false), false, 'outside <think> with scope thinking');
  t.equal(thinking.nextIsSoft(step(1), 1, true), true, 'inside <think>');
});

t.test('random: a seeded coin from its own stream, drawn at every step even when vetoed', async (t) => {
  const seed = 42;
  const coins = new Xoshiro128(seed ^ 0x5e1a5e1a);
  const expected = Array.from({ length: 40 }, () => coins.next() < 0.5);
  const plain = decision({ mode: 'random' }, seed);
  t.same(
    expected.map(() => plain.nextIsSoft(step(0), 1, false)),
    expected,
  );
  // Vetoed steps (a math token, out of scope) still use up their draw.
  const vetoed = decision({ mode: 'random', discreteTokens: 'math', scope: 'thinking' }, seed);
  const got = expected.map((_, i) => vetoed.nextIsSoft(step(0), i % 3 === 0 ? 9 : 1, i % 2 === 0));
  t.same(
    got,
    expected.map((c, i) => c && i % 3 !== 0 && i % 2 === 0),
  );
});

t.test('hot: redraws the visible token where the gate fires, in scope only', async (t) => {
  const hot = decision({ mode: 'hot', scope: 'thinking', hotTemperature: 2 });
  t.equal(hot.redraws, true);
  t.equal(hot.redrawTemperature(step(0.7), true), 2);
  t.equal(hot.redrawTemperature(step(0.3), true), null);
  t.equal(hot.redrawTemperature(step(0.7), false), null, 'out of scope');
  for (const mode of ['selar', 'soft', 'random', 'off'] as const) {
    t.equal(decision({ mode }).redraws, false, `${mode} never redraws`);
    t.equal(decision({ mode }).redrawTemperature(step(1), true), null);
  }
  await t.rejects(hot.softInput(step(1), { dim: 3, lookup: () => {} }, new Float32Array(3)));
});

t.test('a redraw samples from the request stream at the other temperature, leaving p intact', async (t) => {
  const params = samplingParams({ temperature: 1, seed: 3 });
  const s = new SequenceSampler(params, selar(), 4, [], 3);
  const d = s.distribution(new Float32Array([3, 0, 0, 0]));
  const p = Array.from(d.p!);
  const counts = [0, 0, 0, 0];
  for (let i = 0; i < 400; i++) counts[s.choose(d, 50).token]++;
  t.same(Array.from(d.p!), p);
  t.ok(counts[1] + counts[2] + counts[3] > 200, `near-uniform at T = 50: ${counts}`);
});

t.test('soft embedding s = e + w·H·(e − E[top1])', async (t) => {
  const dim = 3;
  // Candidate rows in mix order: top1, second, third.
  const rows = new Float32Array([1, 0, 0, 0, 1, 0, 0, 0, 1]);
  const mix = createTopKMix(3);
  mix.ids.set([7, 2, 5]);
  mix.q.set([0.5, 0.3, 0.2]);
  mix.entropy = 0.8;
  const out = softEmbedding(rows, mix, mix.entropy, 1.5, new Float32Array(dim));
  const e = [0.5, 0.3, 0.2];
  const top1 = [1, 0, 0];
  const expected = e.map((v, i) => v + 1.5 * 0.8 * (v - top1[i]));
  t.ok(
    Array.from(out).every((v, i) => near(v, expected[i], 1e-6)),
    `${Array.from(out)} vs ${expected}`,
  );
  const plain = softEmbedding(rows, mix, mix.entropy, 0, new Float32Array(dim));
  t.ok(
    Array.from(plain).every((v, i) => near(v, e[i], 1e-7)),
    'w = 0 is the plain expected embedding',
  );
});

t.test('softInput looks up the mix candidates and writes the contrastive mix', async (t) => {
  // E[id] = one-hot at id % 3 scaled by id, so each candidate's row is recognisable.
  const table = {
    dim: 3,
    lookup(ids: ArrayLike<number>, out: Float32Array) {
      out.fill(0, 0, ids.length * 3);
      for (let i = 0; i < ids.length; i++) out[i * 3 + (ids[i] % 3)] = ids[i];
    },
  };
  const d = step(0.8);
  const out = new Float32Array(3);
  await decision({ mode: 'selar', contrastiveWeight: 1.5 }).softInput(d, table, out);
  const rows = new Float32Array(9);
  table.lookup(d.mix.ids, rows);
  const expected = softEmbedding(rows, d.mix, 0.8, 1.5, new Float32Array(3));
  t.same(Array.from(out), Array.from(expected));
});
