import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { GGUF_ALIGNMENT, GGUF_MAGIC, quantizeQ4_0, quantizeQ8_0, tensorBytes, writeGguf } from '../../bench/gguf.js';
import { hfParameters, permuteRope, transpose, writeLlamaGguf } from '../../bench/gguf-llama.js';
import { bytesPerTokenFromSizes, ggufTensorSizes } from '../../bench/llama-cpp.js';
import { readModel } from '../../src/onnx/proto.js';
import { fromHalf } from '../../src/util/half.js';
import { llamaModel } from '../support/models.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gguf-test-'));
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));

function dequantQ8(bytes: Uint8Array): Float32Array {
  const v = new DataView(bytes.buffer, bytes.byteOffset);
  const out = new Float32Array((bytes.length / 34) * 32);
  for (let b = 0; b < bytes.length / 34; b++) {
    const d = fromHalf(v.getUint16(b * 34, true));
    for (let j = 0; j < 32; j++) out[b * 32 + j] = d * v.getInt8(b * 34 + 2 + j);
  }
  return out;
}

function dequantQ4(bytes: Uint8Array): Float32Array {
  const v = new DataView(bytes.buffer, bytes.byteOffset);
  const out = new Float32Array((bytes.length / 18) * 32);
  for (let b = 0; b < bytes.length / 18; b++) {
    const d = fromHalf(v.getUint16(b * 18, true));
    for (let j = 0; j < 16; j++) {
      const q = bytes[b * 18 + 2 + j];
      out[b * 32 + j] = d * ((q & 15) - 8);
      out[b * 32 + 16 + j] = d * ((q >> 4) - 8);
    }
  }
  return out;
}

const ramp = Float32Array.from({ length: 64 }, (_, i) => (i - 20) / 7);

t.test('Q8_0: 34-byte blocks, d = amax / 127, values within half a step', async (t) => {
  const q = quantizeQ8_0(ramp);
  t.equal(q.length, 2 * 34);
  const d0 = fromHalf(new DataView(q.buffer).getUint16(0, true));
  t.ok(Math.abs(d0 - 20 / 7 / 127) < 1e-5, `block 0 scale ${d0}`);
  // The block's largest magnitude maps to ±127.
  t.equal(new DataView(q.buffer).getInt8(2), -127);
  const back = dequantQ8(q);
  for (let i = 0; i < ramp.length; i++) t.ok(Math.abs(back[i] - ramp[i]) <= 0.51 * (43 / 7 / 127) + 1e-3);
  t.same([...quantizeQ8_0(new Float32Array(32))].slice(2), new Array(32).fill(0), 'an all-zero block stays zero');
  t.throws(() => quantizeQ8_0(new Float32Array(31)), RangeError);
});

t.test('Q4_0: 18-byte blocks, d = signed max / -8, nibbles j and j + 16 share a byte', async (t) => {
  const x = Float32Array.from({ length: 32 }, (_, i) => i);
  const q = quantizeQ4_0(x);
  t.equal(q.length, 18);
  t.equal(fromHalf(new DataView(q.buffer).getUint16(0, true)), -3.875, 'd = 31 / -8');
  // x = 0 → 8 (low nibble of byte 0); x = 16 → trunc(16 / -3.875 + 8.5) = 4 (its high nibble); x = 31 → 0.
  t.equal(q[2] & 15, 8);
  t.equal(q[2] >> 4, 4);
  t.equal(q[2 + 15] >> 4, 0);
  const back = dequantQ4(quantizeQ4_0(ramp));
  for (let i = 0; i < ramp.length; i++) t.ok(Math.abs(back[i] - ramp[i]) <= (43 / 7 / 8) * 0.51 + 1e-3, `value ${i}`);
});

t.test('permuteRope turns rotate-half rows into interleaved pairs, head by head', async (t) => {
  // 2 heads of head_dim 4, one column: rows a0 a1 b0 b1 | c0 c1 d0 d1.
  const w = Float32Array.from([10, 11, 20, 21, 30, 31, 40, 41]);
  t.same([...permuteRope(w, 8, 1, 2)], [10, 20, 11, 21, 30, 40, 31, 41]);
  const wide = Float32Array.from({ length: 8 }, (_, i) => i);
  t.same([...permuteRope(wide, 4, 2, 1)], [0, 1, 4, 5, 2, 3, 6, 7], 'whole rows move');
  t.throws(() => permuteRope(w, 8, 1, 3), RangeError);
  t.same([...transpose(Float32Array.from([1, 2, 3, 4, 5, 6]), 2, 3)], [1, 4, 2, 5, 3, 6]);
});

