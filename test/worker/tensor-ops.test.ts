// KV-cache tensor copies along one axis, on small tensors whose every element says
// where it came from.
import t from 'tap';
import * as ort from 'onnxruntime-node';
import { concatAlong, padFront, selectAlong, sliceFrom } from '../../src/worker/tensor-ops.js';

/** A [B, H, S, D] tensor whose element is b*1000 + h*100 + s*10 + d (+ offset). */
function kv(B: number, H: number, S: number, D: number, offset = 0): ort.Tensor {
  const data = new Float32Array(B * H * S * D);
  let i = 0;
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let s = 0; s < S; s++) for (let d = 0; d < D; d++) data[i++] = offset + b * 1000 + h * 100 + s * 10 + d;
  return new ort.Tensor('float32', data, [B, H, S, D]);
}
const at = (x: ort.Tensor, b: number, h: number, s: number, d: number) => {
  const [, H, S, D] = x.dims;
  return (x.data as Float32Array)[((b * H + h) * S + s) * D + d];
};

t.test('concat along the batch axis keeps each row whole', async (t) => {
  const out = concatAlong([kv(1, 2, 3, 2), kv(2, 2, 3, 2, 0.5)], 0);
  t.same(out.dims, [3, 2, 3, 2]);
  t.equal(at(out, 0, 1, 2, 1), 121);
  t.equal(at(out, 2, 1, 2, 1), 1121.5, 'second tensor, its row 1');
  t.equal(concatAlong([kv(1, 1, 1, 1)], 0).dims.length, 4);
});

t.test('select rows, pad and slice the sequence axis', async (t) => {
  const x = kv(3, 2, 4, 2);
  const kept = selectAlong(x, 0, [2, 0]);
  t.same(kept.dims, [2, 2, 4, 2]);
  t.same([at(kept, 0, 1, 3, 1), at(kept, 1, 1, 3, 1)], [2131, 131]);

  const padded = padFront(x, 2, 3);
  t.same(padded.dims, [3, 2, 7, 2]);
  t.same(
    [at(padded, 1, 1, 0, 1), at(padded, 1, 1, 2, 1), at(padded, 1, 1, 3, 1), at(padded, 1, 1, 6, 1)],
    [0, 0, 1101, 1131],
    'zeros in front, then the original positions',
  );
  t.equal(padFront(x, 2, 0), x, 'nothing to pad: the same tensor');

  const back = sliceFrom(padded, 2, 3);
  t.same(back.dims, x.dims);
  t.same(
    Array.from(back.data as Float32Array),
    Array.from(x.data as Float32Array),
    'slicing the padding off restores the tensor',
  );
});

t.test('fp16 caches (Uint16Array data) and empty caches', async (t) => {
  const half = new ort.Tensor('float16', Uint16Array.from([1, 2, 3, 4]), [1, 1, 2, 2]);
  const padded = padFront(half, 2, 1);
  t.equal(padded.type, 'float16');
  t.ok(padded.data instanceof Uint16Array);
  t.same(Array.from(padded.data as Uint16Array), [0, 0, 1, 2, 3, 4]);
  const empty = new ort.Tensor('float32', new Float32Array(0), [1, 2, 0, 4]);
  t.same(concatAlong([empty, empty, empty], 0).dims, [3, 2, 0, 4]);
  t.same(padFront(empty, 2, 2).dims, [1, 2, 2, 4]);
});
