// A small ONNX graph builder so model definitions read like the computation
// they describe. Nodes and outputs are named the way torch exports name them
// (`/model/layers.0/self_attn/q_proj/MatMul`, `..._output_0`), which keeps
// generated graphs easy to compare with real Optimum exports.
import fs from 'node:fs';
import path from 'node:path';
import { toHalf as toHalfBits } from '../util/half.js';
import {
  DataType,
  type AttributeProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from '../onnx/proto.js';

export type Dim = number | string;

/** Integers become INT/INTS attributes; wrap a float in `{ float }` when it happens to be whole. */
export type AttrValue = number | number[] | { float: number } | { tensor: TensorProto };

export type TensorData = Float32Array | Uint16Array | BigInt64Array | Uint8Array;

const AttrType = { FLOAT: 1, INT: 2, TENSOR: 4, INTS: 7 } as const;

function attribute(name: string, v: AttrValue): AttributeProto {
  if (Array.isArray(v)) return { name, type: AttrType.INTS, ints: v };
  if (typeof v === 'number')
    return Number.isInteger(v) ? { name, type: AttrType.INT, i: v } : { name, type: AttrType.FLOAT, f: v };
  if ('float' in v) return { name, type: AttrType.FLOAT, f: v.float };
  return { name, type: AttrType.TENSOR, t: v.tensor };
}

function bytesOf(data: TensorData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

export function valueInfo(name: string, elemType: number, dims: readonly Dim[]): ValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/**
 * Appends tensor bytes to one `.onnx_data` file as they are produced, so a
 * model larger than protobuf's 2 GB limit (or than comfortable memory) never
 * exists as one buffer.
 */
export class ExternalDataWriter {
  readonly location: string;
  private readonly fd: number;
  private offset = 0;

  constructor(readonly file: string) {
    this.location = path.basename(file);
    this.fd = fs.openSync(file, 'w');
  }

  append(bytes: Uint8Array): { offset: number; length: number } {
    // 64-byte alignment keeps every tensor aligned for any element type and for SIMD loads.
    const pad = (64 - (this.offset % 64)) % 64;
    if (pad) {
      fs.writeSync(this.fd, new Uint8Array(pad));
      this.offset += pad;
    }
    const at = this.offset;
    let written = 0;
    while (written < bytes.length) written += fs.writeSync(this.fd, bytes, written, bytes.length - written);
    this.offset += bytes.length;
    return { offset: at, length: bytes.length };
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

export class GraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private readonly valueInfos: ValueInfoProto[] = [];
  private readonly usedNames = new Set<string>();
  private readonly constCache = new Map<string, string>();

  /** With a writer, `weight()` tensors go to the external data file; constants always stay inline. */
  constructor(private readonly external: ExternalDataWriter | null = null) {}

  input(name: string, elemType: number, dims: readonly Dim[]): string {
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  output(name: string, elemType: number, dims: readonly Dim[]): void {
    this.outputs.push(valueInfo(name, elemType, dims));
  }

  /** Shape annotation for an intermediate value, as exporters emit after shape inference. */
  annotate(name: string, elemType: number, dims: readonly Dim[]): void {
    this.valueInfos.push(valueInfo(name, elemType, dims));
  }

  /**
   * Adds a node named `name` (made unique) and returns its first output,
   * `${name}_output_0`, or `outputName` when given (graph outputs need exact names).
   */
  op(
    name: string,
    opType: string,
    inputs: readonly string[],
    attrs: Record<string, AttrValue> = {},
    outputName?: string,
  ): string {
    let unique = name;
    for (let i = 1; this.usedNames.has(unique); i++) unique = `${name}_${i}`;
    this.usedNames.add(unique);
    const out = outputName ?? `${unique}_output_0`;
    const node: NodeProto = { name: unique, opType, input: [...inputs], output: [out] };
    const attribute_ = Object.entries(attrs).map(([k, v]) => attribute(k, v));
    if (attribute_.length) node.attribute = attribute_;
    this.nodes.push(node);
    return out;
  }

  /** A model parameter: goes to external data when the builder has a writer. */
  weight(name: string, dataType: number, dims: readonly number[], data: TensorData): string {
    const tensor: TensorProto = { name, dataType, dims: [...dims] };
    if (this.external) {
      const { offset, length } = this.external.append(bytesOf(data));
      tensor.dataLocation = 1; // EXTERNAL
      tensor.externalData = [
        { key: 'location', value: this.external.location },
        { key: 'offset', value: String(offset) },
        { key: 'length', value: String(length) },
      ];
    } else {
      // Copy: callers reuse scratch buffers, and protobufjs keeps the reference until encode.
      tensor.rawData = bytesOf(data).slice();
    }
    this.initializers.push(tensor);
    return name;
  }

  /** An inline initializer, never external (small constants an exporter would fold). */
  constant(name: string, dataType: number, dims: readonly number[], data: TensorData): string {
    this.initializers.push({ name, dataType, dims: [...dims], rawData: bytesOf(data).slice() });
    return name;
  }

  /** int64 constant, deduplicated by value; `dims` defaults to a 1-D tensor ([] makes a scalar). */
  int64(values: readonly number[], dims: readonly number[] = [values.length]): string {
    const key = `i64:${dims.join('x')}:${values.join(',')}`;
    const hit = this.constCache.get(key);
    if (hit) return hit;
    const name = `/const/int64_${this.constCache.size}`;
    this.constant(name, DataType.INT64, dims, BigInt64Array.from(values.map((v) => BigInt(v))));
    this.constCache.set(key, name);
    return name;
  }

  /** Float scalar (or 1-D) constant in the given float type, deduplicated by value. */
  float(values: number | readonly number[], dataType: number = DataType.FLOAT, dims?: readonly number[]): string {
    const list = typeof values === 'number' ? [values] : [...values];
    const shape = dims ?? (typeof values === 'number' ? [] : [list.length]);
    const key = `f${dataType}:${shape.join('x')}:${list.join(',')}`;
    const hit = this.constCache.get(key);
    if (hit) return hit;
    const name = `/const/float_${this.constCache.size}`;
    const data = dataType === DataType.FLOAT16 ? halfConst(list) : Float32Array.from(list);
    this.constant(name, dataType, shape, data);
    this.constCache.set(key, name);
    return name;
  }

  build(graphName: string, opset = 17): ModelProto {
    return {
      irVersion: 8,
      producerName: 'selar-modelgen',
      opsetImport: [{ domain: '', version: opset }],
      graph: {
        name: graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
        valueInfo: this.valueInfos,
      },
    };
  }
}

function halfConst(values: readonly number[]): Uint16Array {
  return Uint16Array.from(values.map(toHalfBits));
}
