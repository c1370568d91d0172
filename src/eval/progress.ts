// Progress on stderr: a redrawn bar on a terminal, plain periodic lines otherwise
// (CI logs and files must not fill with carriage returns).
import type { ResultRecord } from './results-file.js';

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  /** Plain mode: at most one line per this many milliseconds (plus one per configuration). */
  intervalMs?: number;
  now?: () => number;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export class Progress {
  private done: number;
  private ranNow = 0;
  private config = '';
  private configCorrect = 0;
  private configCount = 0;
  private readonly started: number;
  private lastDraw = -Infinity;
  private readonly tty: boolean;
  private readonly intervalMs: number;
  private readonly now: () => number;

  constructor(
    private readonly stream: ProgressStream,
    private readonly total: number,
    alreadyDone: number,
    o: ProgressOptions = {},
  ) {
    this.done = alreadyDone;
    this.tty = stream.isTTY === true;
    this.intervalMs = o.intervalMs ?? 10_000;
    this.now = o.now ?? Date.now;
    this.started = this.now();
  }

  /** Counts results found already stored (a resumed run). */
  skip(count: number): void {
    this.done += count;
  }

  startConfig(name: string): void {
    this.config = name;
    this.configCorrect = 0;
    this.configCount = 0;
    this.draw(true);
  }

  tick(record: ResultRecord): void {
    this.done++;
    this.ranNow++;
    this.configCount++;
    if (record.correct) this.configCorrect++;
    this.draw(this.done === this.total);
  }

  finish(): void {
    if (this.tty) this.stream.write('\n');
  }

  line(): string {
    const fraction = this.total ? this.done / this.total : 1;
    const elapsed = (this.now() - this.started) / 1000;
    const eta = this.ranNow ? (elapsed / this.ranNow) * (this.total - this.done) : Infinity;
    const acc = this.configCount ? ` acc ${((100 * this.configCorrect) / this.configCount).toFixed(1)}%` : '';
    return (
      `${this.done}/${this.total} ${(100 * fraction).toFixed(0)}% ${this.config}${acc} elapsed ` +
      `${formatDuration(elapsed)} eta ${this.done === this.total ? '0s' : formatDuration(eta)}`
    );
  }

  private draw(force: boolean): void {
    const t = this.now();
    if (this.tty) {
      if (!force && t - this.lastDraw < 100) return;
      this.lastDraw = t;
      const width = Math.max(10, Math.min(30, (this.stream.columns ?? 80) - 70));
      const filled = this.total ? Math.round((width * this.done) / this.total) : width;
      this.stream.write(`\r\x1b[K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.line()}`);
    } else {
      if (!force && t - this.lastDraw < this.intervalMs) return;
      this.lastDraw = t;
      this.stream.write(`selar eval: ${this.line()}\n`);
    }
  }
}
