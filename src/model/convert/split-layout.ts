// The split export (transformers.js / Optimum with separate embeddings): the decoder
// already takes inputs_embeds and an `embed_tokens*.onnx` next to it maps ids to rows.
import fs from 'node:fs';
import path from 'node:path';
import { DataType, readModel } from '../../onnx/proto.js';
import type { GraphProto } from '../../onnx/proto.js';
import { ModelLoadError } from '../../errors.js';
import { initializer, tensorElemType } from './graph.js';
import { dimsOf, hasExternalData } from './tensor-data.js';
import { probeEmbeddingModel } from './embedding-submodel.js';
import type { EmbeddingModelRef } from './types.js';

/** decoder_model_merged_q4.onnx pairs with embed_tokens_q4.onnx, falling back to embed_tokens.onnx. */
export function findEmbedTokensFile(decoderPath: string): string | undefined {
  const dir = path.dirname(decoderPath);
  const suffix = path.basename(decoderPath).match(/^decoder_model(?:_merged)?(.*)\.onnx$/)?.[1] ?? '';
  for (const name of [`embed_tokens${suffix}.onnx`, 'embed_tokens.onnx']) {
    const file = path.join(dir, name);
    if (fs.existsSync(file)) return file;
  }
  return undefined;
}

function rowsOf(graph: GraphProto): number | undefined {
  const lookup = graph.node.find(
    (n) =>
      (n.opType === 'Gather' || n.opType === 'GatherBlockQuantized') && graph.input.some((i) => i.name === n.input[1]),
  );
  const t = lookup && initializer(graph, lookup.input[0]);
  return t ? dimsOf(t)[0] : undefined;
}

export async function embedTokensRef(decoderPath: string, fallbackRows: number): Promise<EmbeddingModelRef> {
  const file = findEmbedTokensFile(decoderPath);
  if (!file)
    throw new ModelLoadError(`decoder takes inputs_embeds but no embed_tokens*.onnx lies next to it`, decoderPath);
  const graph = readModel(file).graph;
  const input = graph.input.find((i) => !initializer(graph, i.name));
  const output = graph.output[0];
  if (!input || !output) throw new ModelLoadError('embedding model needs one ids input and one output', file);
  const idsType = tensorElemType(input) ?? DataType.INT64;
  if (idsType !== DataType.INT64 && idsType !== DataType.INT32)
    throw new ModelLoadError(`embedding input ${input.name} must be int32 or int64`, file);
  const externalDataDir = hasExternalData(graph) ? path.dirname(file) : null;
  const probe = await probeEmbeddingModel(file, externalDataDir, input.name, idsType, output.name, file);
  return {
    kind: 'model',
    modelPath: file,
    externalDataDir,
    inputName: input.name,
    inputType: idsType === DataType.INT32 ? 'int32' : 'int64',
    outputName: output.name,
    dtype: probe.dtype,
    rows: rowsOf(graph) ?? fallbackRows,
    dim: probe.dim,
  };
}
