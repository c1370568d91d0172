// deriveEmbedsDecoder: from a user's input_ids decoder to an inputs_embeds decoder plus
// access to the embedding rows, cached per model file and never touching the user's
// folder unless asked to (inPlace).
import fs from 'node:fs';
import path from 'node:path';
import { DataType, encodeModel, readModel, toNumber } from '../../onnx/proto.js';
import type { GraphProto, ModelProto } from '../../onnx/proto.js';
import { ModelLoadError } from '../../errors.js';
import { analyseInputIds } from './analyse-input-ids.js';
import { rewriteInputIdsToEmbeds } from './rewrite-input-ids.js';
import { keepLastLogitsOnly, logitsOutputName } from './last-logits.js';
import { tableRef, tableShape } from './embedding-table.js';
import { writeEmbeddingSubModel } from './embedding-submodel.js';
import { embedTokensRef } from './split-layout.js';
import { honoursLeftPadding } from './padding.js';
import { presentNewPositionsOnly } from './new-positions.js';
import { dtypeName, initializer, producer, tensorElemType } from './graph.js';
import { dimsOf, hasExternalData } from './tensor-data.js';
import {
  cacheLayout,
  defaultCacheRoot,
  inPlaceLayout,
  quantizedCacheLayout,
  quantizedInPlaceLayout,
  readManifest,
  sourceKey,
  writeFileAtomic,
  writeManifest,
} from './cache.js';
import type { OutputLayout } from './cache.js';
import type { DeriveOptions, DerivedDecoder, QuantizeSpec } from './types.js';
import { quantizeDecoder } from '../quantize/quantize-decoder.js';
import { checkBlockwise } from '../quantize/blockwise.js';

const EMBEDS = 'inputs_embeds';

/** Logits width: the declared output dimension, else the LM head weight's last dimension. */
function vocabSize(graph: GraphProto, file: string): number {
  const name = logitsOutputName(graph);
  if (!name) throw new ModelLoadError('the decoder has no logits output', file);
  const dims = graph.output.find((o) => o.name === name)?.type?.tensorType?.shape?.dim ?? [];
  const last = dims[dims.length - 1];
  if (last?.dimValue !== undefined && toNumber(last.dimValue) > 0) return toNumber(last.dimValue);
  const head = producer(graph, name);
  const w = head?.opType === 'MatMul' ? initializer(graph, head.input[1]) : undefined;
  if (w) return dimsOf(w)[dimsOf(w).length - 1];
  return 0;
}

/**
 * The rewrites and facts both derivation paths share, once the decoder takes
 * inputs_embeds: last-position logits, new-positions presents, left padding.
 */
type Finished = Pick<DerivedDecoder, 'logitsLastOnly' | 'logitsToKeepInput' | 'presentNewOnly' | 'leftPadding'>;

function finishDecoder(model: ModelProto, opts: DeriveOptions): Finished {
  const last = keepLastLogitsOnly(model);
  const presentNewOnly = !opts.wholeCacheOutputs && presentNewPositionsOnly(model.graph);
  return {
    logitsLastOnly: last.lastOnly,
    logitsToKeepInput: last.keepInput,
    presentNewOnly,
    leftPadding: honoursLeftPadding(model.graph),
  };
}

async function fromInputIds(
  model: ModelProto,
  file: string,
  idsName: string,
  out: OutputLayout,
  externalDataDir: string | null,
  opts: DeriveOptions,
): Promise<{ derived: DerivedDecoder; files: string[] }> {
  const graph = model.graph;
  const analysis = analyseInputIds(graph, file, idsName);
  const lookup = analysis.lookups[0];
  const vocab = vocabSize(graph, file);
  const files: string[] = [];
  let embedding: DerivedDecoder['embedding'];
  const shape = lookup.kind === 'gather-block-quantized' ? undefined : tableShape(graph, analysis.table, file);
  if (shape) {
    embedding = tableRef(graph, analysis.table, file, path.dirname(file), out.embeddingTable);
  } else if (lookup.kind === 'embed-layer-norm') {
    throw new ModelLoadError(`EmbedLayerNormalization word table ${analysis.table} is not an initializer`, file);
  } else {
    embedding = await writeEmbeddingSubModel(
      model,
      lookup.node,
      analysis.lookupIdsType,
      out.embeddingModel,
      externalDataDir,
      file,
      vocab,
    );
  }
  if (embedding.kind === 'table' && embedding.file === out.embeddingTable) files.push(out.embeddingTable);
  if (embedding.kind === 'model') files.push(out.embeddingModel);

  rewriteInputIdsToEmbeds(
    model,
    analysis,
    {
      name: EMBEDS,
      elemType: embedding.dtype === 'float16' ? DataType.FLOAT16 : DataType.FLOAT,
      hidden: embedding.dim,
    },
    file,
  );
  const finished = finishDecoder(model, opts);
  writeFileAtomic(out.decoder, encodeModel(model));
  files.push(out.decoder);
  return {
    derived: {
      decoderPath: out.decoder,
      externalDataDir,
      embedsInputName: EMBEDS,
      embedsDtype: embedding.dtype,
      hiddenSize: embedding.dim,
      vocabSize: vocab || embedding.rows,
      ...finished,
      embedding,
    },
    files,
  };
}

