// `selar convert DIR [--dtype fp32|fp16|q4|...] [--out CACHE_DIR] [--in-place] [--force]`:
// derives the inputs_embeds decoder ahead of time and prints where its files are.
import { parseArgs } from 'node:util';
import { SelarError } from '../errors.js';
import { deriveEmbedsDecoder } from '../model/convert/index.js';
import { locateDecoder } from '../model/convert/locate-decoder.js';
import type { DerivedDecoder } from '../model/convert/index.js';

export interface ConvertIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const USAGE = 'usage: selar convert DIR [--dtype fp32|fp16|q4|...] [--out CACHE_DIR] [--in-place] [--force]\n';

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
  try {
    const decoder = locateDecoder(positionals[0], values.dtype);
    const derived = await deriveEmbedsDecoder(decoder, {
      cacheDir: values.out,
      inPlace: values['in-place'],
      force: values.force,
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
