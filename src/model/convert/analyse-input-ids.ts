// Finds everything the graph does with input_ids, before anything is changed, so an
// unsupported use fails with a clear error and no half-written cache.
import type { GraphProto, NodeProto } from '../../onnx/proto.js';
import { DataType } from '../../onnx/proto.js';
import { ModelLoadError } from '../../errors.js';
import { attrInt, describeType, namesReadBySubgraphs, tensorElemType } from './graph.js';

/** How a node consumes an id-valued tensor. */
export type IdUse =
  | { kind: 'cast'; node: NodeProto } // ids → ids of another integer type
  | { kind: 'reshape'; node: NodeProto } // ids → ids of another shape (GPT-2 style view(-1, T))
  | { kind: 'shape'; node: NodeProto } // Shape(ids): rewritten from inputs_embeds' shape
  | { kind: 'gather'; node: NodeProto } // Gather(table, ids): the embedding lookup
  | { kind: 'gather-block-quantized'; node: NodeProto } // com.microsoft quantized lookup (q4 exports)
  | { kind: 'embed-layer-norm'; node: NodeProto }; // com.microsoft fused word+position embedding and LayerNorm

export interface InputIdsAnalysis {
  inputIdsName: string;
  /** input_ids and every tensor derived from it by Cast/Reshape. */
  idTensors: Set<string>;
  uses: IdUse[];
  /** The lookups that read ids; all of them read the same table. */
  lookups: IdUse[];
  /** Name of the embedding table tensor (data input of the lookup). */
  table: string;
  /** Element type of the ids tensor the lookup reads (after any Cast). */
  lookupIdsType: number;
}

const INTEGER_TYPES = new Set<number>([DataType.INT32, DataType.INT64]);

function classify(n: NodeProto, id: string, file: string): IdUse {
  const domain = n.domain ?? '';
  const where = `input_ids reaches ${domain ? domain + ':' : ''}${n.opType} node '${n.name ?? '?'}'`;
  if (domain === '' || domain === 'ai.onnx') {
    if (n.opType === 'Cast') return { kind: 'cast', node: n };
    if (n.opType === 'Shape') return { kind: 'shape', node: n };
    if (n.opType === 'Reshape' && n.input[0] === id && n.input[1] !== id && n.input.length >= 2)
      return { kind: 'reshape', node: n };
    if (n.opType === 'Gather' && n.input[1] === id && n.input[0] !== id) {
      if (attrInt(n, 'axis', 0) !== 0)
        throw new ModelLoadError(
          `${where} with axis ${attrInt(n, 'axis', 0)}; only row lookups (axis 0) can be replaced by inputs_embeds`,
          file,
        );
      return { kind: 'gather', node: n };
    }
  }
  if (domain === 'com.microsoft') {
    if (n.opType === 'GatherBlockQuantized' && n.input[1] === id && n.input[0] !== id) {
      if (attrInt(n, 'gather_axis', 0) !== 0)
        throw new ModelLoadError(
          `${where} with gather_axis ${attrInt(n, 'gather_axis', 0)}; only row lookups can be replaced`,
          file,
        );
      return { kind: 'gather-block-quantized', node: n };
    }
    if (n.opType === 'EmbedLayerNormalization' && n.input[0] === id && !n.input.slice(1).includes(id))
      return { kind: 'embed-layer-norm', node: n };
  }
  throw new ModelLoadError(`${where}, a use the inputs_embeds converter cannot rewrite`, file);
}

/** Data (table) input of a lookup node. */
export function lookupTable(use: IdUse): string {
  return use.kind === 'embed-layer-norm' ? use.node.input[2] : use.node.input[0];
}

/** Indices input of a lookup node. */
export function lookupIndices(use: IdUse): string {
  return use.kind === 'embed-layer-norm' ? use.node.input[0] : use.node.input[1];
}

export function analyseInputIds(graph: GraphProto, file: string, inputIdsName: string): InputIdsAnalysis {
  const input = graph.input.find((i) => i.name === inputIdsName);
  if (!input) throw new ModelLoadError(`no graph input named ${inputIdsName}`, file);
  const inputType = tensorElemType(input) ?? DataType.INT64;
  if (!INTEGER_TYPES.has(inputType))
    throw new ModelLoadError(`${inputIdsName} has type ${describeType(inputType)}; expected int32 or int64`, file);

  const idTensors = new Set<string>([inputIdsName]);
  const idTypes = new Map<string, number>([[inputIdsName, inputType]]);
  const uses: IdUse[] = [];
  // Graph order is topological, so one pass sees each Cast before its consumers.
  for (const n of graph.node) {
    const id = n.input.find((x) => idTensors.has(x));
    if (id === undefined) continue;
    const use = classify(n, id, file);
    uses.push(use);
    if (use.kind === 'cast' || use.kind === 'reshape') {
      const type = use.kind === 'cast' ? attrInt(n, 'to', 0) : idTypes.get(id)!;
      if (!INTEGER_TYPES.has(type))
        throw new ModelLoadError(
          `input_ids is cast to ${describeType(type)} by node '${n.name ?? '?'}'; only int32/int64 ids can ` +
            `be rewritten`,
          file,
        );
      idTensors.add(n.output[0]);
      idTypes.set(n.output[0], type);
    }
  }
  for (const o of graph.output) {
    if (idTensors.has(o.name))
      throw new ModelLoadError(
        `graph output ${o.name} is input_ids itself; cannot derive an inputs_embeds decoder`,
        file,
      );
  }
  const inSubgraphs = namesReadBySubgraphs(graph);
  for (const id of idTensors) {
    if (inSubgraphs.has(id))
      throw new ModelLoadError(
        `${id} (from input_ids) is read inside an If/Loop subgraph; the converter cannot rewrite that`,
        file,
      );
  }

  const lookups = uses.filter(
    (u) => u.kind === 'gather' || u.kind === 'gather-block-quantized' || u.kind === 'embed-layer-norm',
  );
  if (lookups.length === 0)
    throw new ModelLoadError(`no embedding Gather reads ${inputIdsName}; cannot find the token embedding table`, file);
  const tables = new Set(lookups.map(lookupTable));
  if (tables.size > 1)
    throw new ModelLoadError(
      `${inputIdsName} indexes several tables (${[...tables].join(', ')}); expected one token embedding`,
      file,
    );
  const kinds = new Set(lookups.map((l) => l.kind));
  if (kinds.size > 1)
    throw new ModelLoadError(
      `${inputIdsName} feeds different kinds of embedding lookup (${[...kinds].join(', ')})`,
      file,
    );

  return {
    inputIdsName,
    idTensors,
    uses,
    lookups,
    table: [...tables][0],
    lookupIdsType: idTypes.get(lookupIndices(lookups[0]))!,
  };
}
