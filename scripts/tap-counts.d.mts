// Types for scripts/tap-counts.mjs (the test runner stays plain JavaScript, run by node).
export interface Tally {
  passed: number;
  failed: number;
  skipped: number;
}
export interface Counts extends Tally {
  /** Why the counts cannot be trusted; each one makes the run fail. */
  problems: string[];
}
export function countTap(text: string): Counts;
export function summaryLine(tally: Tally): string;
