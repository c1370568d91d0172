// Seeded PRNG for weight generation. Models must be byte-identical for a given
// seed across runs and machines, so nothing here touches Math.random.

/** mulberry32: 32-bit state, good enough spread for random weights, trivially portable. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    // Mixing the seed keeps nearby seeds (1, 2, 3...) from giving correlated streams.
    this.state = (Math.imul(seed | 0, 0x9e3779b1) ^ 0x85ebca6b) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  }

  /** Zero-mean uniform values with the given standard deviation. */
  fill(out: Float32Array, std: number, mean = 0): Float32Array {
    const half = std * Math.sqrt(3);
    for (let i = 0; i < out.length; i++) out[i] = mean + (2 * this.next() - 1) * half;
    return out;
  }
}
