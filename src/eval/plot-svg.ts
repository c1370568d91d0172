// Accuracy against the entropy threshold τ as a self-contained SVG: one line per
// τ-sweeping preset (with Wilson 95% error bars), and a dashed horizontal line per
// reference configuration (off, soft). Hand-written to avoid a plotting dependency.
import type { ConfigMetrics } from './metrics.js';

const COLOURS = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#9467bd',
  '#ff7f0e',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#7f7f7f',
  '#bcbd22',
];
const W = 720;
const H = 440;
const M = { left: 64, right: 190, top: 40, bottom: 56 };

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const f = (x: number) => Number(x.toFixed(2)).toString();

export function accuracyPlot(metrics: ConfigMetrics[], title: string): string {
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const x = (tau: number) => M.left + tau * plotW;
  const y = (acc: number) => M.top + (1 - acc) * plotH;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ` +
      `font-family="sans-serif" font-size="12">`,
  );
  out.push(`<title>${escapeXml(title)}</title>`);
  out.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${M.left}" y="${M.top - 16}" font-size="14" font-weight="bold">${escapeXml(title)}</text>`);

  // Axes and grid: τ from 0 to 1, accuracy from 0% to 100%.
  for (let i = 0; i <= 10; i++) {
    const tau = i / 10;
    out.push(`<line x1="${f(x(tau))}" y1="${M.top}" x2="${f(x(tau))}" y2="${M.top + plotH}" stroke="#eeeeee"/>`);
    out.push(`<text x="${f(x(tau))}" y="${M.top + plotH + 18}" text-anchor="middle">${tau.toFixed(1)}</text>`);
  }
  for (let i = 0; i <= 4; i++) {
    const acc = i / 4;
    out.push(`<line x1="${M.left}" y1="${f(y(acc))}" x2="${M.left + plotW}" y2="${f(y(acc))}" stroke="#eeeeee"/>`);
    out.push(`<text x="${M.left - 8}" y="${f(y(acc) + 4)}" text-anchor="end">${acc * 100}%</text>`);
  }
  out.push(`<rect x="${M.left}" y="${M.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333333"/>`);
  out.push(`<text x="${M.left + plotW / 2}" y="${H - 14}" text-anchor="middle">entropy threshold τ</text>`);
  out.push(`<text transform="translate(16 ${M.top + plotH / 2}) rotate(-90)" text-anchor="middle">accuracy</text>`);

  const series = new Map<string, ConfigMetrics[]>();
  const references: ConfigMetrics[] = [];
  for (const m of metrics) {
    if (m.tau === null) references.push(m);
    else series.set(m.preset, [...(series.get(m.preset) ?? []), m]);
  }
  let colour = 0;
  const legend: Array<{ label: string; colour: string; dashed: boolean }> = [];

  for (const m of references) {
    const c = COLOURS[colour++ % COLOURS.length];
    out.push(
      `<line class="reference" data-config="${escapeXml(m.config)}" data-accuracy="${m.accuracy}" x1="${M.left}" ` +
        `y1="${f(y(m.accuracy))}" x2="${M.left + plotW}" y2="${f(y(m.accuracy))}" stroke="${c}" stroke-width="1.5" ` +
        `stroke-dasharray="6 4"/>`,
    );
    legend.push({ label: `${m.config} ${(100 * m.accuracy).toFixed(1)}%`, colour: c, dashed: true });
  }
  for (const [preset, points] of series) {
    const c = COLOURS[colour++ % COLOURS.length];
    const sorted = [...points].sort((a, b) => a.tau! - b.tau!);
    out.push(
      `<polyline class="series" data-preset="${escapeXml(preset)}" fill="none" stroke="${c}" stroke-width="2" ` +
        `points="${sorted.map((m) => `${f(x(m.tau!))},${f(y(m.accuracy))}`).join(' ')}"/>`,
    );
    for (const m of sorted) {
      const px = f(x(m.tau!));
      out.push(
        `<line class="ci" x1="${px}" y1="${f(y(m.ci95.low))}" x2="${px}" y2="${f(y(m.ci95.high))}" stroke="${c}" ` +
          `stroke-width="1"/>`,
      );
      out.push(
        `<circle class="point" data-config="${escapeXml(m.config)}" data-tau="${m.tau}" ` +
          `data-accuracy="${m.accuracy}" cx="${px}" cy="${f(y(m.accuracy))}" r="4" ` +
          `fill="${c}"><title>` +
          escapeXml(`${m.config}: ${(100 * m.accuracy).toFixed(1)}% (n=${m.count})`) +
          '</title></circle>',
      );
    }
    legend.push({ label: preset, colour: c, dashed: false });
  }

  legend.forEach((entry, i) => {
    const ly = M.top + 10 + i * 20;
    const lx = M.left + plotW + 14;
    out.push(
      `<line x1="${lx}" y1="${ly}" x2="${lx + 24}" y2="${ly}" stroke="${entry.colour}" ` +
        `stroke-width="2"${entry.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
    );
    out.push(`<text x="${lx + 30}" y="${ly + 4}">${escapeXml(entry.label)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
