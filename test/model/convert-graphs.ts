// Hand-built graphs for convert-patterns.test.ts and convert-errors.test.ts: each one
// shows a single export pattern (Cast before the Gather, Shape with start/end,
// num_logits_to_keep, q4 GatherBlockQuantized, split embed_tokens + decoder, ...).
import fs from 'node:fs';
import path from 'node:path';
import { DataType, encodeModel } from '../../src/onnx/proto.js';
import type { AttributeProto, ModelProto, NodeProto, TensorProto, ValueInfoProto } from '../../src/onnx/proto.js';

export const V = 40;
export const H = 32;

/** Deterministic pseudo-random floats in [-1, 1). */
export function values(count: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: count }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

export class Graph {
  nodes: NodeProto[] = [];
  inits: TensorProto[] = [];
  inputs: ValueInfoProto[] = [];
  outputs: ValueInfoProto[] = [];
  private count = 0;

  input(name: string, elemType: number, dims: Array<string | number>): string {
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }
  output(name: string, elemType: number, dims: Array<string | number>): void {
    this.outputs.push(valueInfo(name, elemType, dims));
  }
  tensor(name: string, dataType: number, dims: number[], bytes: Uint8Array): string {
    this.inits.push({ name, dataType, dims, rawData: bytes });
    return name;
  }
  f32(name: string, dims: number[], data: Float32Array): string {
    return this.tensor(name, DataType.FLOAT, dims, new Uint8Array(data.buffer.slice(0)));
  }
  i64(name: string, data: number[], dims: number[] = [data.length]): string {
    return this.tensor(name, DataType.INT64, dims, new Uint8Array(BigInt64Array.from(data, (v) => BigInt(v)).buffer));
  }
  op(
    opType: string,
    inputs: string[],
    attrs: Record<string, number | number[]> = {},
    domain?: string,
    output?: string,
  ): string {
    const out = output ?? `t${this.count++}_${opType}`;
    const attribute: AttributeProto[] = Object.entries(attrs).map(([name, v]) =>
      Array.isArray(v)
        ? { name, type: 7, ints: v }
        : Number.isInteger(v)
          ? { name, type: 2, i: v }
          : { name, type: 1, f: v },
    );
    this.nodes.push({
      opType,
      input: inputs,
      output: [out],
      name: `n${this.count++}`,
      attribute,
      ...(domain ? { domain } : {}),
    });
    return out;
  }
  model(opset = 17, msOpset = false): ModelProto {
    return {
      irVersion: 8,
      opsetImport: [{ domain: '', version: opset }, ...(msOpset ? [{ domain: 'com.microsoft', version: 1 }] : [])],
      graph: { name: 'g', node: this.nodes, initializer: this.inits, input: this.inputs, output: this.outputs },
    };
  }
}

function valueInfo(name: string, elemType: number, dims: Array<string | number>): ValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}

export function save(file: string, model: ModelProto): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, encodeModel(model));
  return file;
}

/** LM head: logits = h · W + b, [B, T, V]. */
export function lmHead(g: Graph, h: string): void {
  const w = g.f32('lm_head.weight', [H, V], values(H * V, 2));
  const b = g.f32('lm_head.bias', [V], values(V, 3));
  g.op('Add', [g.op('MatMul', [h, w]), b], {}, undefined, 'logits');
  g.output('logits', DataType.FLOAT, ['batch', 'sequence', V]);
}

/**
 * Gemma-like: ids are cast to int32 before the Gather, the rows are scaled by √H after
 * it, and Shape(input_ids) (plain and with start=1) feeds the computation.
 */
export function scaledEmbeddingModel(): ModelProto {
  const g = new Graph();
  g.input('input_ids', DataType.INT64, ['batch', 'sequence']);
  const ids32 = g.op('Cast', ['input_ids'], { to: DataType.INT32 });
  const rows = g.op('Gather', [g.f32('embed.weight', [V, H], values(V * H, 1)), ids32], { axis: 0 });
  const scaled = g.op('Mul', [rows, g.f32('sqrt_h', [], Float32Array.of(Math.sqrt(H)))]);
  const seq = g.op('Cast', [g.op('Shape', ['input_ids'], { start: 1 })], { to: DataType.FLOAT });
  const dims = g.op('Cast', [g.op('Shape', ['input_ids'])], { to: DataType.FLOAT });
  const total = g.op('ReduceSum', [dims], { keepdims: 0 });
  const shifted = g.op('Add', [
    g.op('Add', [scaled, seq]),
    g.op('Mul', [total, g.f32('small', [], Float32Array.of(0.01))]),
  ]);
  lmHead(g, shifted);
  return g.model();
}

