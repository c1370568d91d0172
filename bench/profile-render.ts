// The profile section of bench/results.md: per-token cost of each part of the loop,
// and the in-process loop set against the floor and the engine behind its worker.
import type { ModelProfile } from './profile.js';
import { findRow, type ModelResult } from './results.js';

const f = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : '–');

export function renderProfile(profiles: ModelProfile[], models: ModelResult[]): string {
  const out = [
    '## Profile: where the engine\'s time goes',
    '',
    'The engine\'s decode loop (its worker runtime and Scheduler) run in-process with timers around each part; ms per generated token, whole run (prefill included).',
    '',
    '| model | mode | conc. | in-process tok/s | rows per decode pass | session.run prefill | session.run decode | rest of forward | cache merge/split | embedding lookup | detokenise | sampling + SeLaR + rest | scheduler rest | soft steps |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const p of profiles) {
    for (const l of p.loops) {
      const m = l.ms;
      out.push(
        `| ${p.model} | ${l.mode} | ${l.concurrency} | ${f(l.tokensPerSecond, 1)} | ${f(l.rowsPerDecodePass, 2)} | ${f(m.prefillRun)} | ${f(m.decodeRun)} | ${f(m.forwardOther)} | ${f(m.cacheMergeSplit)} | ` +
          `${f(m.embeddingLookup)} | ${f(m.detokenise)} | ${f(m.samplingAndRest)} | ${f(m.schedulerRest)} | ${f(l.softFraction * 100, 0)}% |`,
      );
    }
  }
  out.push(
    '',
    '| model | sampler.sample per step | same at V = 151,936 | outputs the binding copies per step (KV + logits) | one JS copy of that | inputs fed per pass |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const p of profiles) {
    const here = p.samplerMs[0];
    const big = p.samplerMs.find((s) => s.vocab === 151936);
    out.push(`| ${p.model} | ${f(here.ms)} ms (V = ${here.vocab}) | ${big ? `${f(big.ms)} ms` : '–'} | ${f(p.outputBytesPerStep / 2 ** 20, 2)} MiB | ${f(p.outputCopyMs)} ms | ${p.inputsPerStep} |`);
  }
  const lines: string[] = [];
  for (const p of profiles) {
    const m = models.find((x) => x.model.name === p.model);
    const floor = findRow(m, 'floor', 1);
    const engine = findRow(m, 'engine:off', 1);
    const loop = p.loops.find((l) => l.mode === 'off' && l.concurrency === 1);
    if (!floor || !engine || !loop) continue;
    // Per-token costs from end-to-end rates (prefill included) so the three are comparable.
    const floorMs = 1000 / floor.summary.aggregateTps;
    const loopMs = 1000 / loop.tokensPerSecond;
    const engineMs = 1000 / engine.summary.aggregateTps;
    lines.push(
      `- ${p.model}, c=1, end to end: floor ${f(floorMs, 2)} ms/token → engine loop in-process ${f(loopMs, 2)} ms/token (+${f(loopMs - floorMs, 2)}) → ` +
        `engine behind its worker ${f(engineMs, 2)} ms/token (+${f(engineMs - loopMs, 2)}: worker thread, postMessage, event channel, and the bench's consumer sharing 2 cores).`,
    );
  }
  if (lines.length) out.push('', 'Floor → loop → worker, from the same run (profile and bench rows were measured minutes apart, so read the differences as estimates):', '', ...lines);
  return out.join('\n');
}