t.test('writeGguf: header, key/values, tensor infos with ggml dims and aligned offsets', async (t) => {
  const file = path.join(tmp, 'small.gguf');
  const a = new Uint8Array(tensorBytes([2, 3], 'F32')).fill(1);
  const b = quantizeQ8_0(new Float32Array(64).fill(0.5));
  writeGguf(
    file,
    [
      ['general.architecture', { type: 'str', value: 'llama' }],
      ['x.count', { type: 'u32', value: 7 }],
      ['x.list', { type: 'arr-str', value: ['a', 'bc'] }],
    ],
    [
      { name: 'a', shape: [2, 3], type: 'F32', data: a },
      { name: 'b', shape: [2, 32], type: 'Q8_0', data: b },
    ],
  );
  const buf = fs.readFileSync(file);
  t.equal(buf.readUInt32LE(0), GGUF_MAGIC);
  t.equal(buf.toString('latin1', 0, 4), 'GGUF');
  t.equal(buf.readUInt32LE(4), 3, 'version 3');
  t.equal(Number(buf.readBigUInt64LE(8)), 2, 'tensor count');
  t.equal(Number(buf.readBigUInt64LE(16)), 3, 'key/value count');
  const sizes = ggufTensorSizes(file);
  t.same(sizes.get('a'), { bytes: 24, rows: 2 });
  t.same(sizes.get('b'), { bytes: 68, rows: 2 });
  // Data section: header padded to 32, tensor a (24 bytes) padded to 32, then b.
  const dataStart = buf.length - 32 - 68 - (GGUF_ALIGNMENT - (68 % GGUF_ALIGNMENT));
  t.equal(dataStart % GGUF_ALIGNMENT, 0);
  t.equal(buf[dataStart], 1);
  t.same([...buf.subarray(dataStart + 32, dataStart + 32 + 68)], [...b]);
  t.throws(
    () => writeGguf(file, [], [{ name: 'bad', shape: [2, 3], type: 'F32', data: new Uint8Array(8) }]),
    /8 bytes, expected 24/,
  );
  t.throws(() => tensorBytes([4, 31], 'Q4_0'), RangeError);
});

t.test('writeLlamaGguf: llama.cpp tensor names, [out, in] weights, q/k permuted, norms F32', async (t) => {
  const dir = await llamaModel();
  const params = hfParameters(readModel(path.join(dir, 'onnx', 'model.onnx')), dir);
  const q = params.get('model.layers.0.self_attn.q_proj.weight')!;
  t.same(q.dims, [64, 64], 'q_proj [out, in]');
  t.same(params.get('model.layers.1.mlp.down_proj.weight')!.dims, [64, 128]);
  t.same(params.get('lm_head.weight')!.dims, [320, 64]);
  for (const weights of ['F32', 'Q8_0', 'Q4_0'] as const) {
    const file = path.join(tmp, `tiny.${weights}.gguf`);
    writeLlamaGguf(dir, file, weights);
    const sizes = ggufTensorSizes(file);
    t.equal(sizes.size, 3 + 2 * 9, `${weights}: embedding, norm, output and 9 tensors a layer`);
    for (const n of [
      'token_embd.weight',
      'output_norm.weight',
      'output.weight',
      'blk.1.attn_k.weight',
      'blk.1.ffn_down.weight',
    ])
      t.ok(sizes.has(n), `${weights}: ${n}`);
    t.same(sizes.get('blk.0.attn_norm.weight'), { bytes: 64 * 4, rows: 1 }, `${weights}: norms stay F32`);
    const per = weights === 'F32' ? 4 : weights === 'Q8_0' ? 34 / 32 : 18 / 32;
    t.equal(sizes.get('blk.0.ffn_gate.weight')!.bytes, 128 * 64 * per);
    t.equal(sizes.get('blk.0.attn_k.weight')!.rows, 32, 'k: kv heads × head_dim rows');
    t.equal(bytesPerTokenFromSizes(sizes) < fs.statSync(file).size, true, 'a step reads one embedding row');
  }
  // F32 attn_q: the permuted q_proj, bit for bit.
  const file = path.join(tmp, 'tiny.F32.gguf');
  const buf = fs.readFileSync(file);
  const want = Buffer.from(permuteRope(q.data, 64, 64, 4).buffer);
  t.ok(buf.indexOf(want) > 0, 'attn_q holds the permuted weights');
  t.equal(buf.indexOf(Buffer.from(q.data.buffer)), -1, 'and not the unpermuted ones');
});
