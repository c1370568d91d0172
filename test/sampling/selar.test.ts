import t from 'tap';
import { createTopKMix, normaliseEntropy, softEmbedding, softGate, topKMix } from '../../src/sampling/selar.js';

const near = (a: number, b: number, eps = 1e-9) => Math.abs(a - b) < eps;

t.test('entropy of the renormalised top-k, normalised by ln k', async (t) => {
  const p = new Float32Array([0.1, 0.4, 0.2, 0.2, 0.1]);
  const mix = topKMix(p, createTopKMix(3));
  t.same(Array.from(mix.ids), [1, 2, 3]);
  const q = [0.4 / 0.8, 0.2 / 0.8, 0.2 / 0.8];
  t.ok(q.every((v, i) => near(mix.q[i], v, 1e-7)));
  const h = -q.reduce((s, v) => s + v * Math.log(v), 0) / Math.log(3);
  t.ok(near(mix.entropy, h, 1e-7), `${mix.entropy} vs ${h}`);
});

t.test('uniform top-k gives H = 1; a one-hot distribution gives H = 0', async (t) => {
  t.ok(near(topKMix(new Float32Array([0.25, 0.25, 0.25, 0.25]), createTopKMix(4)).entropy, 1, 1e-7));
  t.equal(topKMix(new Float32Array([0, 1, 0, 0]), createTopKMix(3)).entropy, 0);
});

t.test('zero-probability candidates (filtered) contribute nothing', async (t) => {
  const mix = topKMix(new Float32Array([0.5, 0.5, 0, 0]), createTopKMix(3));
  t.ok(near(mix.entropy, Math.log(2) / Math.log(3), 1e-7));
  t.equal(mix.q[2], 0);
});

t.test('normaliseEntropy clamps to [0, 1]', async (t) => {
  t.equal(normaliseEntropy(5, 3), 1);
  t.equal(normaliseEntropy(-1e-12, 3), 0);
  t.equal(normaliseEntropy(1, 1), 0);
});

t.test('the gate fires at exactly tau and not below', async (t) => {
  const base = { mode: 'selar' as const, threshold: 0.5, forcedDiscrete: false, inScope: true };
  t.equal(softGate({ ...base, entropy: 0.5 }), true);
  t.equal(softGate({ ...base, entropy: 0.4999999 }), false);
  t.equal(softGate({ ...base, entropy: 1 }), true);
  t.equal(softGate({ ...base, entropy: 0, threshold: 0 }), true, 'tau 0 always fires');
});

t.test('modes, forced-discrete tokens and scope', async (t) => {
  const g = { entropy: 0.1, threshold: 0.5, forcedDiscrete: false, inScope: true };
  t.equal(softGate({ ...g, mode: 'soft' }), true, 'soft: every step');
  t.equal(softGate({ ...g, mode: 'off', entropy: 1 }), false, 'off: never');
  t.equal(softGate({ ...g, mode: 'soft', forcedDiscrete: true }), false, 'math tokens stay discrete');
  t.equal(softGate({ ...g, mode: 'soft', inScope: false }), false, 'outside <think> with scope thinking');
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
  t.ok(Array.from(out).every((v, i) => near(v, expected[i], 1e-6)), `${Array.from(out)} vs ${expected}`);
  const plain = softEmbedding(rows, mix, mix.entropy, 0, new Float32Array(dim));
  t.ok(Array.from(plain).every((v, i) => near(v, e[i], 1e-7)), 'w = 0 is the plain expected embedding');
});

t.test('full-vocabulary entropy is normalised by ln |V|', async (t) => {
  const { fullEntropy } = await import('../../src/sampling/selar.js');
  t.ok(near(fullEntropy(new Float32Array([0.25, 0.25, 0.25, 0.25])), 1, 1e-7));
  const p = new Float32Array([0.7, 0.2, 0.1, 0]);
  const h = -(0.7 * Math.log(0.7) + 0.2 * Math.log(0.2) + 0.1 * Math.log(0.1)) / Math.log(4);
  t.ok(near(fullEntropy(p), h, 1e-6));
});

t.test('ablation gates: random follows its coin, hot never feeds soft', async (t) => {
  const g = { entropy: 0.9, threshold: 0.5, forcedDiscrete: false, inScope: true };
  t.equal(softGate({ ...g, mode: 'random', coin: true, entropy: 0 }), true);
  t.equal(softGate({ ...g, mode: 'random', coin: false, entropy: 1 }), false);
  t.equal(softGate({ ...g, mode: 'random', coin: true, forcedDiscrete: true }), false);
  t.equal(softGate({ ...g, mode: 'hot' }), false);
});

t.test('the logits fast path gives the same mix as softmax → top-k → renormalise', async (t) => {
  const { topKMixFromLogits } = await import('../../src/sampling/selar.js');
  const { DistributionScratch, filteredProbs } = await import('../../src/sampling/distribution.js');
  let x = 3;
  const logits = Float32Array.from({ length: 500 }, () => ((x = (x * 48271) % 2147483647) / 2147483647) * 8 - 4);
  const a = topKMix(filteredProbs(logits, { temperature: 1, topK: 0, topP: 1, minP: 0 }, new DistributionScratch(500)), createTopKMix(5));
  const b = topKMixFromLogits(logits, createTopKMix(5));
  t.same(Array.from(b.ids), Array.from(a.ids));
  t.ok(Array.from(b.q).every((q, i) => near(q, a.q[i], 1e-6)));
  t.ok(near(a.entropy, b.entropy, 1e-6));
  t.throws(() => topKMixFromLogits(new Float32Array([-Infinity, -Infinity]), createTopKMix(2)));
});
