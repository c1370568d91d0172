// Small helpers for editing an ONNX graph in place: who consumes a tensor, which
// names are taken, and builders for the few nodes and constants the converter adds.
import { DataType, toNumber } from '../../onnx/proto.js';
import type {
  AttributeProto,
  GraphProto,
  ModelProto,
  NodeProto,
  TensorProto,
  ValueInfoProto,
} from '../../onnx/proto.js';

export const INT64_MAX = 9223372036854775807n;

/** Opset version of the default ONNX domain; Slice and Squeeze changed form at 10 and 13. */
export function defaultOpset(model: ModelProto): number {
  for (const o of model.opsetImport ?? []) {
    if (!o.domain || o.domain === 'ai.onnx') return toNumber(o.version);
  }
  return 1;
}

export function attr(node: NodeProto, name: string): AttributeProto | undefined {
  return node.attribute?.find((a) => a.name === name);
}

export function attrInt(node: NodeProto, name: string, fallback: number): number {
  const a = attr(node, name);
  return a && a.i !== undefined ? toNumber(a.i) : fallback;
}

/** Subgraphs of If/Loop/Scan nodes: outer-scope names may be referenced from there. */
export function subgraphs(node: NodeProto): GraphProto[] {
  const out: GraphProto[] = [];
  for (const a of node.attribute ?? []) {
    if (a.g) out.push(a.g);
    for (const g of (a.graphs as GraphProto[] | undefined) ?? []) out.push(g);
  }
  return out;
}

/** Every tensor name read by some node, in this graph and in nested subgraphs. */
export function usedNames(graph: GraphProto, into = new Set<string>()): Set<string> {
  for (const n of graph.node) {
    for (const i of n.input) if (i) into.add(i);
    for (const g of subgraphs(n)) usedNames(g, into);
  }
  for (const o of graph.output) into.add(o.name);
  return into;
}

export function consumers(graph: GraphProto, name: string): NodeProto[] {
  return graph.node.filter((n) => n.input.includes(name));
}

/** Names read from inside subgraphs of this graph's nodes (not the top-level node inputs). */
export function namesReadBySubgraphs(graph: GraphProto): Set<string> {
  const names = new Set<string>();
  for (const n of graph.node) for (const g of subgraphs(n)) usedNames(g, names);
  return names;
}

export function producer(graph: GraphProto, name: string): NodeProto | undefined {
  return graph.node.find((n) => n.output.includes(name));
}

export function initializer(graph: GraphProto, name: string): TensorProto | undefined {
  return graph.initializer.find((t) => t.name === name);
}

/** True when the tensor is fixed at load time: an initializer or a Constant node's output. */
export function isConstant(graph: GraphProto, name: string): boolean {
  if (initializer(graph, name)) return true;
  return producer(graph, name)?.opType === 'Constant';
}

/** Hands out tensor and node names that do not collide with anything in the model. */
export class NameAllocator {
  private taken = new Set<string>();
  constructor(graph: GraphProto) {
    const visit = (g: GraphProto): void => {
      for (const n of g.node) {
        for (const x of [...n.input, ...n.output]) this.taken.add(x);
        if (n.name) this.taken.add(n.name);
        for (const s of subgraphs(n)) visit(s);
      }
      for (const t of g.initializer) if (t.name) this.taken.add(t.name);
      for (const v of [...g.input, ...g.output, ...(g.valueInfo ?? [])]) this.taken.add(v.name);
    };
    visit(graph);
  }
  fresh(base: string): string {
    let name = base;
    for (let k = 1; this.taken.has(name); k++) name = `${base}_${k}`;
    this.taken.add(name);
    return name;
  }
  /** Reserves a name that must be exactly this one (a new graph input). */
  claim(name: string): boolean {
    if (this.taken.has(name)) return false;
    this.taken.add(name);
    return true;
  }
}

export function int64Tensor(
  name: string,
  values: Array<number | bigint>,
  dims: number[] = [values.length],
): TensorProto {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  for (const [i, v] of values.entries()) view.setBigInt64(i * 8, BigInt(v), true);
  return { name, dims, dataType: DataType.INT64, rawData: bytes };
}

export function node(
  opType: string,
  inputs: string[],
  outputs: string[],
  name: string,
  attributes: AttributeProto[] = [],
  domain?: string,
): NodeProto {
  const n: NodeProto = { opType, input: inputs, output: outputs, name, attribute: attributes };
  if (domain) n.domain = domain;
  return n;
}

export const intAttr = (name: string, value: number): AttributeProto => ({ name, type: 2, i: value });
export const intsAttr = (name: string, values: number[]): AttributeProto => ({ name, type: 7, ints: values });

/**
 * Slice along axes, in the form the model's opset accepts (attributes before opset 10,
 * inputs from 10). Returns the nodes and the initializers they need.
 */
export function sliceNodes(
  names: NameAllocator,
  opset: number,
  input: string,
  output: string,
  starts: Array<number | bigint>,
  ends: Array<number | bigint>,
  axes: number[],
): { nodes: NodeProto[]; inits: TensorProto[] } {
  const nodeName = names.fresh(`/selar/Slice_${output}`);
  if (opset < 10) {
    const clamp = (v: number | bigint): number =>
      typeof v === 'bigint' ? Number(v > BigInt(Number.MAX_SAFE_INTEGER) ? BigInt(Number.MAX_SAFE_INTEGER) : v) : v;
    return {
      nodes: [
        node('Slice', [input], [output], nodeName, [
          intsAttr('starts', starts.map(clamp)),
          intsAttr('ends', ends.map(clamp)),
          intsAttr('axes', axes),
        ]),
      ],
      inits: [],
    };
  }
  const s = int64Tensor(names.fresh(`${nodeName}/starts`), starts);
  const e = int64Tensor(names.fresh(`${nodeName}/ends`), ends);
  const a = int64Tensor(names.fresh(`${nodeName}/axes`), axes);
  return { nodes: [node('Slice', [input, s.name!, e.name!, a.name!], [output], nodeName)], inits: [s, e, a] };
}

/**
 * Removes nodes whose outputs nobody reads (iterating until stable) and initializers
 * nothing references. Keeps the model small after the embedding lookup is cut out.
 */
export function removeDeadCode(graph: GraphProto): void {
  for (;;) {
    const used = usedNames(graph);
    const before = graph.node.length;
    graph.node = graph.node.filter((n) => n.output.some((o) => o && used.has(o)));
    if (graph.node.length === before) break;
  }
  const used = usedNames(graph);
  graph.initializer = graph.initializer.filter((t) => used.has(t.name ?? ''));
  if (graph.valueInfo)
    graph.valueInfo = graph.valueInfo.filter(
      (v) => used.has(v.name) || graph.node.some((n) => n.output.includes(v.name)),
    );
}

export function tensorElemType(v: ValueInfoProto | undefined): number | undefined {
  return v?.type?.tensorType?.elemType;
}

export function dtypeName(dataType: number | undefined): 'float32' | 'float16' | undefined {
  if (dataType === DataType.FLOAT) return 'float32';
  if (dataType === DataType.FLOAT16) return 'float16';
  return undefined;
}

const typeNames: Record<number, string> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  6: 'int32',
  7: 'int64',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  16: 'bfloat16',
  21: 'uint4',
  22: 'int4',
};
export function describeType(dataType: number | undefined): string {
  return dataType === undefined ? 'unknown type' : (typeNames[dataType] ?? `ONNX type ${dataType}`);
}
