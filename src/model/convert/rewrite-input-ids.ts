// Turns an input_ids decoder into an inputs_embeds decoder. The cut is made exactly
// at the lookup's output, so anything after it (Gemma's √H scaling, position
// embeddings, LayerNorm) stays in the graph and soft mixes see the same raw rows.
import type { GraphProto, ModelProto, NodeProto, TensorProto, ValueInfoProto } from '../../onnx/proto.js';
import { ModelLoadError } from '../../errors.js';
import type { InputIdsAnalysis } from './analyse-input-ids.js';
import { lookupIndices } from './analyse-input-ids.js';
import { DataType } from '../../onnx/proto.js';
import { NameAllocator, attr, defaultOpset, int64Tensor, intAttr, node, removeDeadCode, sliceNodes } from './graph.js';

export interface EmbedsInputSpec {
  name: string;
  elemType: number;
  hidden: number;
}

function embedsValueInfo(graph: GraphProto, idsName: string, spec: EmbedsInputSpec): ValueInfoProto {
  const ids = graph.input.find((i) => i.name === idsName)!;
  const dims = ids.type?.tensorType?.shape?.dim ?? [{ dimParam: 'batch_size' }, { dimParam: 'sequence_length' }];
  return {
    name: spec.name,
    type: {
      tensorType: {
        elemType: spec.elemType,
        shape: { dim: [...dims.map((d) => ({ ...d })), { dimValue: spec.hidden }] },
      },
    },
  };
}

class Rewriter {
  readonly names: NameAllocator;
  readonly opset: number;
  readonly added: NodeProto[] = [];
  readonly inits: TensorProto[] = [];
  /** Maps each id tensor to the embeddings tensor holding its rows. */
  readonly embedsOf = new Map<string, string>();

  constructor(
    readonly model: ModelProto,
    readonly spec: EmbedsInputSpec,
  ) {
    this.names = new NameAllocator(model.graph);
    this.opset = defaultOpset(model);
  }

  private emit(
    opType: string,
    inputs: string[],
    output: string,
    attributes = [] as NonNullable<NodeProto['attribute']>,
  ): string {
    this.added.push(node(opType, inputs, [output], this.names.fresh(`/selar/${opType}`), attributes));
    return output;
  }

  private const64(base: string, values: number[], dims?: number[]): string {
    const t = int64Tensor(this.names.fresh(`/selar/${base}`), values, dims);
    this.inits.push(t);
    return t.name!;
  }

  private slice(input: string, output: string, starts: Array<number | bigint>, ends: Array<number | bigint>): string {
    const s = sliceNodes(this.names, this.opset, input, output, starts, ends, [0]);
    this.added.push(...s.nodes);
    this.inits.push(...s.inits);
    return output;
  }

  /** Shape(ids) equals Shape(embeds) without its last (hidden) dimension. */
  shape(n: NodeProto, embeds: string): NodeProto[] {
    const full = this.emit('Shape', [embeds], this.names.fresh('/selar/embeds_shape'));
    const start = attr(n, 'start');
    const end = attr(n, 'end');
    if (!start && !end) {
      this.slice(full, n.output[0], [0], [-1]);
    } else {
      const ids = this.slice(full, this.names.fresh('/selar/ids_shape'), [0], [-1]);
      this.slice(
        ids,
        n.output[0],
        [Number(start?.i ?? 0)],
        [end?.i !== undefined ? Number(end.i) : 9223372036854775807n],
      );
    }
    return this.take();
  }

  /** Reshape(ids, s) becomes Reshape(embeds, s ++ [H]): the same view with the rows attached. */
  reshape(n: NodeProto, embeds: string): NodeProto[] {
    const hidden = this.const64('hidden', [this.spec.hidden]);
    const target = this.emit('Concat', [n.input[1], hidden], this.names.fresh('/selar/embeds_view_shape'), [
      intAttr('axis', 0),
    ]);
    const out = this.emit('Reshape', [embeds, target], this.names.fresh(`${n.output[0]}/embeds`));
    this.embedsOf.set(n.output[0], out);
    return this.take();
  }

