// Embedding access for a plain fp32/fp16 table: point at its raw rows. Rows in an
// external-data file are used where they are; an inline table is extracted once.
import type { GraphProto } from '../../onnx/proto.js';
import { ModelLoadError } from '../../errors.js';
import { describeType, dtypeName, initializer } from './graph.js';
import { dimsOf, elementSize, externalLocation, inlineBytes, isExternal } from './tensor-data.js';
import { writeFileAtomic } from './cache.js';
import type { EmbeddingTableRef } from './types.js';

/**
 * Checks that `table` is a usable 2-D fp32/fp16 initializer; returns undefined when it is not an initializer at all.
 */
export function tableShape(
  graph: GraphProto,
  table: string,
  file: string,
): { dtype: 'float32' | 'float16'; rows: number; dim: number } | undefined {
  const t = initializer(graph, table);
  if (!t) return undefined;
  const dtype = dtypeName(t.dataType);
  if (!dtype)
    throw new ModelLoadError(
      `embedding table ${table} has type ${describeType(t.dataType)}; only float32 and float16 tables are supported`,
      file,
    );
  const dims = dimsOf(t);
  if (dims.length !== 2)
    throw new ModelLoadError(`embedding table ${table} has shape [${dims.join(', ')}]; expected [rows, hidden]`, file);
  return { dtype, rows: dims[0], dim: dims[1] };
}

export function tableRef(
  graph: GraphProto,
  table: string,
  modelFile: string,
  modelDir: string,
  extractTo: string,
): EmbeddingTableRef {
  const shape = tableShape(graph, table, modelFile)!;
  const t = initializer(graph, table)!;
  const expected = shape.rows * shape.dim * elementSize(t.dataType);
  if (isExternal(t)) {
    const loc = externalLocation(t, modelDir, modelFile);
    if (loc.byteLength !== expected)
      throw new ModelLoadError(
        `embedding table ${table} is ${loc.byteLength} bytes in ${loc.file}, expected ${expected}`,
        modelFile,
      );
    return { kind: 'table', ...shape, file: loc.file, offset: loc.offset, byteLength: loc.byteLength };
  }
  const bytes = inlineBytes(t);
  if (bytes.length !== expected)
    throw new ModelLoadError(`embedding table ${table} holds ${bytes.length} bytes, expected ${expected}`, modelFile);
  writeFileAtomic(extractTo, bytes);
  return { kind: 'table', ...shape, file: extractTo, offset: 0, byteLength: bytes.length };
}
