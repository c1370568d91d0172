// Block-wise quantization of a derived decoder (MatMulNBits, GatherBlockQuantized).
// deriveEmbedsDecoder(file, { quantize }) runs it; this module names the presets.
import type { QuantizeSpec } from '../convert/types.js';

export const QUANTIZE_LEVELS = ['q4', 'q8'] as const;
export type QuantizeLevel = (typeof QUANTIZE_LEVELS)[number];

/**
 * Defaults: block size 128 for both (measured 22 % faster than 32 at q4 and 18 % at q8 on
 * onnxruntime's CPU kernels, with the demo model's accuracy unchanged: docs/benchmarks.md;
 * a MatMul whose K it does not divide gets the largest smaller power of two that does),
 * accuracy level 4 (int8 activations: the fast CPU kernels), symmetric.
 */
export const QUANTIZE_DEFAULTS = { blockSize: 128, accuracyLevel: 4, zeroPoints: false } as const;

export function quantizeSpec(level: QuantizeLevel, overrides: Partial<Omit<QuantizeSpec, 'bits'>> = {}): QuantizeSpec {
  return {
    bits: level === 'q4' ? 4 : 8,
    blockSize: overrides.blockSize ?? QUANTIZE_DEFAULTS.blockSize,
    accuracyLevel: overrides.accuracyLevel ?? QUANTIZE_DEFAULTS.accuracyLevel,
    zeroPoints: overrides.zeroPoints ?? QUANTIZE_DEFAULTS.zeroPoints,
  };
}

export function isQuantizeLevel(v: string | undefined): v is QuantizeLevel {
  return v === 'q4' || v === 'q8';
}
