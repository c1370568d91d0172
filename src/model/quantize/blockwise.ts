// Block-wise weight quantization in onnxruntime's MatMulNBits layout: a weight W[K, N]
// is stored transposed, row n holding column n of W cut into blocks of `blockSize`
// along K; each block has one scale (and, asymmetric, one zero point), and its codes
// are packed low bits first, two 4-bit codes or one 8-bit code per byte. The same bytes,
// viewed as [N, K * bits / 8], are a GatherBlockQuantized table (quantize_axis 1), so a
// tied embedding and LM head share one copy.
//
// Symmetric (the default) follows onnxruntime's own quantizer: the scale maps the
// block's value of largest magnitude to the most negative code (-8 or -128), codes are
// stored with the implicit zero point 2^(bits-1) and no zero-point input is written.
// Asymmetric spans [min, max] of the block (widened to include 0) over 0..2^bits-1.

export type Bits = 4 | 8;

export interface BlockwiseOptions {
  bits: Bits;
  blockSize: number;
  /** Store a zero point per block (asymmetric) instead of the implicit midpoint. */
  zeroPoints: boolean;
}

export interface BlockwiseWeight {
  /** N rows of kBlocks blobs of blockSize * bits / 8 bytes: [N, kBlocks, blob]. */
  data: Uint8Array;
  /** One scale per block: [N, kBlocks], fp32 (rounded to fp16 by the caller where the model is fp16). */
  scales: Float32Array;
  /** Packed zero points [N, ceil(kBlocks * bits / 8)], or null for the implicit midpoint. */
  zeroPoints: Uint8Array | null;
  n: number;
  k: number;
  kBlocks: number;
}

export function checkBlockwise(k: number, opts: BlockwiseOptions): string | undefined {
  const b = opts.blockSize;
  if (!Number.isInteger(b) || b < 16 || (b & (b - 1)) !== 0) return `block size ${b} is not a power of two >= 16`;
  if (k % b !== 0) return `K = ${k} is not a multiple of the block size ${b}`;
  return undefined;
}

/**
 * The block a weight of depth K gets: the requested size where it divides K, else the largest
 * smaller power of two (at least 16) that does, so a model whose K is not a multiple of a
 * large block (an MLP of 704) still has every projection quantized; null where none does.
 */
export function blockFor(k: number, requested: number): number | null {
  for (let b = requested; b >= 16; b /= 2) if (k % b === 0) return b;
  return null;
}

/**
 * Quantizes `rows` (N rows of K values, i.e. W transposed). `roundScale` lets an fp16
 * model round each scale to fp16 before the codes are computed, so codes and the
 * scales the runtime reads agree.
 */
export function quantizeRows(
  rows: Float32Array,
  n: number,
  k: number,
  opts: BlockwiseOptions,
  roundScale: (s: number) => number = Math.fround,
): BlockwiseWeight {
  const { bits, blockSize } = opts;
  const kBlocks = k / blockSize;
  const blob = (blockSize * bits) / 8;
  const levels = (1 << bits) - 1;
  const mid = 1 << (bits - 1);
  const zpRow = Math.ceil((kBlocks * bits) / 8);
  const data = new Uint8Array(n * kBlocks * blob);
  const scales = new Float32Array(n * kBlocks);
  const zeroPoints = opts.zeroPoints ? new Uint8Array(n * zpRow) : null;
  const codes = new Uint8Array(blockSize);
  for (let r = 0; r < n; r++) {
    for (let b = 0; b < kBlocks; b++) {
      const base = r * k + b * blockSize;
      let scale: number;
      let zp: number;
      if (zeroPoints) {
        let lo = 0;
        let hi = 0;
        for (let i = 0; i < blockSize; i++) {
          const v = rows[base + i];
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
        scale = roundScale((hi - lo) / levels);
        zp = scale === 0 ? mid : Math.min(levels, Math.max(0, Math.round(-lo / scale)));
      } else {
        let peak = 0;
        for (let i = 0; i < blockSize; i++) {
          const v = rows[base + i];
          if (Math.abs(v) > Math.abs(peak)) peak = v;
        }
        scale = roundScale(peak / -mid);
        zp = mid;
      }
      const inv = scale === 0 ? 0 : 1 / scale;
      for (let i = 0; i < blockSize; i++) {
        codes[i] = Math.min(levels, Math.max(0, Math.round(rows[base + i] * inv) + zp));
      }
      scales[r * kBlocks + b] = scale;
      const out = (r * kBlocks + b) * blob;
      if (bits === 8) data.set(codes, out);
      else for (let i = 0; i < blob; i++) data[out + i] = codes[2 * i] | (codes[2 * i + 1] << 4);
      if (zeroPoints) {
        if (bits === 8) zeroPoints[r * zpRow + b] = zp;
        else zeroPoints[r * zpRow + (b >> 1)] |= zp << ((b & 1) * 4);
      }
    }
  }
  return { data, scales, zeroPoints, n, k, kBlocks };
}

/** Code `i` of row `r` and its zero point, as the runtime unpacks them. */
function codeAt(w: BlockwiseWeight, bits: Bits, r: number, i: number): number {
  const rowBytes = (w.k * bits) / 8;
  const byte = w.data[r * rowBytes + (bits === 8 ? i : i >> 1)];
  return bits === 8 ? byte : (byte >> ((i & 1) * 4)) & 0xf;
}

function zeroPointAt(w: BlockwiseWeight, bits: Bits, r: number, b: number): number {
  if (!w.zeroPoints) return 1 << (bits - 1);
  const zpRow = Math.ceil((w.kBlocks * bits) / 8);
  const byte = w.zeroPoints[r * zpRow + (bits === 8 ? b : b >> 1)];
  return bits === 8 ? byte : (byte >> ((b & 1) * 4)) & 0xf;
}

/** Row r dequantized, (code - zero point) * scale in fp32: the values the runtime multiplies by. */
export function dequantizeRow(
  w: BlockwiseWeight,
  opts: Pick<BlockwiseOptions, 'bits' | 'blockSize'>,
  r: number,
  out = new Float32Array(w.k),
): Float32Array {
  for (let i = 0; i < w.k; i++) {
    const b = Math.floor(i / opts.blockSize);
    out[i] = Math.fround((codeAt(w, opts.bits, r, i) - zeroPointAt(w, opts.bits, r, b)) * w.scales[r * w.kBlocks + b]);
  }
  return out;
}
