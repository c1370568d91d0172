// A GGUF (version 3) writer and ggml's reference Q8_0 / Q4_0 block quantizers, for the
// benchmark's llama.cpp rows. The layout follows gguf-py (GGUFWriter) and ggml-quants.c:
// header, metadata key/values, tensor infos (dims innermost first, offsets relative to the
// aligned data section), then each tensor's bytes padded to general.alignment (32).
import fs from 'node:fs';
import { floatArrayToHalf, toHalf } from '../src/util/half.js';

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32
export const GGUF_VERSION = 3;
export const GGUF_ALIGNMENT = 32;

/** gguf-py GGUFValueType. */
export const ValueType = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12,
} as const;

/** The ggml tensor types this writer produces (ggml.h enum ggml_type). */
export const GgmlType = { F32: 0, F16: 1, Q4_0: 2, Q8_0: 8 } as const;
export type GgmlTypeName = keyof typeof GgmlType;

/** Elements per block and bytes per block of each type (ggml's type traits). */
export const BLOCK: Record<GgmlTypeName, { size: number; bytes: number }> = {
  F32: { size: 1, bytes: 4 },
  F16: { size: 1, bytes: 2 },
  Q8_0: { size: 32, bytes: 34 },
  Q4_0: { size: 32, bytes: 18 },
};

export type MetaValue =
  | { type: 'u32'; value: number }
  | { type: 'i32'; value: number }
  | { type: 'f32'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'str'; value: string }
  | { type: 'arr-str'; value: string[] }
  | { type: 'arr-i32'; value: ArrayLike<number> }
  | { type: 'arr-f32'; value: ArrayLike<number> };

export interface GgufTensor {
  name: string;
  /** numpy order (outermost first), as gguf-py takes it; written reversed, as ggml's ne. */
  shape: number[];
  type: GgmlTypeName;
  data: Uint8Array;
}

/** Q8_0 (ggml quantize_row_q8_0_ref): per 32 values, d = amax / 127 as fp16, q = round(x / d). */
export function quantizeQ8_0(x: Float32Array): Uint8Array {
  if (x.length % 32 !== 0) throw new RangeError(`Q8_0 needs a multiple of 32 values, got ${x.length}`);
  const out = new Uint8Array((x.length / 32) * 34);
  const view = new DataView(out.buffer);
  for (let b = 0; b < x.length / 32; b++) {
    let amax = 0;
    for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[b * 32 + j]));
    const d = amax / 127;
    const id = d !== 0 ? 1 / d : 0;
    view.setUint16(b * 34, toHalf(d), true);
    for (let j = 0; j < 32; j++) view.setInt8(b * 34 + 2 + j, roundHalfAway(Math.fround(x[b * 32 + j] * id)));
  }
  return out;
}

/**
 * Q4_0 (ggml quantize_row_q4_0_ref): per 32 values, max = the value of largest magnitude,
 * d = max / -8 as fp16, q = min(15, trunc(x / d + 8.5)); byte j holds q[j] low, q[j + 16] high.
 */
export function quantizeQ4_0(x: Float32Array): Uint8Array {
  if (x.length % 32 !== 0) throw new RangeError(`Q4_0 needs a multiple of 32 values, got ${x.length}`);
  const out = new Uint8Array((x.length / 32) * 18);
  const view = new DataView(out.buffer);
  for (let b = 0; b < x.length / 32; b++) {
    let amax = 0;
    let max = 0;
    for (let j = 0; j < 32; j++) {
      const v = x[b * 32 + j];
      if (amax < Math.abs(v)) {
        amax = Math.abs(v);
        max = v;
      }
    }
    const d = Math.fround(max / -8);
    const id = d !== 0 ? Math.fround(1 / d) : 0;
    view.setUint16(b * 18, toHalf(d), true);
    for (let j = 0; j < 16; j++) {
      const q0 = Math.min(15, Math.trunc(Math.fround(Math.fround(x[b * 32 + j] * id) + 8.5)));
      const q1 = Math.min(15, Math.trunc(Math.fround(Math.fround(x[b * 32 + 16 + j] * id) + 8.5)));
      out[b * 18 + 2 + j] = q0 | (q1 << 4);
    }
  }
  return out;
}

/** C's roundf: halves away from zero (Math.round rounds -2.5 to -2). */
function roundHalfAway(v: number): number {
  return Math.sign(v) * Math.round(Math.abs(v));
}

