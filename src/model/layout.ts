// Model folder detection: which files make up the decoder, what the model's
// generation settings are, and how its KV-cache tensors are named. Accepts the
// Hugging Face Optimum / transformers.js layout (single decoder or the split
// embed_tokens + decoder_model_merged form) and the onnxruntime-genai builder layout.
import fs from 'node:fs';
import path from 'node:path';
import { ModelLoadError } from '../errors.js';
import { parseSelarDefaults, type ModelSelarDefaults } from './selar-defaults.js';

export type LayoutKind = 'optimum' | 'optimum-split' | 'genai';

export interface ModelLayout {
  kind: LayoutKind;
  dir: string;
  /** The decoder as shipped (takes input_ids, or inputs_embeds in the split form). */
  decoderFile: string;
  /** Split form only: the embedding sub-model shipped with the folder. */
  embedFile: string | null;
  eosTokenIds: number[];
  bosTokenId: number | null;
  contextLength: number | null;
  /** vocab_size as declared by the config (checked against the graph at load). */
  declaredVocabSize: number | null;
  generationDefaults: {
    temperature?: number;
    topK?: number;
    topP?: number;
    minP?: number;
    repetitionPenalty?: number;
  };
  /** Recommended SeLaR settings (generation_config.json's `selar`), validated. */
  selarDefaults: ModelSelarDefaults;
  /** genai name templates (e.g. "past_key_values.%d.key"), when the folder declares them. */
  names: Record<string, string>;
}

/** dtype option → Optimum file-name suffix (transformers.js conventions). */
const DTYPE_SUFFIX: Record<string, string> = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  int8: '_int8',
  uint8: '_uint8',
  q4: '_q4',
  q4f16: '_q4f16',
  bnb4: '_bnb4',
};

export const SUPPORTED_DTYPES = ['auto', ...Object.keys(DTYPE_SUFFIX)];

/** `auto`: the first variant the folder has, full precision first. */
function resolveAutoDtype(dir: string): string {
  for (const [dtype, suffix] of Object.entries(DTYPE_SUFFIX)) {
    if (
      fs.existsSync(path.join(dir, 'onnx', `model${suffix}.onnx`)) ||
      fs.existsSync(path.join(dir, 'onnx', `decoder_model_merged${suffix}.onnx`))
    )
      return dtype;
  }
  return 'fp32';
}

function readJson(file: string): Record<string, unknown> {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new ModelLoadError(`cannot parse JSON: ${(err as Error).message}`, file);
  }
}

function ids(v: unknown): number[] {
  if (typeof v === 'number') return [v];
  if (Array.isArray(v)) return v.filter((x): x is number => typeof x === 'number');
  return [];
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function detectLayout(dir: string, dtype = 'fp32'): ModelLayout {
  const abs = path.resolve(dir);
  if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory())
    throw new ModelLoadError('model folder does not exist or is not a directory', abs);
  if (dtype === 'auto') dtype = resolveAutoDtype(abs);
  if (!(dtype in DTYPE_SUFFIX))
    throw new ModelLoadError(`unsupported dtype "${dtype}" (one of ${SUPPORTED_DTYPES.join(', ')})`, abs);
  if (fs.existsSync(path.join(abs, 'genai_config.json'))) return genaiLayout(abs);
  if (fs.existsSync(path.join(abs, 'config.json'))) return optimumLayout(abs, dtype);
  throw new ModelLoadError(
    'unknown model layout: expected config.json + onnx/model.onnx (Hugging Face Optimum / transformers.js) or ' +
      'genai_config.json (onnxruntime-genai)',
    abs,
  );
}

