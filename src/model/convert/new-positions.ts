// Makes every present output carry only the positions of the current step instead of
// the whole cache. onnxruntime-node wraps input arrays without copying but copies
// every output into a freshly allocated ArrayBuffer: returning the full present made
// it allocate, zero and copy the whole KV cache on every step, and V8 then collected
// those buffers (on the demo model at 8 sequences per worker, about 800 MB/s of
// garbage per worker, a full GC every ~80 ms). The decode loop instead appends the new
// positions to cache buffers it owns and reuses (DecoderSession.forward).
//
// Applies when every present is Concat(past, new) along the past's sequence axis (the
// Optimum / transformers export): the graph output becomes `new`, the Concat keeps
// feeding attention under another name. Any other form (GroupQueryAttention's shared
// buffer, presents made inside If branches) leaves the graph as it is: all or nothing,
// so the loop has one way to treat every cache tensor.
import type { GraphProto, NodeProto } from '../../onnx/proto.js';
import { toNumber } from '../../onnx/proto.js';
import { attrInt, consumers, NameAllocator, namesReadBySubgraphs, node } from './graph.js';

interface Rewrite {
  concat: NodeProto;
  present: string;
  rank: number;
}

function findRewrite(
  graph: GraphProto,
  pastName: string,
  outputs: Set<string>,
  inSubgraphs: Set<string>,
): Rewrite | null {
  const past = graph.input.find((i) => i.name === pastName)!;
  const dims = past.type?.tensorType?.shape?.dim;
  if (!dims) return null;
  const rank = dims.length;
  const concat = consumers(graph, pastName).find(
    (n) => n.opType === 'Concat' && n.input.length === 2 && n.input[0] === pastName && outputs.has(n.output[0]),
  );
  if (!concat || (concat.domain && concat.domain !== 'ai.onnx') || inSubgraphs.has(concat.output[0])) return null;
  const raw = attrInt(concat, 'axis', Number.NaN);
  const axis = raw < 0 ? raw + rank : raw;
  // The concatenated axis must be the past's growing one: symbolic, not a fixed size.
  const d = dims[axis];
  if (!d || (d.dimValue !== undefined && toNumber(d.dimValue) > 0 && !d.dimParam)) return null;
  return { concat, present: concat.output[0], rank };
}

/** Returns true when the presents were rewritten to the step's new positions. */
export function presentNewPositionsOnly(graph: GraphProto): boolean {
  const outputs = new Set(graph.output.map((o) => o.name));
  const pasts = graph.input.filter((i) => /^past/.test(i.name)).map((i) => i.name);
  if (pasts.length === 0) return false;
  const inSubgraphs = namesReadBySubgraphs(graph);
  const rewrites = pasts.map((p) => findRewrite(graph, p, outputs, inSubgraphs));
  if (rewrites.some((r) => r === null)) return false;
  const names = new NameAllocator(graph);
  for (const r of rewrites as Rewrite[]) {
    const full = names.fresh(`${r.present}/full`);
    for (const c of consumers(graph, r.present)) c.input = c.input.map((x) => (x === r.present ? full : x));
    r.concat.output[0] = full;
    const at = graph.node.indexOf(r.concat) + 1;
    graph.node.splice(
      at,
      0,
      node('Identity', [r.concat.input[1]], [r.present], names.fresh(`/selar/new_positions_${r.present}`)),
    );
    // The output's sequence dimension is now this step's length, not past + this step.
    const dims = graph.output.find((o) => o.name === r.present)?.type?.tensorType?.shape?.dim;
    const axis = attrInt(r.concat, 'axis', 0);
    if (dims && dims.length === r.rank) dims[axis < 0 ? axis + r.rank : axis] = { dimParam: 'new_positions' };
    if (graph.valueInfo) graph.valueInfo = graph.valueInfo.filter((v) => v.name !== r.present);
  }
  return true;
}