/** An exporter's `num_logits_to_keep` input slicing the hidden state itself. */
export function keepInputModel(): ModelProto {
  const g = new Graph();
  g.input('input_ids', DataType.INT64, ['batch', 'sequence']);
  g.input('num_logits_to_keep', DataType.INT64, []);
  const rows = g.op('Gather', [g.f32('embed.weight', [V, H], values(V * H, 1)), 'input_ids']);
  const start = g.op('Unsqueeze', [g.op('Neg', ['num_logits_to_keep']), g.i64('axis0', [0])]);
  const kept = g.op('Slice', [rows, start, g.i64('end', [2 ** 53]), g.i64('axes', [1])]);
  lmHead(g, g.op('Tanh', [kept]));
  return g.model();
}

/** GPT-2 as torch exports it: input_ids.view(-1, T) before the Gather. */
export function reshapedIdsModel(): ModelProto {
  const g = new Graph();
  g.input('input_ids', DataType.INT64, ['batch', 'sequence']);
  const t = g.op('Unsqueeze', [
    g.op('Gather', [g.op('Shape', ['input_ids']), g.i64('last', [-1], [])], { axis: 0 }),
    g.i64('axis0', [0]),
  ]);
  const view = g.op('Reshape', ['input_ids', g.op('Concat', [g.i64('minus1', [-1]), t], { axis: 0 })]);
  const rows = g.op('Gather', [g.f32('wte', [V, H], values(V * H, 1)), view]);
  lmHead(g, g.op('Relu', [rows]));
  return g.model();
}

/** q4 embedding as transformers.js exports it: com.microsoft:GatherBlockQuantized, uint8-packed nibbles. */
export const BLOCK = 16;
export function quantizedTable(): { packed: Uint8Array; scales: Float32Array } {
  const q = values(V * H, 9).map((x) => Math.floor((x + 1) * 8)); // nibbles 0..15
  const packed = new Uint8Array((V * H) / 2);
  for (let i = 0; i < packed.length; i++) packed[i] = (q[2 * i] & 0xf) | ((q[2 * i + 1] & 0xf) << 4);
  const scales = values((V * H) / BLOCK, 10).map((x) => 0.05 + Math.abs(x) * 0.1);
  return { packed, scales };
}
export function quantizedEmbeddingModel(): ModelProto {
  const g = new Graph();
  g.input('input_ids', DataType.INT64, ['batch', 'sequence']);
  const { packed, scales } = quantizedTable();
  const data = g.tensor('embed.q4', DataType.UINT8, [V, H / 2], packed);
  const sc = g.f32('embed.scales', [V, H / BLOCK], scales);
  const rows = g.op(
    'GatherBlockQuantized',
    [data, 'input_ids', sc],
    { block_size: BLOCK, gather_axis: 0, quantize_axis: 1, bits: 4 },
    'com.microsoft',
  );
  lmHead(g, rows);
  return g.model(17, true);
}

/** The split export: embed_tokens.onnx (ids → rows) and a decoder that takes inputs_embeds. */
export function writeSplitExport(dir: string): { embed: string; decoder: string } {
  const e = new Graph();
  e.input('input_ids', DataType.INT64, ['batch', 'sequence']);
  e.op('Gather', [e.f32('embed.weight', [V, H], values(V * H, 1)), 'input_ids'], {}, undefined, 'inputs_embeds');
  e.output('inputs_embeds', DataType.FLOAT, ['batch', 'sequence', H]);
  const d = new Graph();
  d.input('inputs_embeds', DataType.FLOAT, ['batch', 'sequence', H]);
  lmHead(d, d.op('Sigmoid', ['inputs_embeds']));
  return {
    embed: save(path.join(dir, 'onnx', 'embed_tokens.onnx'), e.model()),
    decoder: save(path.join(dir, 'onnx', 'decoder_model_merged.onnx'), d.model()),
  };
}
