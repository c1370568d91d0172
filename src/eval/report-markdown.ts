// The Markdown results table: one row per configuration, with a column per
// `steps` group so the easy and hard problems can be read apart.
import type { ConfigMetrics } from './metrics.js';
import type { EvalSummary } from './summary.js';

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

function stepColumns(metrics: ConfigMetrics[]): string[] {
  const keys = new Set<string>();
  for (const m of metrics) for (const k of Object.keys(m.bySteps)) keys.add(k);
  return [...keys].sort((a, b) => (a === 'unknown' ? 1 : b === 'unknown' ? -1 : Number(a) - Number(b)));
}

export function markdownTable(metrics: ConfigMetrics[], concurrency: number): string {
  const steps = stepColumns(metrics);
  // A single "unknown" group (plain GSM8K) adds nothing to the overall column.
  const showSteps = !(steps.length === 1 && steps[0] === 'unknown');
  const header = [
    'configuration',
    'accuracy',
    '95% CI',
    ...(showSteps ? steps.map((s) => (s === 'unknown' ? 'no steps' : `${s}-step`)) : []),
    'mean tokens',
    'soft ratio',
    `tokens/s (concurrency ${concurrency})`,
    'count',
  ];
  const rows = metrics.map((m) => [
    `\`${m.config}\``,
    pct(m.accuracy),
    `${pct(m.ci95.low)}–${pct(m.ci95.high)}`,
    ...(showSteps
      ? steps.map((s) => (m.bySteps[s] ? `${pct(m.bySteps[s].accuracy)} (${m.bySteps[s].count})` : '–'))
      : []),
    m.meanCompletionTokens.toFixed(1),
    m.softRatio === null ? 'n/a' : pct(m.softRatio),
    // Results resumed from a run at another concurrency say so in the cell.
    (m.concurrency.length === 1 && m.concurrency[0] === concurrency) || m.concurrency.length === 0
      ? m.tokensPerSecond.toFixed(1)
      : `${m.tokensPerSecond.toFixed(1)} (concurrency ${m.concurrency.join(', ')})`,
    String(m.count),
  ]);
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const align = header.map((_, i) => (i === 0 ? '---' : '---:'));
  return [line(header), line(align), ...rows.map(line)].join('\n');
}

export function markdownReport(s: EvalSummary): string {
  const sampled = s.configs.find((c) => c.samples > 1);
  const byStepsText = Object.entries(s.dataset.bySteps)
    .map(([k, v]) => `${v} × ${k === 'unknown' ? 'no steps' : `${k}-step`}`)
    .join(', ');
  return [
    `# selar eval: ${s.model}`,
    '',
    `- command: \`${s.command}\``,
    `- endpoint: ${s.endpoint}`,
    `- dataset: \`${s.dataset.path}\`, ${s.dataset.problems} problems (${byStepsText})`,
    `- date: ${s.createdAt}`,
    '',
    markdownTable(s.metrics, s.concurrency),
    '',
    'Accuracy counts every sample' +
      (sampled
        ? ` (sampled configurations: ${sampled.samples} seeded samples per problem, the same seeds for each)`
        : '') +
      '; ' +
      "the 95% interval is Wilson's. Soft ratio = soft tokens / completion tokens. " +
      'Tokens/s = completion tokens / the wall time during which the configuration had requests in flight.',
    '',
  ].join('\n');
}
