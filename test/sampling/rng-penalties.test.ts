import t from 'tap';
import { Xoshiro128 } from '../../src/sampling/rng.js';
import { applyLogitBias, applyPenalties, TokenHistory } from '../../src/sampling/penalties.js';
import { SequenceSampler } from '../../src/sampling/sampler.js';
import { SELAR_EXTRAS, samplingParams } from '../support/requests.js';
import type { SelarParams } from '../../src/engine/types.js';

t.test('the same seed gives the same stream; different seeds differ', async (t) => {
  const a = new Xoshiro128(42);
  const b = new Xoshiro128(42);
  const c = new Xoshiro128(43);
  const sa = Array.from({ length: 100 }, () => a.next());
  t.same(
    sa,
    Array.from({ length: 100 }, () => b.next()),
  );
  t.notSame(
    sa,
    Array.from({ length: 100 }, () => c.next()),
  );
  t.ok(sa.every((v) => v >= 0 && v < 1));
  const mean = sa.reduce((x, y) => x + y, 0) / sa.length;
  t.ok(mean > 0.35 && mean < 0.65, `mean ${mean}`);
  t.notSame(new Xoshiro128(2 ** 40 + 1).next(), new Xoshiro128(1).next(), 'seeds above 32 bits are not truncated');
});

t.test('repetition penalty divides positive and multiplies negative logits of seen ids', async (t) => {
  const logits = new Float32Array([2, -2, 1, 1]);
  const h = new TokenHistory([0, 1]);
  applyPenalties(logits, h, { repetitionPenalty: 2, presencePenalty: 0, frequencyPenalty: 0 });
  t.same(Array.from(logits), [1, -4, 1, 1]);
});

t.test('presence and frequency penalties apply to generated ids only', async (t) => {
  const logits = new Float32Array([0, 0, 0]);
  const h = new TokenHistory([0]);
  h.push(1);
  h.push(1);
  h.push(2);
  applyPenalties(logits, h, { repetitionPenalty: 1, presencePenalty: 0.5, frequencyPenalty: 0.25 });
  t.same(Array.from(logits), [0, -1, -0.75]);
});

t.test('logit_bias is additive', async (t) => {
  const logits = new Float32Array([0, 0, 0]);
  applyLogitBias(logits, [
    [2, 100],
    [0, -5],
  ]);
  t.same(Array.from(logits), [-5, 0, 100]);
});

const selar = (topK: number): SelarParams => ({
  mode: 'selar',
  topK,
  entropyThreshold: 0.5,
  contrastiveWeight: 1,
  discreteTokens: 'none',
  scope: 'all',
  trace: false,
  entropy: 'topk',
  softRate: 0,
  hotTemperature: 1.5,
  ...SELAR_EXTRAS,
});

const params = samplingParams;

t.test('greedy picks the argmax; the SeLaR mix uses temperature 1', async (t) => {
  const s = new SequenceSampler(params({ temperature: 0 }), selar(2), 3, [], 1);
  const d = s.distribution(new Float32Array([1, 3, 2]));
  t.equal(s.choose(d).token, 1);
  t.same(Array.from(d.mix.ids), [1, 2]);
  const q0 = 1 / (1 + Math.exp(-1));
  t.ok(Math.abs(d.mix.q[0] - q0) < 1e-6);
});

t.test('seeded sampling is reproducible and respects the distribution', async (t) => {
  const draw = (seed: number) => {
    const s = new SequenceSampler(params({ temperature: 1, seed }), selar(2), 4, [], seed);
    return Array.from(
      { length: 200 },
      () => s.choose(s.distribution(new Float32Array([0, 0, Math.log(3), -Infinity]))).token,
    );
  };
  t.same(draw(5), draw(5));
  const counts = [0, 0, 0, 0];
  for (const tok of draw(9)) counts[tok]++;
  t.equal(counts[3], 0, 'masked token never drawn');
  t.ok(counts[2] > counts[0] && counts[2] > counts[1], `counts ${counts}`);
});

t.test('banned ids (eos before min_tokens) are never chosen; logprobs are reported', async (t) => {
  const s = new SequenceSampler(params({ logprobs: true, topLogprobs: 2 }), selar(2), 3, [], 1);
  const r = s.choose(s.distribution(new Float32Array([5, 1, 0]), [0]));
  t.equal(r.token, 1);
  t.equal(r.topLogprobs!.length, 2);
  t.equal(r.topLogprobs![0].id, 1);
  t.ok(Math.abs(r.logprob! - (1 - Math.log(Math.exp(1) + 1))) < 1e-6);
});