function optimumLayout(dir: string, dtype: string): ModelLayout {
  const config = readJson(path.join(dir, 'config.json'));
  const genFile = path.join(dir, 'generation_config.json');
  const gen = fs.existsSync(genFile) ? readJson(genFile) : {};
  const suffix = DTYPE_SUFFIX[dtype];
  const onnxDir = path.join(dir, 'onnx');
  const single = path.join(onnxDir, `model${suffix}.onnx`);
  const merged = path.join(onnxDir, `decoder_model_merged${suffix}.onnx`);
  const embed = path.join(onnxDir, `embed_tokens${suffix}.onnx`);
  let kind: LayoutKind;
  let decoderFile: string;
  let embedFile: string | null = null;
  if (fs.existsSync(single)) {
    kind = 'optimum';
    decoderFile = single;
  } else if (fs.existsSync(merged) && fs.existsSync(embed)) {
    kind = 'optimum-split';
    decoderFile = merged;
    embedFile = embed;
  } else if (fs.existsSync(merged)) {
    kind = 'optimum';
    decoderFile = merged;
  } else {
    const have = fs.existsSync(onnxDir) ? fs.readdirSync(onnxDir).filter((f) => f.endsWith('.onnx')) : [];
    throw new ModelLoadError(
      `missing onnx/model${suffix}.onnx for dtype ${dtype}` +
        (have.length ? ` (found: ${have.join(', ')})` : ' (no .onnx files in onnx/)') +
        (dtype === 'q4' || dtype === 'q8' ? `; --quantize ${dtype} quantizes the fp32/fp16 export instead` : ''),
      single,
    );
  }
  const text = (config.text_config as Record<string, unknown> | undefined) ?? config;
  const eos = ids(gen.eos_token_id).length ? ids(gen.eos_token_id) : ids(text.eos_token_id ?? config.eos_token_id);
  return {
    kind,
    dir,
    decoderFile,
    embedFile,
    eosTokenIds: eos,
    bosTokenId: num(gen.bos_token_id ?? text.bos_token_id) ?? null,
    contextLength: num(text.max_position_embeddings ?? text.n_positions ?? text.max_sequence_length) ?? null,
    declaredVocabSize: num(text.vocab_size) ?? null,
    generationDefaults: {
      temperature: gen.do_sample === false ? 0 : num(gen.temperature),
      topK: gen.do_sample === false ? undefined : num(gen.top_k),
      topP: gen.do_sample === false ? undefined : num(gen.top_p),
      minP: gen.do_sample === false ? undefined : num(gen.min_p),
      repetitionPenalty: num(gen.repetition_penalty),
    },
    selarDefaults: parseSelarDefaults(gen.selar, genFile),
    names: {},
  };
}

function genaiLayout(dir: string): ModelLayout {
  const file = path.join(dir, 'genai_config.json');
  const cfg = readJson(file);
  const model = cfg.model as Record<string, unknown> | undefined;
  const decoder = model?.decoder as Record<string, unknown> | undefined;
  if (!model || !decoder || typeof decoder.filename !== 'string')
    throw new ModelLoadError('genai_config.json has no model.decoder.filename', file);
  const decoderFile = path.join(dir, decoder.filename);
  if (!fs.existsSync(decoderFile))
    throw new ModelLoadError(`missing decoder file named by genai_config.json`, decoderFile);
  const search = (cfg.search as Record<string, unknown> | undefined) ?? {};
  const names: Record<string, string> = {};
  for (const group of ['inputs', 'outputs']) {
    const g = decoder[group] as Record<string, unknown> | undefined;
    for (const [k, v] of Object.entries(g ?? {})) if (typeof v === 'string') names[k] = v;
  }
  return {
    kind: 'genai',
    dir,
    decoderFile,
    embedFile: null,
    eosTokenIds: ids(model.eos_token_id),
    bosTokenId: num(model.bos_token_id) ?? null,
    contextLength: num(model.context_length) ?? num(search.max_length) ?? null,
    declaredVocabSize: num(model.vocab_size) ?? null,
    generationDefaults: {
      temperature: search.do_sample === true ? num(search.temperature) : undefined,
      topK: search.do_sample === true ? num(search.top_k) : undefined,
      topP: search.do_sample === true ? num(search.top_p) : undefined,
      repetitionPenalty: num(search.repetition_penalty),
    },
    selarDefaults: {},
    names,
  };
}
