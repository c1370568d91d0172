// results.json → a short Markdown table for docs and the README.
import type { LoadResults } from './load.js';

export function markdown(r: LoadResults): string {
  const o = r.options;
  const rows: Array<[string, string | number]> = [
    ['requests tried', r.tried],
    ['completed', r.completed],
    ['rejected (429)', r.rejected],
    ['failed', r.failed],
    ['disconnected on purpose', r.disconnected],
    ['lost (no answer)', r.lost],
    ['malformed streams', r.malformed],
    ['greedy streams equal to solo', `${r.greedyChecked - r.greedyMismatches} / ${r.greedyChecked}`],
    ['seeded streams equal to solo', `${r.seededChecked - r.seededMismatches} / ${r.seededChecked}`],
    ['TTFT p50 / p99 / max (ms)', `${r.ttftMs.p50} / ${r.ttftMs.p99} / ${r.ttftMs.max}`],
    ['end-to-end p50 / p99 (ms)', `${r.e2eMs.p50} / ${r.e2eMs.p99}`],
    ['running / queued after the run', `${r.slotsAfter.running} / ${r.slotsAfter.queued}`],
    ['/ready after the run', r.readyAfter ? '200' : 'not ready'],
    ['wall time (s)', r.wallS],
  ];
  return [
    `Load test: ${o.clients} concurrent streaming clients, ${o.requests} requests, ` +
      `${Math.round(o.disconnectShare * 100)}% disconnecting early, ` +
      `${o.maxTokens} tokens each; server: ${o.workers} worker × ${o.maxSequencesPerWorker} sequences, queue ` +
      `${o.queueSize}; ` +
      `machine: ${r.machine.cpus} cores, load average ${r.machine.loadAvg.join(' ')}, Node ${r.machine.node}.`,
    '',
    '| measure | value |',
    '| --- | --- |',
    ...rows.map(([k, v]) => `| ${k} | ${v} |`),
    ...(r.failures.length ? ['', 'First failures:', '', ...r.failures.map((f) => `- ${f}`)] : []),
    '',
  ].join('\n');
}
