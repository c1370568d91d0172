// Reading an initializer's values as fp32 and writing a graph's weights into one
// external-data file next to it: the quantized decoder owns all its weights (the
// quantized ones are new bytes, the rest are copied), so it resolves against one folder.
import fs from 'node:fs';
import path from 'node:path';
import { DataType } from '../../onnx/proto.js';
import type { GraphProto, TensorProto } from '../../onnx/proto.js';
import { subgraphs } from '../convert/graph.js';
import { dimsOf, externalLocation, inlineBytes, isExternal, readRange } from '../convert/tensor-data.js';
import { halfArrayToFloat } from '../../util/half.js';

/** Raw bytes of an initializer, from its external-data file or inline. */
export function tensorBytes(t: TensorProto, dataDir: string, modelFile: string): Uint8Array {
  if (!isExternal(t)) return inlineBytes(t);
  const loc = externalLocation(t, dataDir, modelFile);
  return readRange(loc.file, loc.offset, loc.byteLength);
}

/** Values of an fp32 or fp16 initializer as fp32. */
export function tensorFloats(t: TensorProto, dataDir: string, modelFile: string): Float32Array {
  const bytes = tensorBytes(t, dataDir, modelFile);
  // A fresh, aligned copy: protobufjs hands out Buffer views (whose slice() shares memory) at any offset.
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  if (t.dataType === DataType.FLOAT16) return halfArrayToFloat(new Uint16Array(copy.buffer, 0, copy.length / 2));
  return new Float32Array(copy.buffer, 0, copy.length / 4);
}

/** Where a tensor's bytes went in the data file. */
export interface Placed {
  offset: number;
  length: number;
}

const ALIGN = 64;
/** Initializers smaller than this stay inline (shape constants, norms of tiny models). */
const INLINE_MAX = 1024;

/**
 * Appends a tensor's bytes to the data file being written and points the tensor at
 * them. Returns the placement so another model (the embedding lookup) can share them.
 */
export class DataFileWriter {
  private fd: number;
  private size = 0;
  readonly location: string;

  constructor(readonly file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.fd = fs.openSync(file, 'w');
    this.location = path.basename(file);
  }

  place(t: TensorProto, bytes: Uint8Array): Placed {
    const pad = (ALIGN - (this.size % ALIGN)) % ALIGN;
    if (pad) fs.writeSync(this.fd, new Uint8Array(pad), 0, pad, this.size);
    const offset = this.size + pad;
    fs.writeSync(this.fd, bytes, 0, bytes.length, offset);
    this.size = offset + bytes.length;
    pointAt(t, this.location, { offset, length: bytes.length });
    return { offset, length: bytes.length };
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

export function pointAt(t: TensorProto, location: string, at: Placed): void {
  delete t.rawData;
  delete t.floatData;
  delete t.int32Data;
  delete t.int64Data;
  t.dataLocation = 1;
  t.externalData = [
    { key: 'location', value: location },
    { key: 'offset', value: String(at.offset) },
    { key: 'length', value: String(at.length) },
  ];
}

/**
 * Moves every initializer (in subgraphs too) that is external, or larger than a few
 * hundred bytes, into the data file; `skip` are tensors already placed.
 */
export function relocateWeights(
  graph: GraphProto,
  writer: DataFileWriter,
  dataDir: string,
  modelFile: string,
  skip: Set<TensorProto>,
): void {
  const visit = (g: GraphProto): void => {
    for (const t of g.initializer) {
      if (skip.has(t)) continue;
      const external = isExternal(t);
      const count = dimsOf(t).reduce((a, b) => a * b, 1);
      if (!external && count * 4 < INLINE_MAX) continue;
      const bytes = tensorBytes(t, dataDir, modelFile);
      if (!external && bytes.length < INLINE_MAX) continue;
      writer.place(t, bytes);
    }
    for (const n of g.node) for (const s of subgraphs(n)) visit(s);
  };
  visit(graph);
}
