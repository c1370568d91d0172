// Main-thread model loading: folder layout, tokenizer, the derived inputs_embeds
// decoder, and the embedding table read once into a SharedArrayBuffer that every
// worker reads (never one fp32 copy per worker).
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { ModelLoadError } from '../errors.js';
import { detectLayout, type ModelLayout } from '../model/layout.js';
import { TextTokenizer } from '../model/tokenizer.js';
import {
  deriveEmbedsDecoder,
  type DerivedDecoder,
  type EmbeddingTableRef,
  type QuantizeSpec,
} from '../model/convert/index.js';
import type { SharedTable } from './protocol.js';
import type { ModelInfo } from './types.js';

export interface LoadedModel {
  dir: string;
  layout: ModelLayout;
  tokenizer: TextTokenizer;
  derived: DerivedDecoder;
  table: SharedTable | null;
  info: ModelInfo;
}

const DEFAULT_CONTEXT = 2048;

export async function loadModel(
  dir: string,
  opts: { dtype: string; quantize?: QuantizeSpec; modelId?: string; logger?: Logger },
): Promise<LoadedModel> {
  const layout = detectLayout(dir, opts.dtype);
  const tokenizer = TextTokenizer.load(layout.dir);
  const derived = await deriveEmbedsDecoder(layout.decoderFile, { quantize: opts.quantize });
  checkVocabulary(layout, tokenizer, derived, opts.logger);
  const table = derived.embedding.kind === 'table' ? readSharedTable(derived.embedding) : null;
  const fallbackEos = tokenizer.configTokenId('eos_token');
  const eos = layout.eosTokenIds.length ? layout.eosTokenIds : fallbackEos === undefined ? [] : [fallbackEos];
  const info: ModelInfo = {
    id: opts.modelId ?? path.basename(layout.dir),
    contextLength: layout.contextLength ?? DEFAULT_CONTEXT,
    vocabSize: derived.vocabSize,
    hiddenSize: derived.hiddenSize,
    eosTokenIds: eos,
    promptLogits: !derived.logitsLastOnly || derived.logitsToKeepInput !== null,
    thinkTokenIds: tokenizer.thinkIds,
    generationDefaults: Object.fromEntries(
      Object.entries(layout.generationDefaults).filter(([, v]) => v !== undefined),
    ),
    selarDefaults: layout.selarDefaults,
  };
  return { dir: layout.dir, layout, tokenizer, derived, table, info };
}

/**
 * The tokenizer must fit the model. A padded model vocabulary (a few hundred ids
 * beyond the tokenizer) is normal; a tokenizer larger than the model is tolerated
 * with a warning (test exports truncate vocabularies; out-of-range prompt ids are
 * rejected per request); anything else means the wrong tokenizer.
 */
function checkVocabulary(
  layout: ModelLayout,
  tokenizer: TextTokenizer,
  derived: DerivedDecoder,
  logger?: Logger,
): void {
  const modelVocab = derived.vocabSize;
  if (layout.declaredVocabSize !== null && layout.declaredVocabSize !== modelVocab) {
    throw new ModelLoadError(
      `config declares vocab_size ${layout.declaredVocabSize} but the decoder's logits have ${modelVocab} entries`,
      layout.kind === 'genai' ? path.join(layout.dir, 'genai_config.json') : path.join(layout.dir, 'config.json'),
    );
  }
  if (derived.embedding.rows < modelVocab && derived.embedding.rows < tokenizer.vocabSize) {
    throw new ModelLoadError(
      `the embedding table has ${derived.embedding.rows} rows, fewer than the vocabulary`,
      layout.decoderFile,
    );
  }
  const tokVocab = tokenizer.vocabSize;
  const slack = Math.max(1024, Math.ceil(tokVocab * 0.1));
  if (modelVocab > tokVocab + slack) {
    throw new ModelLoadError(
      `tokenizer vocabulary (${tokVocab} ids) does not match the model (${modelVocab} logits): wrong tokenizer.json ` +
        `for this model?`,
      path.join(layout.dir, 'tokenizer.json'),
    );
  }
  for (const id of layout.eosTokenIds) {
    if (id >= modelVocab)
      throw new ModelLoadError(
        `eos_token_id ${id} is outside the model's vocabulary (${modelVocab})`,
        layout.decoderFile,
      );
  }
  if (tokVocab > modelVocab) {
    logger?.warn(
      { tokenizerVocab: tokVocab, modelVocab },
      'tokenizer has more ids than the model; prompts using them will be rejected',
    );
  }
}

function readSharedTable(ref: EmbeddingTableRef): SharedTable {
  const expected = ref.rows * ref.dim * (ref.dtype === 'float32' ? 4 : 2);
  if (ref.byteLength !== expected)
    throw new ModelLoadError(`embedding table is ${ref.byteLength} bytes, expected ${expected}`, ref.file);
  const buffer = new SharedArrayBuffer(expected);
  const fd = fs.openSync(ref.file, 'r');
  try {
    const view = new Uint8Array(buffer);
    let done = 0;
    while (done < expected) {
      const n = fs.readSync(fd, view, done, Math.min(expected - done, 1 << 26), ref.offset + done);
      if (n === 0) throw new ModelLoadError('embedding table is truncated', ref.file);
      done += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return { buffer, dtype: ref.dtype, rows: ref.rows, dim: ref.dim };
}
