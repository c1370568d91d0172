// A soft step's mixture (`selar.trace: "mix"`) as rows for the token inspector:
// each candidate's text with whitespace made visible, its weight as a percentage and
// the width of its bar. Pure, so it is tested without a browser.
import type { MixEntry } from './wire-types.js';

export interface MixRow {
  id: number;
  /** The candidate's text, quoted, whitespace escaped ("\n", "\t", " "). */
  text: string;
  /** The weight as a percentage, e.g. "61.0 %". */
  percent: string;
  /** The bar's width in percent of the widest possible (weight 1), 0..100. */
  bar: number;
}

/** Token text with whitespace made visible: "\n" and friends, quoted. */
export const visibleText = (text: string) => JSON.stringify(text);

/** In the server's order (most probable first); a weight outside [0, 1] is clamped for the bar only. */
export function mixRows(mix: readonly MixEntry[]): MixRow[] {
  return mix.map((m) => ({
    id: m.id,
    text: visibleText(m.token),
    percent: `${(100 * m.weight).toFixed(1)} %`,
    bar: Math.round(1000 * Math.min(1, Math.max(0, m.weight))) / 10,
  }));
}
