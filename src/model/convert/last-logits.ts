// Makes the derived decoder return logits for the last position only, so a prefill of
// T tokens never materialises a [T, V] logits tensor (150k vocab × 2k tokens = 600 MB).
// The count is an input the decode loop feeds (1 at every step): a prefill that needs
// every prompt position's logits (prompt logprobs) feeds T instead, in the same graph.
import { DataType, type GraphProto, type ModelProto, type NodeProto } from '../../onnx/proto.js';
import {
  INT64_MAX,
  NameAllocator,
  defaultOpset,
  int64Tensor,
  isConstant,
  node,
  producer,
  sliceNodes,
} from './graph.js';

/** Inputs through which exporters let the caller choose how many logits to compute. */
const KEEP_INPUTS = ['num_logits_to_keep', 'logits_to_keep'];
/** The keep-count input a derived decoder gains where the export has none. */
export const KEEP_INPUT = 'logits_to_keep';

export interface LastLogits {
  /** The graph yields [B, 1, V] logits unless told otherwise. */
  lastOnly: boolean;
  /** An optional int64 input (default 1): how many final positions get logits; null when fixed. */
  keepInput: string | null;
}

/** Ops between the LM head MatMul and `logits` that act per position (casts, bias, soft-capping). */
const PER_POSITION = new Set(['Cast', 'Add', 'Sub', 'Mul', 'Div', 'Tanh', 'Identity', 'Softcap']);

export function logitsOutputName(graph: GraphProto): string | undefined {
  return (
    graph.output.find((o) => o.name === 'logits')?.name ?? graph.output.find((o) => o.name.includes('logits'))?.name
  );
}

/** The MatMul (or MatMulNBits) producing the logits, reached through per-position ops only. */
function findLmHead(graph: GraphProto, logits: string): NodeProto | undefined {
  let name = logits;
  for (let hops = 0; hops < 16; hops++) {
    const n = producer(graph, name);
    if (!n) return undefined;
    // A quantized export's head (MatMulNBits) slices the same way: it acts per position too.
    if (n.opType === 'MatMulNBits' && n.domain === 'com.microsoft') return n;
    if (n.domain && n.domain !== 'ai.onnx') return undefined;
    if (n.opType === 'MatMul') return n;
    if (!PER_POSITION.has(n.opType)) return undefined;
    const dynamic = n.input.filter((i) => i && !isConstant(graph, i));
    if (dynamic.length !== 1) return undefined;
    name = dynamic[0];
  }
  return undefined;
}

/**
 * Makes the graph yield the last N positions' logits, N an int64 input the caller feeds
 * (1 when decoding): an exporter's own keep-count input, or a Slice of the last
 * `logits_to_keep` positions inserted before the LM head MatMul. Where the opset's
 * Slice takes no tensor inputs (< 10), the slice is pinned to the last position.
 */
export function keepLastLogitsOnly(model: ModelProto): LastLogits {
  const graph = model.graph;
  const logits = logitsOutputName(graph);
  const unchanged: LastLogits = { lastOnly: false, keepInput: null };
  if (!logits) return unchanged;
  const keep = graph.input.find((i) => KEEP_INPUTS.includes(i.name));
  let keepInput: string | null = null;
  if (keep) keepInput = keep.name;
  else {
    const head = findLmHead(graph, logits);
    if (!head) return unchanged;
    // The hidden state must be [B, T, H] for the sequence axis to be axis 1.
    const hiddenInfo = [...graph.input, ...(graph.valueInfo ?? [])].find((v) => v.name === head.input[0]);
    const rank = hiddenInfo?.type?.tensorType?.shape?.dim?.length;
    if (rank !== undefined && rank !== 3) return unchanged;
    const names = new NameAllocator(graph);
    const last = names.fresh(`${head.input[0]}/last_position`);
    const opset = defaultOpset(model);
    const s = sliceNodes(names, opset, head.input[0], last, [-1], [INT64_MAX], [1]);
    if (opset >= 10 && names.claim(KEEP_INPUT)) {
      // starts = -logits_to_keep, the scalar input reshaped to the [1] that Slice takes.
      const shape = int64Tensor(names.fresh('/selar/logits_to_keep/shape'), [1]);
      const keep1 = names.fresh('/selar/logits_to_keep/reshaped');
      const start = names.fresh('/selar/logits_to_keep/start');
      s.nodes.unshift(
        node('Reshape', [KEEP_INPUT, shape.name!], [keep1], names.fresh('/selar/logits_to_keep/Reshape')),
        node('Neg', [keep1], [start], names.fresh('/selar/logits_to_keep/Neg')),
      );
      const slice = s.nodes[s.nodes.length - 1];
      s.inits = s.inits.filter((i) => i.name !== slice.input[1]);
      slice.input[1] = start;
      s.inits.push(shape);
      graph.input.push({ name: KEEP_INPUT, type: { tensorType: { elemType: DataType.INT64, shape: { dim: [] } } } });
      keepInput = KEEP_INPUT;
    }
    graph.node.splice(graph.node.indexOf(head), 0, ...s.nodes);
    graph.initializer.push(...s.inits);
    head.input[0] = last;
    // Shapes recorded between the head and the output still say T: let ORT infer them.
    if (graph.valueInfo) {
      const stale = new Set<string>();
      for (let n: NodeProto | undefined = head; n; ) {
        stale.add(n.output[0]);
        n = graph.node.find((m) => m.input.some((i) => stale.has(i)) && !stale.has(m.output[0]));
      }
      graph.valueInfo = graph.valueInfo.filter((v) => !stale.has(v.name));
    }
  }
  const out = graph.output.find((o) => o.name === logits);
  const dims = out?.type?.tensorType?.shape?.dim;
  if (dims && dims.length === 3) dims[1] = keepInput ? { dimParam: 'logits_positions' } : { dimValue: 1 };
  return { lastOnly: true, keepInput };
}