  /**
   * The fused com.microsoft:EmbedLayerNormalization keeps working unchanged (word +
   * position (+ segment) embedding, LayerNorm, mask_index, embedding_sum) when its
   * word table is the flattened inputs_embeds [B*T, H] and its ids are 0..B*T-1:
   * row b*T+t of that table is exactly inputs_embeds[b, t]. Unlike an unfused
   * Add + LayerNormalization this reproduces the kernel's arithmetic bit for bit.
   */
  embedLayerNorm(n: NodeProto, embeds: string): NodeProto[] {
    const flat = this.emit(
      'Reshape',
      [embeds, this.const64('flat_shape', [-1, this.spec.hidden])],
      this.names.fresh('/selar/embeds_rows'),
    );
    const rowsShape = this.emit('Shape', [flat], this.names.fresh('/selar/embeds_rows_shape'));
    const count = this.emit(
      'Gather',
      [rowsShape, this.const64('zero', [0], [])],
      this.names.fresh('/selar/row_count'),
      [intAttr('axis', 0)],
    );
    const range = this.emit(
      'Range',
      [this.const64('zero', [0], []), count, this.const64('one', [1], [])],
      this.names.fresh('/selar/row_range'),
    );
    const idsShape = this.slice(
      this.emit('Shape', [embeds], this.names.fresh('/selar/embeds_shape')),
      this.names.fresh('/selar/ids_shape'),
      [0],
      [-1],
    );
    const ids64 = this.emit('Reshape', [range, idsShape], this.names.fresh('/selar/row_ids64'));
    const ids32 = this.emit('Cast', [ids64], this.names.fresh('/selar/row_ids'), [intAttr('to', DataType.INT32)]);
    n.input[0] = ids32;
    n.input[2] = flat;
    return this.take();
  }

  private take(): NodeProto[] {
    return this.added.splice(0, this.added.length);
  }
}

/** Rewrites the graph in place; `analysis` must come from the same, unmodified graph. */
export function rewriteInputIdsToEmbeds(
  model: ModelProto,
  analysis: InputIdsAnalysis,
  spec: EmbedsInputSpec,
  file: string,
): string {
  const graph = model.graph;
  const rw = new Rewriter(model, spec);
  if (!rw.names.claim(spec.name)) throw new ModelLoadError(`the graph already has a tensor named ${spec.name}`, file);
  rw.embedsOf.set(analysis.inputIdsName, spec.name);

  const out: NodeProto[] = [];
  const handled = new Map(analysis.uses.map((u) => [u.node, u]));
  for (const n of graph.node) {
    const use = handled.get(n);
    if (!use) {
      out.push(n);
      continue;
    }
    const id =
      use.kind === 'gather' || use.kind === 'gather-block-quantized' || use.kind === 'embed-layer-norm'
        ? lookupIndices(use)
        : n.input[0];
    const embeds = rw.embedsOf.get(id);
    if (!embeds) throw new ModelLoadError(`internal: no embeddings tensor for ${id}`, file);
    switch (use.kind) {
      case 'cast':
        rw.embedsOf.set(n.output[0], embeds);
        break; // same rows, any id type
      case 'reshape':
        out.push(...rw.reshape(n, embeds));
        break;
      case 'shape':
        out.push(...rw.shape(n, embeds));
        break;
      case 'gather':
      case 'gather-block-quantized':
        // Identity keeps the lookup's output name, so every consumer (including
        // subgraphs) reads the new input without being renamed.
        out.push(node('Identity', [embeds], [n.output[0]], rw.names.fresh(`${n.name ?? 'embedding'}/inputs_embeds`)));
        break;
      case 'embed-layer-norm':
        out.push(...rw.embedLayerNorm(n, embeds), n);
        break;
    }
  }
  graph.node = out;
  graph.initializer.push(...rw.inits);
  const idsIndex = graph.input.findIndex((i) => i.name === analysis.inputIdsName);
  graph.input.splice(idsIndex, 1, embedsValueInfo(graph, analysis.inputIdsName, spec));
  if (graph.valueInfo) graph.valueInfo = graph.valueInfo.filter((v) => !analysis.idTensors.has(v.name));
  removeDeadCode(graph);
  return spec.name;
}
