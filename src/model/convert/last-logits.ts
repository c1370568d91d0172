// Makes the derived decoder return logits for the last position only, so a prefill of
// T tokens never materialises a [T, V] logits tensor (150k vocab × 2k tokens = 600 MB).
import type { GraphProto, ModelProto, NodeProto } from '../../onnx/proto.js';
import { INT64_MAX, NameAllocator, defaultOpset, int64Tensor, isConstant, producer, sliceNodes } from './graph.js';

/** Inputs through which exporters let the caller choose how many logits to compute. */
const KEEP_INPUTS = ['num_logits_to_keep', 'logits_to_keep'];

/** Ops between the LM head MatMul and `logits` that act per position (casts, bias, soft-capping). */
const PER_POSITION = new Set(['Cast', 'Add', 'Sub', 'Mul', 'Div', 'Tanh', 'Identity', 'Softcap']);

export function logitsOutputName(graph: GraphProto): string | undefined {
  return graph.output.find((o) => o.name === 'logits')?.name ?? graph.output.find((o) => o.name.includes('logits'))?.name;
}

/** The MatMul/Gemm producing the logits, reached through per-position ops only. */
function findLmHead(graph: GraphProto, logits: string): NodeProto | undefined {
  let name = logits;
  for (let hops = 0; hops < 16; hops++) {
    const n = producer(graph, name);
    if (!n || (n.domain && n.domain !== 'ai.onnx')) return undefined;
    if (n.opType === 'MatMul') return n;
    if (!PER_POSITION.has(n.opType)) return undefined;
    const dynamic = n.input.filter((i) => i && !isConstant(graph, i));
    if (dynamic.length !== 1) return undefined;
    name = dynamic[0];
  }
  return undefined;
}

/**
 * Returns true when the graph now yields [B, 1, V] logits: either a keep-count input was
 * pinned to 1, or a Slice on the sequence axis was inserted before the LM head MatMul.
 */
export function keepLastLogitsOnly(model: ModelProto): boolean {
  const graph = model.graph;
  const logits = logitsOutputName(graph);
  if (!logits) return false;
  const keep = graph.input.find((i) => KEEP_INPUTS.includes(i.name));
  if (keep) {
    graph.input = graph.input.filter((i) => i !== keep);
    graph.initializer.push(int64Tensor(keep.name, [1], keep.type?.tensorType?.shape?.dim?.length ? [1] : []));
  } else {
    const head = findLmHead(graph, logits);
    if (!head) return false;
    // The hidden state must be [B, T, H] for the sequence axis to be axis 1.
    const hiddenInfo = [...graph.input, ...(graph.valueInfo ?? [])].find((v) => v.name === head.input[0]);
    const rank = hiddenInfo?.type?.tensorType?.shape?.dim?.length;
    if (rank !== undefined && rank !== 3) return false;
    const names = new NameAllocator(graph);
    const last = names.fresh(`${head.input[0]}/last_position`);
    const s = sliceNodes(names, defaultOpset(model), head.input[0], last, [-1], [INT64_MAX], [1]);
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
  if (dims && dims.length === 3) dims[1] = { dimValue: 1 };
  return true;
}