/** The bytes of a float32 tensor in the given type. */
export function encodeTensor(values: Float32Array, type: GgmlTypeName): Uint8Array {
  switch (type) {
    case 'F32':
      return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    case 'F16': {
      const h = floatArrayToHalf(values);
      return new Uint8Array(h.buffer, h.byteOffset, h.byteLength);
    }
    case 'Q8_0':
      return quantizeQ8_0(values);
    case 'Q4_0':
      return quantizeQ4_0(values);
  }
}

class ByteSink {
  private chunks: Buffer[] = [];
  length = 0;

  private push(b: Buffer): void {
    this.chunks.push(b);
    this.length += b.length;
  }
  u32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.push(b);
  }
  i32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    this.push(b);
  }
  u64(v: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.push(b);
  }
  f32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.push(b);
  }
  u8(v: number): void {
    this.push(Buffer.from([v]));
  }
  str(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.u64(b.length);
    this.push(b);
  }
  pad(alignment: number): void {
    const n = (alignment - (this.length % alignment)) % alignment;
    if (n) this.push(Buffer.alloc(n));
  }
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

function writeValue(sink: ByteSink, v: MetaValue): void {
  switch (v.type) {
    case 'u32':
      sink.u32(ValueType.UINT32);
      sink.u32(v.value);
      return;
    case 'i32':
      sink.u32(ValueType.INT32);
      sink.i32(v.value);
      return;
    case 'f32':
      sink.u32(ValueType.FLOAT32);
      sink.f32(v.value);
      return;
    case 'bool':
      sink.u32(ValueType.BOOL);
      sink.u8(v.value ? 1 : 0);
      return;
    case 'str':
      sink.u32(ValueType.STRING);
      sink.str(v.value);
      return;
    case 'arr-str':
      sink.u32(ValueType.ARRAY);
      sink.u32(ValueType.STRING);
      sink.u64(v.value.length);
      for (const s of v.value) sink.str(s);
      return;
    case 'arr-i32':
      sink.u32(ValueType.ARRAY);
      sink.u32(ValueType.INT32);
      sink.u64(v.value.length);
      for (let i = 0; i < v.value.length; i++) sink.i32(v.value[i]);
      return;
    case 'arr-f32':
      sink.u32(ValueType.ARRAY);
      sink.u32(ValueType.FLOAT32);
      sink.u64(v.value.length);
      for (let i = 0; i < v.value.length; i++) sink.f32(v.value[i]);
      return;
  }
}

/** Bytes a tensor of this shape and type takes (rows must be whole blocks). */
export function tensorBytes(shape: number[], type: GgmlTypeName): number {
  const { size, bytes } = BLOCK[type];
  const inner = shape[shape.length - 1];
  if (inner % size !== 0) throw new RangeError(`${type} rows need a multiple of ${size} values, got ${inner}`);
  return (shape.reduce((a, d) => a * d, 1) / size) * bytes;
}

/** Writes a GGUF file; tensors are written in the order given. */
export function writeGguf(file: string, metadata: Array<[string, MetaValue]>, tensors: GgufTensor[]): void {
  const head = new ByteSink();
  head.u32(GGUF_MAGIC);
  head.u32(GGUF_VERSION);
  head.u64(tensors.length);
  head.u64(metadata.length);
  for (const [key, value] of metadata) {
    head.str(key);
    writeValue(head, value);
  }
  let offset = 0;
  for (const t of tensors) {
    const want = tensorBytes(t.shape, t.type);
    if (t.data.length !== want) throw new RangeError(`${t.name}: ${t.data.length} bytes, expected ${want}`);
    head.str(t.name);
    head.u32(t.shape.length);
    for (const d of [...t.shape].reverse()) head.u64(d);
    head.u32(GgmlType[t.type]);
    head.u64(offset);
    offset += Math.ceil(t.data.length / GGUF_ALIGNMENT) * GGUF_ALIGNMENT;
  }
  head.pad(GGUF_ALIGNMENT);
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, head.bytes());
    for (const t of tensors) {
      fs.writeSync(fd, t.data);
      const pad = (GGUF_ALIGNMENT - (t.data.length % GGUF_ALIGNMENT)) % GGUF_ALIGNMENT;
      if (pad) fs.writeSync(fd, Buffer.alloc(pad));
    }
  } finally {
    fs.closeSync(fd);
  }
}
