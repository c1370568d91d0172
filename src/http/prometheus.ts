// A minimal Prometheus registry (counters, histograms, gauges read at scrape time)
// rendering the text exposition format 0.0.4. Small enough to own; avoids a
// dependency for the dozen metrics the server exports.
type Labels = Record<string, string>;

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const labelText = (labels: Labels, extra: Labels = {}) => {
  const all = { ...labels, ...extra };
  const keys = Object.keys(all);
  return keys.length === 0 ? '' : `{${keys.map((k) => `${k}="${escapeLabel(all[k])}"`).join(',')}}`;
};
const num = (v: number) => (v === Infinity ? '+Inf' : Number.isInteger(v) ? String(v) : String(+v.toPrecision(12)));

interface Metric {
  render(): string;
}

abstract class Base implements Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: string,
  ) {}
  protected header(): string {
    return `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} ${this.type}\n`;
  }
  abstract render(): string;
}

export class Counter extends Base {
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(name: string, help: string) {
    super(name, help, 'counter');
  }
  // Unlabelled counters are bumped per generated token: no label text to build for them.
  inc(labels?: Labels, by = 1): void {
    const key = labels === undefined ? '' : labelText(labels);
    const entry = this.values.get(key);
    if (entry) entry.value += by;
    else this.values.set(key, { labels: labels ?? {}, value: by });
  }
  get(labels?: Labels): number {
    return this.values.get(labels === undefined ? '' : labelText(labels))?.value ?? 0;
  }
  render(): string {
    let out = this.header();
    if (this.values.size === 0) out += `${this.name} 0\n`;
    for (const { labels, value } of this.values.values()) out += `${this.name}${labelText(labels)} ${num(value)}\n`;
    return out;
  }
}

export class Gauge extends Base {
  constructor(
    name: string,
    help: string,
    private readonly read: () => number,
  ) {
    super(name, help, 'gauge');
  }
  render(): string {
    return `${this.header()}${this.name} ${num(this.read())}\n`;
  }
}

export class Histogram extends Base {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;
  constructor(
    name: string,
    help: string,
    private readonly buckets: number[],
  ) {
    super(name, help, 'histogram');
    this.counts = buckets.map(() => 0);
  }
  observe(value: number): void {
    this.sum += value;
    this.count++;
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]) this.counts[i]++;
  }
  get total(): number {
    return this.count;
  }
  render(): string {
    let out = this.header();
    this.buckets.forEach((le, i) => {
      out += `${this.name}_bucket${labelText({ le: num(le) })} ${this.counts[i]}\n`;
    });
    out +=
      `${this.name}_bucket{le="+Inf"} ${this.count}\n${this.name}_sum ${num(this.sum)}\n${this.name}_count ` +
      `${this.count}\n`;
    return out;
  }
}

export class Registry {
  private readonly metrics: Metric[] = [];
  add<T extends Metric>(m: T): T {
    this.metrics.push(m);
    return m;
  }
  render(): string {
    return this.metrics.map((m) => m.render()).join('');
  }
}
