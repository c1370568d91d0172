// The Wilson score interval for a binomial proportion: unlike the normal
// approximation it stays inside [0, 1] and behaves at 0/n and n/n, which matter
// here because small evaluation sets often score 100% on easy groups.

export interface Interval {
  low: number;
  high: number;
}

/** 95% by default (z = 1.959964). With no trials, the whole of [0, 1]. */
export function wilsonInterval(successes: number, trials: number, z = 1.959963984540054): Interval {
  if (!Number.isInteger(successes) || !Number.isInteger(trials) || successes < 0 || successes > trials) {
    throw new RangeError(`wilsonInterval: need integers 0 <= successes <= trials, got ${successes}/${trials}`);
  }
  if (trials === 0) return { low: 0, high: 1 };
  const p = successes / trials;
  const z2 = z * z;
  const denominator = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}
