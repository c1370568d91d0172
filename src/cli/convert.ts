// `selar convert DIR [--dtype fp32|fp16|q4|...] [--quantize q4|q8] [--out CACHE_DIR] [--in-place] [--force]`:
// derives the inputs_embeds decoder ahead of time (and its quantized variant) and
// prints where its files are. `--dtype q4|q8` on a folder without that variant
// quantizes the full-precision export instead.
import { parseArgs } from 'node:util';
import { ModelLoadError, SelarError } from '../errors.js';
import { deriveEmbedsDecoder } from '../model/convert/index.js';
import { locateDecoder } from '../model/convert/locate-decoder.js';
import type { DerivedDecoder, QuantizeSpec } from '../model/convert/index.js';
import { QUANTIZE_DEFAULTS, isQuantizeLevel, quantizeSpec } from '../model/quantize/index.js';

export interface ConvertIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const USAGE = `usage: selar convert DIR [--dtype fp32|fp16|q4|...] [--out CACHE_DIR] [--in-place] [--force]
       [--quantize q4|q8] [--block-size N] [--accuracy-level 0-4] [--zero-points]

  --quantize q4|q8      write a block-quantized variant (MatMulNBits) of the fp32/fp16 export
  --block-size N        weights per quantization block along K (default ${QUANTIZE_DEFAULTS.blockSize})
  --accuracy-level L    MatMulNBits accuracy_level (default ${QUANTIZE_DEFAULTS.accuracyLevel}: int8 compute; \
0: fp32 compute)
  --zero-points         asymmetric blocks with stored zero points (default: symmetric)
`;

function describe(d: DerivedDecoder): string {
  const e = d.embedding;
  const embedding =
    e.kind === 'table'
      ? `table ${e.file} (offset ${e.offset}, ${e.byteLength} bytes, ${e.rows}x${e.dim} ${e.dtype})`
      : `model ${e.modelPath} (${e.inputName} ${e.inputType} -> ${e.outputName}, ${e.rows}x${e.dim} ${e.dtype})`;
  return (
    [
      `decoder: ${d.decoderPath}`,
      `external data: ${d.externalDataDir ?? 'none (weights inline)'}`,
      `input: ${d.embedsInputName} ${d.embedsDtype} [batch, sequence, ${d.hiddenSize}]`,
      `logits: ${d.logitsLastOnly ? 'last position only' : 'every position'}, vocab ${d.vocabSize}`,
      `KV cache outputs: ${
        d.presentNewOnly
          ? "the step's new positions (appended to reused buffers)"
          : 'the whole cache (made by a fused attention op; copied out every step)'
      }`,
      `embedding: ${embedding}`,
      ...(d.quantization
        ? [
            `quantized: ${d.quantization.bits}-bit MatMulNBits, block ${d.quantization.blockSize}, ` +
              `accuracy_level ${d.quantization.accuracyLevel}, ` +
              `${d.quantization.zeroPoints ? 'zero points' : 'symmetric'}; ` +
              `${d.quantization.matmulsQuantized} MatMuls quantized` +
              (d.quantization.matmulsSmallerBlock
                ? ` (${d.quantization.matmulsSmallerBlock} with a smaller block that divides their K)`
                : '') +
              `, ${d.quantization.matmulsKept} kept; ` +
              `embedding table ${d.quantization.embedding}`,
          ]
        : []),
      `batching across lengths (--batching padded): ${
        d.leftPadding
          ? 'supported'
          : 'not supported (needs attention_mask and position_ids inputs and no GroupQueryAttention)'
      }`,
    ].join('\n') + '\n'
  );
}

export async function runConvert(
  argv: string[],
  io: ConvertIo = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) },
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        dtype: { type: 'string' },
        out: { type: 'string' },
        'in-place': { type: 'boolean' },
        force: { type: 'boolean' },
        quantize: { type: 'string' },
        'block-size': { type: 'string' },
        'accuracy-level': { type: 'string' },
        'zero-points': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    io.err(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    io.err(USAGE);
    return 2;
  }
  if (values.out && values['in-place']) {
    io.err(`--out and --in-place exclude each other\n${USAGE}`);
    return 2;
  }
  const quantize = quantizeOption(values, io);
  if (quantize === null) return 2;
  try {
    const dir = positionals[0];
    let decoder: string;
    let spec: QuantizeSpec | undefined;
    if (values.quantize !== undefined) {
      decoder = locateDecoder(dir, values.dtype);
      spec = quantize ?? undefined;
    } else if (isQuantizeLevel(values.dtype) && !hasVariant(dir, values.dtype)) {
      // --dtype q4|q8 on a folder without that variant: quantize the full-precision export.
      decoder = locateFullPrecision(dir, values.dtype);
      spec = quantize ?? quantizeSpec(values.dtype);
    } else {
      decoder = locateDecoder(dir, values.dtype);
      if (quantize) {
        io.err(
          `the folder has its own ${values.dtype} variant; ` +
            '--block-size, --accuracy-level and --zero-points need --quantize\n',
        );
        return 2;
      }
    }
    const derived = await deriveEmbedsDecoder(decoder, {
      cacheDir: values.out,
      inPlace: values['in-place'],
      force: values.force,
      quantize: spec,
    });
    io.out(`source: ${decoder}\n${describe(derived)}`);
    return 0;
  } catch (e) {
    if (e instanceof SelarError) {
      io.err(`selar convert: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

function hasVariant(dir: string, dtype: string): boolean {
  try {
    locateDecoder(dir, dtype);
    return true;
  } catch {
    return false;
  }
}

/** The fp32 export, else the fp16 one, to quantize to `dtype`. */
function locateFullPrecision(dir: string, dtype: string): string {
  for (const source of ['fp32', 'fp16']) if (hasVariant(dir, source)) return locateDecoder(dir, source);
  throw new ModelLoadError(`no ${dtype} variant and no fp32 or fp16 export to quantize`, dir);
}

function intFlag(name: string, raw: string | undefined, io: ConvertIo): number | undefined | null {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    io.err(`--${name} must be a non-negative integer, got ${JSON.stringify(raw)}\n${USAGE}`);
    return null;
  }
  return n;
}

/** The quantization the flags ask for: undefined when none, null after a usage error. */
function quantizeOption(
  values: {
    quantize?: string;
    'block-size'?: string;
    'accuracy-level'?: string;
    'zero-points'?: boolean;
    dtype?: string;
  },
  io: ConvertIo,
): QuantizeSpec | undefined | null {
  const blockSize = intFlag('block-size', values['block-size'], io);
  const accuracyLevel = intFlag('accuracy-level', values['accuracy-level'], io);
  if (blockSize === null || accuracyLevel === null) return null;
  const level = values.quantize ?? (isQuantizeLevel(values.dtype) ? values.dtype : undefined);
  const tuned = blockSize !== undefined || accuracyLevel !== undefined || values['zero-points'];
  if (values.quantize === undefined) {
    if (tuned && !isQuantizeLevel(values.dtype)) {
      io.err(`--block-size, --accuracy-level and --zero-points need --quantize q4|q8\n${USAGE}`);
      return null;
    }
    // --dtype q4|q8 alone: quantization only where the folder lacks the variant (decided later).
    if (!tuned) return undefined;
  }
  if (!isQuantizeLevel(level)) {
    io.err(`--quantize must be q4 or q8, got ${JSON.stringify(values.quantize)}\n${USAGE}`);
    return null;
  }
  return quantizeSpec(level, { blockSize, accuracyLevel, zeroPoints: values['zero-points'] });
}