async function fromSplitExport(
  model: ModelProto,
  file: string,
  out: OutputLayout,
  externalDataDir: string | null,
  opts: DeriveOptions,
): Promise<{ derived: DerivedDecoder; files: string[] }> {
  const graph = model.graph;
  const input = graph.input.find((i) => i.name === EMBEDS)!;
  const embedsDtype = dtypeName(tensorElemType(input));
  if (!embedsDtype) throw new ModelLoadError(`${EMBEDS} must be float32 or float16`, file);
  const vocab = vocabSize(graph, file);
  const embedding = await embedTokensRef(file, vocab);
  if (embedding.dtype !== embedsDtype)
    throw new ModelLoadError(
      `embedding model returns ${embedding.dtype} rows but the decoder takes ${embedsDtype} ${EMBEDS}`,
      file,
    );
  // The ids need no rewriting; a copy is written only when another rewrite applied.
  const finished = finishDecoder(model, opts);
  const rewritten = finished.logitsLastOnly || finished.presentNewOnly;
  const files: string[] = [];
  if (rewritten) {
    writeFileAtomic(out.decoder, encodeModel(model));
    files.push(out.decoder);
  }
  return {
    derived: {
      decoderPath: rewritten ? out.decoder : file,
      externalDataDir,
      embedsInputName: EMBEDS,
      embedsDtype,
      hiddenSize: embedding.dim,
      vocabSize: vocab || embedding.rows,
      ...finished,
      embedding,
    },
    files,
  };
}

/** A short name for a quantization setting: q4, q8-b128, q4-zp-a0 and the like. */
export function quantizeTag(q: QuantizeSpec): string {
  const block = q.blockSize === 32 ? '' : `-b${q.blockSize}`;
  const accuracy = q.accuracyLevel === 4 ? '' : `-a${q.accuracyLevel}`;
  return `q${q.bits}${block}${q.zeroPoints ? '-zp' : ''}${accuracy}`;
}

/** The plain derived decoder, then its quantized variant in a folder (or file names) of its own. */
async function deriveQuantized(file: string, q: QuantizeSpec, opts: DeriveOptions): Promise<DerivedDecoder> {
  const blockProblem = checkBlockwise(q.blockSize, q);
  if (blockProblem && !/^K = /.test(blockProblem)) throw new ModelLoadError(blockProblem, file);
  if (![0, 1, 2, 3, 4].includes(q.accuracyLevel))
    throw new ModelLoadError(`accuracy level ${q.accuracyLevel} is not one of 0, 1, 2, 3, 4`, file);
  const base = await deriveEmbedsDecoder(file, { ...opts, quantize: undefined });
  const idsName = opts.inputIdsName ?? 'input_ids';
  const tag = quantizeTag(q);
  const key = sourceKey(file, `${idsName}${opts.wholeCacheOutputs ? '/whole-cache' : ''}/${tag}`);
  const out = opts.inPlace
    ? quantizedInPlaceLayout(file, tag)
    : quantizedCacheLayout(opts.cacheDir ?? defaultCacheRoot(), key);
  if (!opts.force) {
    const cached = readManifest<DerivedDecoder>(out.manifest, key);
    if (cached) return cached;
  }
  try {
    const result = await quantizeDecoder(base, q, out, file);
    writeManifest(out.manifest, key, result.derived, result.files);
    return result.derived;
  } catch (e) {
    if (e instanceof ModelLoadError) throw e;
    const err = e as NodeJS.ErrnoException;
    if (err.code && err.path)
      throw new ModelLoadError(`cannot write quantized files to ${out.dir} (${err.code})`, file);
    throw new ModelLoadError((e as Error).message, file);
  }
}

export async function deriveEmbedsDecoder(modelPath: string, opts: DeriveOptions = {}): Promise<DerivedDecoder> {
  const file = path.resolve(modelPath);
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new ModelLoadError('model file not found', file);
  if (opts.quantize) return deriveQuantized(file, opts.quantize, opts);
  const idsName = opts.inputIdsName ?? 'input_ids';
  const key = sourceKey(file, opts.wholeCacheOutputs ? `${idsName}/whole-cache` : idsName);
  const out = opts.inPlace ? inPlaceLayout(file) : cacheLayout(opts.cacheDir ?? defaultCacheRoot(), key);
  if (!opts.force) {
    const cached = readManifest<DerivedDecoder>(out.manifest, key);
    if (cached) return cached;
  }
  let model: ModelProto;
  try {
    model = readModel(file);
  } catch (e) {
    throw new ModelLoadError(`not a readable ONNX model (${(e as Error).message})`, file);
  }
  const externalDataDir = hasExternalData(model.graph) ? path.dirname(file) : null;
  const inputs = new Set(model.graph.input.map((i) => i.name));
  let result: { derived: DerivedDecoder; files: string[] };
  try {
    if (inputs.has(idsName)) result = await fromInputIds(model, file, idsName, out, externalDataDir, opts);
    else if (inputs.has(EMBEDS)) result = await fromSplitExport(model, file, out, externalDataDir, opts);
    else
      throw new ModelLoadError(
        `decoder has neither ${idsName} nor ${EMBEDS} among its inputs (${[...inputs].join(', ')})`,
        file,
      );
    writeManifest(out.manifest, key, result.derived, result.files);
  } catch (e) {
    if (e instanceof ModelLoadError) throw e;
    const err = e as NodeJS.ErrnoException;
    if (err.code && err.path) throw new ModelLoadError(`cannot write derived files to ${out.dir} (${err.code})`, file);
    throw new ModelLoadError((e as Error).message, file);
  }
  return result.derived;
}
