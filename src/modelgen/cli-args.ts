// Argument parsing for the modelgen CLI, kept apart from cli.ts so tests can
// check it without generating anything.
import { parseArgs } from 'node:util';
import type { EchoGenOptions } from './echo.js';
import type { LlamaGenOptions } from './llama.js';

export type ModelgenCommand =
  | { kind: 'llama'; out: string; options: LlamaGenOptions }
  | { kind: 'echo'; out: string; options: EchoGenOptions };

export const USAGE = `usage:
  modelgen llama --out DIR [--hidden 1024] [--layers 16] [--heads 16] [--kv-heads 4] [--intermediate 4*hidden]
                 [--vocab 32000] [--max-positions 2048] [--dtype float32|float16] [--seed 1] [--tied]
                 [--external-data] [--weight-scale 1] [--fp32-logits]
  modelgen echo  --out DIR [--hidden 16] [--vocab N] [--dtype float32|float16] [--seed 1] [--external-data]`;

function int(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`--${name} must be a non-negative integer, got ${JSON.stringify(value)}`);
  return n;
}

function dtype(value: string | undefined): 'float32' | 'float16' {
  if (value === undefined || value === 'float32' || value === 'float16') return value ?? 'float32';
  throw new Error(`--dtype must be float32 or float16, got ${JSON.stringify(value)}`);
}

export function parseModelgenArgs(argv: readonly string[]): ModelgenCommand {
  const [kind, ...rest] = argv;
  if (kind !== 'llama' && kind !== 'echo') throw new Error(`unknown command ${JSON.stringify(kind ?? '')}\n${USAGE}`);
  const { values } = parseArgs({
    args: [...rest],
    strict: true,
    options: {
      out: { type: 'string' },
      hidden: { type: 'string' },
      layers: { type: 'string' },
      heads: { type: 'string' },
      'kv-heads': { type: 'string' },
      intermediate: { type: 'string' },
      vocab: { type: 'string' },
      'max-positions': { type: 'string' },
      dtype: { type: 'string' },
      seed: { type: 'string' },
      tied: { type: 'boolean' },
      'external-data': { type: 'boolean' },
      'weight-scale': { type: 'string' },
      'fp32-logits': { type: 'boolean' },
    },
  });
  if (!values.out) throw new Error(`--out DIR is required\n${USAGE}`);
  const seed = int('seed', values.seed, 1);
  if (kind === 'echo') {
    for (const flag of [
      'layers',
      'heads',
      'kv-heads',
      'intermediate',
      'max-positions',
      'tied',
      'weight-scale',
      'fp32-logits',
    ] as const) {
      if (values[flag] !== undefined) throw new Error(`--${flag} does not apply to the echo model`);
    }
    const options: EchoGenOptions = {
      hidden: int('hidden', values.hidden, 16),
      dtype: dtype(values.dtype),
      seed,
      externalData: values['external-data'] ?? false,
    };
    if (values.vocab !== undefined) options.vocab = int('vocab', values.vocab, 0);
    return { kind, out: values.out, options };
  }
  const hidden = int('hidden', values.hidden, 1024);
  const weightScale = values['weight-scale'] === undefined ? 1 : Number(values['weight-scale']);
  if (!(weightScale > 0))
    throw new Error(`--weight-scale must be a positive number, got ${JSON.stringify(values['weight-scale'])}`);
  return {
    kind,
    out: values.out,
    options: {
      hidden,
      layers: int('layers', values.layers, 16),
      heads: int('heads', values.heads, 16),
      kvHeads: int('kv-heads', values['kv-heads'], 4),
      intermediate: int('intermediate', values.intermediate, 4 * hidden),
      vocab: int('vocab', values.vocab, 32000),
      maxPositions: int('max-positions', values['max-positions'], 2048),
      dtype: dtype(values.dtype),
      seed,
      tiedEmbeddings: values.tied ?? false,
      externalData: values['external-data'] ?? false,
      weightScale,
      fp32Logits: values['fp32-logits'] ?? false,
    },
  };
}
