// Whether a decoder can run rows of different lengths in one batch by left padding.
// That needs an attention_mask the attention actually reads and explicit position_ids
// (so a padded row keeps its own positions). GroupQueryAttention-style kernels derive
// per-row lengths from the mask and assume every row's tokens start at position 0 of
// the cache (right padding), so a left-padded row would attend to its padding.
import type { GraphProto } from '../../onnx/proto.js';
import { subgraphs } from './graph.js';

const RIGHT_ALIGNED_ATTENTION = new Set(['GroupQueryAttention', 'SparseAttention', 'PagedAttention']);

function usesRightAlignedAttention(graph: GraphProto): boolean {
  return graph.node.some((n) => RIGHT_ALIGNED_ATTENTION.has(n.opType) || subgraphs(n).some(usesRightAlignedAttention));
}

export function honoursLeftPadding(graph: GraphProto): boolean {
  const inputs = new Set(graph.input.map((i) => i.name));
  return inputs.has('attention_mask') && inputs.has('position_ids') && !usesRightAlignedAttention(graph);
}
