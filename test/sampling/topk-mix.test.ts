import t from 'tap';
import { createTopKMix, normaliseEntropy, topKMix } from '../../src/sampling/topk-mix.js';

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

t.test('full-vocabulary entropy is normalised by ln |V|', async (t) => {
  const { fullEntropy } = await import('../../src/sampling/topk-mix.js');
  t.ok(near(fullEntropy(new Float32Array([0.25, 0.25, 0.25, 0.25])), 1, 1e-7));
  const p = new Float32Array([0.7, 0.2, 0.1, 0]);
  const h = -(0.7 * Math.log(0.7) + 0.2 * Math.log(0.2) + 0.1 * Math.log(0.1)) / Math.log(4);
  t.ok(near(fullEntropy(p), h, 1e-6));
});

t.test('the logits fast path gives the same mix as softmax → top-k → renormalise', async (t) => {
  const { topKMixFromLogits } = await import('../../src/sampling/topk-mix.js');
  const { DistributionScratch, filteredProbs } = await import('../../src/sampling/distribution.js');
  let x = 3;
  const logits = Float32Array.from({ length: 500 }, () => ((x = (x * 48271) % 2147483647) / 2147483647) * 8 - 4);
  const a = topKMix(
    filteredProbs(logits, { temperature: 1, topK: 0, topP: 1, minP: 0 }, new DistributionScratch(500)),
    createTopKMix(5),
  );
  const b = topKMixFromLogits(logits, createTopKMix(5));
  t.same(Array.from(b.ids), Array.from(a.ids));
  t.ok(Array.from(b.q).every((q, i) => near(q, a.q[i], 1e-6)));
  t.ok(near(a.entropy, b.entropy, 1e-6));
  t.throws(() => topKMixFromLogits(new Float32Array([-Infinity, -Infinity]), createTopKMix(2)));
});
