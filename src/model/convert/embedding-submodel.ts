// Embedding access for tables that are not plain fp32/fp16 rows (GatherBlockQuantized
// q4 tables, tables computed by DequantizeLinear and the like): a tiny model holding
// just the lookup and the nodes that produce its table. Its initializers keep their
// external-data entries, so the weights are read from the user's file, not copied.
import * as ort from 'onnxruntime-node';
import type { GraphProto, ModelProto, NodeProto, TensorProto } from '../../onnx/proto.js';
import { DataType, encodeModel } from '../../onnx/proto.js';
import { ModelLoadError } from '../../errors.js';
import { describeType, initializer, producer } from './graph.js';
import { dimsOf } from './tensor-data.js';
import { writeFileAtomic } from './cache.js';
import { createSession } from './session.js';
import type { EmbeddingModelRef } from './types.js';

export const IDS = 'input_ids';
export const ROWS = 'embeddings';

/** A model of just the lookup: ids [batch, sequence] in as IDS, rows out as ROWS. */
export function embeddingModelProto(
  model: ModelProto,
  nodes: NodeProto[],
  inits: TensorProto[],
  idsType: number,
): ModelProto {
  const ids = { elemType: idsType, shape: { dim: [{ dimParam: 'batch' }, { dimParam: 'sequence' }] } };
  return {
    irVersion: model.irVersion,
    opsetImport: model.opsetImport,
    producerName: 'selar-server convert',
    graph: {
      name: 'embedding',
      node: nodes,
      initializer: inits,
      input: [{ name: IDS, type: { tensorType: ids } }],
      output: [{ name: ROWS }],
    },
  };
}

/** Nodes and initializers that compute `names` from constants only, in graph order. */
function constantCone(graph: GraphProto, names: string[], file: string): { nodes: NodeProto[]; inits: TensorProto[] } {
  const nodes = new Set<NodeProto>();
  const inits = new Set<TensorProto>();
  const stack = names.filter(Boolean);
  const seen = new Set<string>();
  while (stack.length) {
    const name = stack.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const t = initializer(graph, name);
    if (t) {
      inits.add(t);
      continue;
    }
    const n = producer(graph, name);
    if (!n) throw new ModelLoadError(`the embedding table depends on graph input ${name}; cannot extract it`, file);
    nodes.add(n);
    stack.push(...n.input.filter(Boolean));
  }
  return { nodes: graph.node.filter((n) => nodes.has(n)), inits: graph.initializer.filter((t) => inits.has(t)) };
}

/** Number of table rows when the data input is an initializer gathered on axis 0. */
function tableRows(graph: GraphProto, lookup: NodeProto): number | undefined {
  const t = initializer(graph, lookup.input[0]);
  return t ? dimsOf(t)[0] : undefined;
}

export async function writeEmbeddingSubModel(
  model: ModelProto,
  lookup: NodeProto,
  idsType: number,
  outPath: string,
  externalDataDir: string | null,
  file: string,
  fallbackRows: number,
): Promise<EmbeddingModelRef> {
  const graph = model.graph;
  if (idsType !== DataType.INT64 && idsType !== DataType.INT32)
    throw new ModelLoadError(`embedding lookup reads ids of type ${describeType(idsType)}`, file);
  const cone = constantCone(
    graph,
    lookup.input.filter((x, i) => i !== 1 && x),
    file,
  );
  const gather: NodeProto = { ...lookup, input: lookup.input.map((x, i) => (i === 1 ? IDS : x)), output: [ROWS] };
  const sub = embeddingModelProto(model, [...cone.nodes, gather], cone.inits, idsType);
  writeFileAtomic(outPath, encodeModel(sub));
  const probe = await probeEmbeddingModel(outPath, externalDataDir, IDS, idsType, ROWS, file);
  return {
    kind: 'model',
    modelPath: outPath,
    externalDataDir,
    inputName: IDS,
    inputType: idsType === DataType.INT32 ? 'int32' : 'int64',
    outputName: ROWS,
    dtype: probe.dtype,
    rows: tableRows(graph, lookup) ?? fallbackRows,
    dim: probe.dim,
  };
}

/** Runs an embedding model on id 0 to learn its row width and dtype. */
export async function probeEmbeddingModel(
  modelPath: string,
  externalDataDir: string | null,
  inputName: string,
  idsType: number,
  outputName: string,
  file: string,
): Promise<{ dtype: 'float32' | 'float16'; dim: number }> {
  const session = await createSession({ decoderPath: modelPath, externalDataDir });
  try {
    const ids =
      idsType === DataType.INT32
        ? new ort.Tensor('int32', new Int32Array(1), [1, 1])
        : new ort.Tensor('int64', new BigInt64Array(1), [1, 1]);
    const out = (await session.run({ [inputName]: ids }))[outputName];
    if (!out) throw new ModelLoadError(`embedding model has no output ${outputName}`, file);
    if (out.type !== 'float32' && out.type !== 'float16')
      throw new ModelLoadError(`embedding rows have type ${out.type}; only float32 and float16 are supported`, file);
    if (out.dims.length !== 3)
      throw new ModelLoadError(
        `embedding model returns shape [${out.dims.join(', ')}] for ids [1, 1]; expected [1, 1, hidden]`,
        file,
      );
    return { dtype: out.type, dim: out.dims[2] };
  } finally {
    await session.release();
  }
}
