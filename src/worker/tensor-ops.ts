// Copies of KV-cache tensors along one axis: the batch axis when sequences join or
// leave a cohort, the sequence axis when padded batching pads or trims. Each
// allocates the result once and copies contiguous runs; fp32 and fp16 (Uint16Array)
// data alike.
import * as ort from 'onnxruntime-node';

export type Data = Float32Array | Uint16Array;

export function alloc(like: Data, n: number): Data {
  return new (like.constructor as { new (n: number): Data })(n);
}

function tensorLike(t: ort.Tensor, data: Data, dims: number[]): ort.Tensor {
  return new ort.Tensor(t.type as 'float32', data as Float32Array, dims);
}

/** Sizes of the blocks around `axis`: outer blocks of dims[axis] slices of `inner` elements. */
function around(dims: readonly number[], axis: number): { outer: number; inner: number } {
  const outer = dims.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  return { outer, inner };
}

/**
 * Concatenates tensors of equal shape but for `axis`, into the front of `into` when
 * given (it must be large enough), else into a new array.
 */
export function concatAlong(tensors: ort.Tensor[], axis: number, into?: Data): ort.Tensor {
  if (tensors.length === 1 && !into) return tensors[0];
  const dims = [...tensors[0].dims];
  const { outer, inner } = around(dims, axis);
  const chunks = tensors.map((t) => t.dims[axis] * inner);
  dims[axis] = tensors.reduce((n, t) => n + t.dims[axis], 0);
  const size = outer * dims[axis] * inner;
  const out = into ? into.subarray(0, size) : alloc(tensors[0].data as Data, size);
  let offset = 0;
  for (let o = 0; o < outer; o++) {
    tensors.forEach((t, i) => {
      out.set((t.data as Data).subarray(o * chunks[i], (o + 1) * chunks[i]), offset);
      offset += chunks[i];
    });
  }
  return tensorLike(tensors[0], out, dims);
}

/** The slices of `tensor` at the given indices of `axis`. */
export function selectAlong(tensor: ort.Tensor, axis: number, indices: number[]): ort.Tensor {
  const dims = [...tensor.dims];
  const { outer, inner } = around(dims, axis);
  const src = tensor.data as Data;
  const out = alloc(src, outer * indices.length * inner);
  let offset = 0;
  for (let o = 0; o < outer; o++) {
    for (const idx of indices) {
      const start = (o * dims[axis] + idx) * inner;
      out.set(src.subarray(start, start + inner), offset);
      offset += inner;
    }
  }
  dims[axis] = indices.length;
  return tensorLike(tensor, out, dims);
}

/** `tensor` with `n` zero slices put in front along `axis` (itself when n = 0). */
export function padFront(tensor: ort.Tensor, axis: number, n: number): ort.Tensor {
  if (n === 0) return tensor;
  const dims = [...tensor.dims];
  const { outer, inner } = around(dims, axis);
  const src = tensor.data as Data;
  const from = dims[axis] * inner;
  const to = (dims[axis] + n) * inner;
  const out = alloc(src, outer * to);
  for (let o = 0; o < outer; o++) out.set(src.subarray(o * from, (o + 1) * from), o * to + n * inner);
  dims[axis] += n;
  return tensorLike(tensor, out, dims);
}

/** The slices of `tensor` from index `start` on along `axis`. */
export function sliceFrom(tensor: ort.Tensor, axis: number, start: number): ort.Tensor {
  const dims = [...tensor.dims];
  const { outer, inner } = around(dims, axis);
  const src = tensor.data as Data;
  const from = dims[axis] * inner;
  const to = (dims[axis] - start) * inner;
  const out = alloc(src, outer * to);
  for (let o = 0; o < outer; o++) out.set(src.subarray(o * from + start * inner, (o + 1) * from), o * to);
  dims[axis] -= start;
  return tensorLike(tensor, out, dims);
}
