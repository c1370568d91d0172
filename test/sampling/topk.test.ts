import t from 'tap';
import { argmax, topK } from '../../src/sampling/topk.js';

t.test('topK returns the k largest ids in descending order', async (t) => {
  const scores = new Float32Array([0.1, 0.5, 0.2, 0.9, 0.3]);
  const ids = new Int32Array(3);
  t.equal(topK(scores, 3, ids), 3);
  t.same(Array.from(ids), [3, 1, 4]);
});

t.test('ties resolve to the lower id, like argmax', async (t) => {
  const scores = new Float32Array([1, 3, 3, 2, 3]);
  const ids = new Int32Array(4);
  topK(scores, 4, ids);
  t.same(Array.from(ids), [1, 2, 4, 3]);
  t.equal(argmax(scores), 1);
});

t.test('k larger than the array returns every id', async (t) => {
  const ids = new Int32Array(5);
  t.equal(topK(new Float32Array([2, 1]), 5, ids), 2);
  t.same(Array.from(ids.subarray(0, 2)), [0, 1]);
});

t.test('matches a full sort on random data', async (t) => {
  let s = 7;
  const rand = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let trial = 0; trial < 20; trial++) {
    const n = 50 + trial * 37;
    const scores = Float32Array.from({ length: n }, () => Math.round(rand() * 50) / 10);
    const k = 1 + (trial % 9);
    const ids = new Int32Array(k);
    topK(scores, k, ids);
    const sorted = Array.from(scores.keys())
      .sort((a, b) => scores[b] - scores[a] || a - b)
      .slice(0, k);
    t.same(Array.from(ids), sorted, `trial ${trial}`);
  }
});
