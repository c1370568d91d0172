// Reading and writing ONNX ModelProto files with protobufjs and the vendored schema.
// Weights stay where they are: external-data tensors keep their `location`
// entries, so a rewritten graph still points at the user's original data file.
import fs from 'node:fs';
import protobuf from 'protobufjs';

const schemaPath = new URL('../../src/onnx/onnx.proto3', import.meta.url);

let root: protobuf.Root | undefined;
function modelType(): protobuf.Type {
  root ??= protobuf.loadSync(schemaPath.pathname);
  return root.lookupType('onnx.ModelProto');
}

/** TensorProto.DataType values used by this project. */
export const DataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  BFLOAT16: 16,
  UINT4: 21,
  INT4: 22,
} as const;

export interface StringStringEntry {
  key: string;
  value: string;
}
export interface TensorProto {
  name?: string;
  dims?: Array<number | Long>;
  dataType?: number;
  rawData?: Uint8Array;
  floatData?: number[];
  int32Data?: number[];
  int64Data?: Array<number | Long>;
  externalData?: StringStringEntry[];
  dataLocation?: number;
  [field: string]: unknown;
}
export interface AttributeProto {
  name: string;
  type?: number;
  f?: number;
  i?: number | Long;
  s?: Uint8Array;
  t?: TensorProto;
  g?: GraphProto;
  ints?: Array<number | Long>;
  floats?: number[];
  [field: string]: unknown;
}
export interface NodeProto {
  input: string[];
  output: string[];
  name?: string;
  opType: string;
  domain?: string;
  attribute?: AttributeProto[];
  [field: string]: unknown;
}
export interface Dimension {
  dimValue?: number | Long;
  dimParam?: string;
}
export interface ValueInfoProto {
  name: string;
  type?: { tensorType?: { elemType?: number; shape?: { dim?: Dimension[] } } };
  [field: string]: unknown;
}
export interface GraphProto {
  node: NodeProto[];
  name?: string;
  initializer: TensorProto[];
  input: ValueInfoProto[];
  output: ValueInfoProto[];
  valueInfo?: ValueInfoProto[];
  [field: string]: unknown;
}
export interface ModelProto {
  irVersion?: number | Long;
  opsetImport?: Array<{ domain?: string; version?: number | Long }>;
  graph: GraphProto;
  [field: string]: unknown;
}
type Long = { toNumber(): number };

/** int64 fields decode as Long when long.js is present; callers want numbers. */
export function toNumber(v: number | Long | undefined | null): number {
  if (v === undefined || v === null) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

function normalise(model: ModelProto): ModelProto {
  const g = model.graph;
  g.node ??= [];
  g.initializer ??= [];
  g.input ??= [];
  g.output ??= [];
  for (const n of g.node) {
    n.input ??= [];
    n.output ??= [];
  }
  return model;
}

export function decodeModel(bytes: Uint8Array): ModelProto {
  const type = modelType();
  const message = type.decode(bytes);
  const model = type.toObject(message, {
    defaults: false,
    arrays: true,
    longs: Number,
    bytes: Uint8Array as never,
  }) as ModelProto;
  if (!model.graph) throw new Error('not an ONNX model: no graph');
  return normalise(model);
}

export function encodeModel(model: ModelProto): Uint8Array {
  const type = modelType();
  return type.encode(type.fromObject(model)).finish();
}

export function readModel(file: string): ModelProto {
  return decodeModel(fs.readFileSync(file));
}
