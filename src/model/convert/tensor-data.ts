// Where an initializer's bytes live (inline or in an external-data file) and how to
// read them without loading the whole data file.
import fs from 'node:fs';
import path from 'node:path';
import { DataType, toNumber } from '../../onnx/proto.js';
import type { GraphProto, TensorProto } from '../../onnx/proto.js';
import { ModelLoadError } from '../../errors.js';
import { subgraphs } from './graph.js';

export interface ExternalLocation {
  file: string;
  offset: number;
  byteLength: number;
}

const EXTERNAL = 1; // TensorProto.DataLocation.EXTERNAL

export function isExternal(t: TensorProto): boolean {
  return t.dataLocation === EXTERNAL || (t.externalData?.length ?? 0) > 0;
}

export function elementSize(dataType: number | undefined): number {
  switch (dataType) {
    case DataType.FLOAT:
    case DataType.INT32:
      return 4;
    case DataType.INT64:
    case DataType.DOUBLE:
      return 8;
    case DataType.FLOAT16:
    case DataType.BFLOAT16:
      return 2;
    case DataType.UINT8:
    case DataType.INT8:
    case DataType.BOOL:
      return 1;
    default:
      return 0;
  }
}

export function dimsOf(t: TensorProto): number[] {
  return (t.dims ?? []).map(toNumber);
}

/** Resolves an external-data entry against the model's folder, refusing escapes as ORT does. */
export function externalLocation(t: TensorProto, modelDir: string, modelFile: string): ExternalLocation {
  const entries = new Map((t.externalData ?? []).map((e) => [e.key, e.value]));
  const location = entries.get('location');
  if (!location) throw new ModelLoadError(`initializer ${t.name} is marked external but has no location`, modelFile);
  const file = path.resolve(modelDir, location);
  const rel = path.relative(modelDir, file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new ModelLoadError(`external data of ${t.name} (${location}) lies outside the model folder`, modelFile);
  }
  if (!fs.existsSync(file))
    throw new ModelLoadError(`external data file ${location} for ${t.name} is missing`, modelFile);
  const offset = Number(entries.get('offset') ?? 0);
  const count = dimsOf(t).reduce((a, b) => a * b, 1);
  const byteLength = Number(entries.get('length') ?? count * elementSize(t.dataType));
  return { file, offset, byteLength };
}

/** True when some weight (also in subgraphs or Constant nodes) lives in an external-data file. */
export function hasExternalData(graph: GraphProto): boolean {
  const visit = (g: GraphProto): boolean =>
    g.initializer.some(isExternal) ||
    g.node.some(
      (n) =>
        (n.attribute ?? []).some((a) => (a.t !== undefined && isExternal(a.t)) || false) || subgraphs(n).some(visit),
    );
  return visit(graph);
}

/** Inline bytes of an initializer, whichever typed field the exporter used. */
export function inlineBytes(t: TensorProto): Uint8Array {
  if (t.rawData && t.rawData.length > 0) return t.rawData;
  const count = dimsOf(t).reduce((a, b) => a * b, 1);
  if (t.dataType === DataType.FLOAT && t.floatData?.length) {
    return new Uint8Array(Float32Array.from(t.floatData).buffer);
  }
  // float16 and bfloat16 values are stored one per int32_data entry (low 16 bits).
  if ((t.dataType === DataType.FLOAT16 || t.dataType === DataType.BFLOAT16) && t.int32Data?.length) {
    return new Uint8Array(Uint16Array.from(t.int32Data, (v) => v & 0xffff).buffer);
  }
  if (count === 0) return new Uint8Array(0);
  throw new Error(`initializer ${t.name} has no data in a field this converter reads`);
}

/** Reads `length` bytes at `offset` of a file without loading the rest of it. */
export function readRange(file: string, offset: number, length: number): Uint8Array {
  const buf = new Uint8Array(length);
  const fd = fs.openSync(file, 'r');
  try {
    let done = 0;
    while (done < length) {
      const n = fs.readSync(fd, buf, done, length - done, offset + done);
      if (n === 0) throw new Error(`${file}: unexpected end of file at ${offset + done}`);
      done += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return buf;
}
