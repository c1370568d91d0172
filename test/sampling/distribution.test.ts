import t, { type Test } from 'tap';
import { DistributionScratch, filteredProbs, sampleFrom } from '../../src/sampling/distribution.js';

const logits = () => new Float32Array([2, 1, 0, -1, 3]);
const softmax = (l: number[], temp = 1) => {
  const m = Math.max(...l);
  const e = l.map((x) => Math.exp((x - m) / temp));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
};
const close = (t: Test, a: ArrayLike<number>, b: ArrayLike<number>, msg?: string) => {
  t.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) t.ok(Math.abs(a[i] - b[i]) < 1e-6, `${msg ?? ''}[${i}] ${a[i]} ≈ ${b[i]}`);
};

t.test('no filters: a plain softmax with temperature', async (t) => {
  const s = new DistributionScratch(5);
  close(t, filteredProbs(logits(), { temperature: 1, topK: 0, topP: 1, minP: 0 }, s), softmax([2, 1, 0, -1, 3]));
  close(t, filteredProbs(logits(), { temperature: 0.5, topK: 0, topP: 1, minP: 0 }, s), softmax([2, 1, 0, -1, 3], 0.5));
});

t.test('top_k keeps the k most probable and renormalises', async (t) => {
  const p = filteredProbs(logits(), { temperature: 1, topK: 2, topP: 1, minP: 0 }, new DistributionScratch(5));
  const ref = softmax([2, 3]);
  close(t, p, [ref[0], 0, 0, 0, ref[1]]);
});

t.test('top_p keeps the smallest nucleus reaching the mass', async (t) => {
  const full = softmax([2, 1, 0, -1, 3]); // 3 → .636, 2 → .234, 1 → .086
  const p = filteredProbs(logits(), { temperature: 1, topK: 0, topP: 0.8, minP: 0 }, new DistributionScratch(5));
  const kept = full[4] + full[0];
  close(t, p, [full[0] / kept, 0, 0, 0, full[4] / kept]);
  const one = filteredProbs(logits(), { temperature: 1, topK: 0, topP: 0.1, minP: 0 }, new DistributionScratch(5));
  close(t, one, [0, 0, 0, 0, 1], 'at least one token survives');
});

t.test('min_p drops tokens below min_p × pmax', async (t) => {
  const full = softmax([2, 1, 0, -1, 3]);
  const p = filteredProbs(logits(), { temperature: 1, topK: 0, topP: 1, minP: 0.3 }, new DistributionScratch(5));
  const kept = full[4] + full[0];
  close(t, p, [full[0] / kept, 0, 0, 0, full[4] / kept]);
});

t.test('all tokens masked is an error, not NaN', async (t) => {
  t.throws(() =>
    filteredProbs(
      new Float32Array([-Infinity, -Infinity]),
      { temperature: 1, topK: 0, topP: 1, minP: 0 },
      new DistributionScratch(2),
    ),
  );
});

t.test('sampleFrom walks the cumulative mass and skips zeros', async (t) => {
  const p = new Float32Array([0.25, 0, 0.5, 0.25]);
  t.equal(sampleFrom(p, 0), 0);
  t.equal(sampleFrom(p, 0.2499), 0);
  t.equal(sampleFrom(p, 0.25), 2);
  t.equal(sampleFrom(p, 0.76), 3);
  t.equal(sampleFrom(p, 0.99999999), 3);
});
