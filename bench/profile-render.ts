// The profile section of bench/results.md: per-token cost of each part of the loop,
// and the loop alone set against the floor and the engine behind its pool.
import { MAIN_THREAD_CATEGORIES, mainThreadUsPerToken } from './main-thread-profile.js';
import type { ModelProfile } from './profile.js';
import { findRow, type ModelResult } from './results.js';

const f = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : '–');

export function renderProfile(profiles: ModelProfile[], models: ModelResult[], messageRoundTripUs: number): string {
  const out = [
    "## Profile: where the engine's time goes",
    '',
    "The engine's decode loop (its worker runtime and Scheduler) run in a worker thread of the bench, without the " +
      'pool and its messages, with timers around each part; ms per generated token, whole run (prefill included).',
    '',
    '| model | mode | conc. | loop tok/s | rows per decode pass | session.run prefill | session.run decode | rest of ' +
      'forward | cache merge/split | embedding lookup | detokenise | sampling + SeLaR + rest | scheduler rest | ' +
      'soft steps |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const p of profiles) {
    for (const l of p.loops) {
      const m = l.ms;
      out.push(
        `| ${p.model} | ${l.mode} | ${l.concurrency} | ${f(l.tokensPerSecond, 1)} | ${f(l.rowsPerDecodePass, 2)} | ` +
          `${f(m.prefillRun)} | ${f(m.decodeRun)} | ${f(m.forwardOther)} | ${f(m.cacheMergeSplit)} | ` +
          `${f(m.embeddingLookup)} | ${f(m.detokenise)} | ${f(m.samplingAndRest)} | ${f(m.schedulerRest)} | ` +
          `${f(l.softFraction * 100, 0)}% |`,
      );
    }
  }
  out.push(
    '',
    '| model | sampler.sample per step | same at V = 151,936 | outputs the binding copies per step (KV + logits) | ' +
      'one JS copy of that | inputs fed per pass |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const p of profiles) {
    const here = p.samplerMs[0];
    const big = p.samplerMs.find((s) => s.vocab === 151936);
    out.push(
      `| ${p.model} | ${f(here.ms)} ms (V = ${here.vocab}) | ${big ? `${f(big.ms)} ms` : '–'} | ` +
        `${f(p.outputBytesPerStep / 2 ** 20, 2)} MiB | ${f(p.outputCopyMs)} ms | ${p.inputsPerStep} |`,
    );
  }
  const cats = [
    'session.run (ORT and binding)',
    'postMessage to the main thread',
    'garbage collection',
    'decode loop (scheduler, sequence, feeds)',
    'sampling and SeLaR',
    'detokenising',
    'embedding lookup',
  ];
  out.push(
    '',
    "V8's CPU profiler on the engine's decode worker (engine in a child process, samples during the measured runs; " +
      'ms of worker time per generated token, self time by what the sampled frame was doing):',
    '',
    `| model | conc. | worker ms/token | ${cats.join(' | ')} | everything else |`,
    `| --- | ---: | ---: | ${cats.map(() => '---:').join(' | ')} | ---: |`,
  );
  for (const p of profiles) {
    for (const c of p.cpu ?? []) {
      const get = (name: string) => c.categories.find((x) => x.category === name)?.msPerToken ?? 0;
      const rest = c.msPerToken - cats.reduce((sum, name) => sum + get(name), 0);
      out.push(
        `| ${p.model} | ${c.concurrency} | ${f(c.msPerToken)} | ${cats.map((name) => f(get(name))).join(' | ')} | ` +
          `${f(rest)} |`,
      );
    }
  }
  const mainRows = profiles.flatMap((p) => (p.mainThread ?? []).map((m) => ({ model: p.model, m })));
  if (mainRows.length) {
    out.push(
      '',
      "V8's CPU profiler on the main thread (in-process, around HTTP-streaming and engine-alone runs; the HTTP " +
        "clients run in a worker thread, so this is server work only). *µs/token* is the unprofiled bench row's " +
        'main-thread busy time per generated token (event-loop utilisation × wall time ÷ tokens); ' +
        "the other columns share it out by the profile's self-time samples:",
      '',
      `| model | system | conc. | main thread µs/token | ${MAIN_THREAD_CATEGORIES.join(' | ')} | everything else |`,
      `| --- | --- | ---: | ---: | ${MAIN_THREAD_CATEGORIES.map(() => '---:').join(' | ')} | ---: |`,
    );
    for (const { model, m } of mainRows) {
      const us = mainThreadUsPerToken(
        findRow(
          models.find((x) => x.model.name === model),
          m.system,
          m.concurrency,
        ),
      );
      const get = (name: string) => (m.categories.find((x) => x.category === name)?.share ?? 0) * us;
      const rest = us - MAIN_THREAD_CATEGORIES.reduce((sum, name) => sum + get(name), 0);
      out.push(
        `| ${model} | ${m.system} | ${m.concurrency} | ${f(us, 1)} | ` +
          `${MAIN_THREAD_CATEGORIES.map((name) => f(get(name), 1)).join(' | ')} | ${f(rest, 1)} |`,
      );
    }
  }
  out.push(
    '',
    "Inside session.run (ORT's profiler on the floor loop, per decode step; the profiler adds some time of its own):",
    '',
    '| model | batch | nodes run | JS wall ms | ORT model_run ms | kernels ms | binding + event loop (wall − ' +
      'model_run) | ORT framework (model_run − kernels) | top operators by kernel time (nodes) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  );
  for (const p of profiles) {
    for (const o of p.ort) {
      const top = o.byOp
        .slice(0, 4)
        .map((x) => `${x.op} ${f(x.ms, 2)} ms (${f(x.nodes, 0)})`)
        .join(', ');
      out.push(
        `| ${p.model} | ${o.batch} | ${f(o.nodesPerStep, 0)} | ${f(o.wallMs, 2)} | ${f(o.modelRunMs, 2)} | ` +
          `${f(o.kernelMs, 2)} | ${f(o.wallMs - o.modelRunMs, 2)} | ${f(o.modelRunMs - o.kernelMs, 2)} | ${top} |`,
      );
    }
  }
  out.push(
    '',
    'The floor (decode tok/s of all rows, medians of interleaved runs) under other session options and with ' +
      'whole-cache presents:',
    '',
    '| model | option | batch | decode tok/s | × engine options |',
    '| --- | --- | ---: | ---: | ---: |',
  );
  for (const p of profiles) {
    for (const v of p.variants) {
      // Older results.json files have no batch: one row each.
      const batch = v.batch ?? 1;
      const base = p.variants.find((x) => (x.batch ?? 1) === batch)?.decodeTps ?? Number.NaN;
      out.push(`| ${p.model} | ${v.name} | ${batch} | ${f(v.decodeTps, 1)} | ${f(v.decodeTps / base, 2)} |`);
    }
  }
  out.push(
    '',
    ...profiles.map(
      (p) =>
        `- ${p.model}: the KV cache is ${f(p.kvBytesPerPosition / 1024, 1)} KiB per position; ` +
        (p.presentNewOnly
          ? `its presents carry only the step's new position, so the binding copies ` +
            `${f(p.kvBytesPerPosition / 1024, 1)} KiB of cache out per step and sequence and the loop appends it to ` +
            `arrays it reuses (with whole-cache presents: ${f((p.kvBytesPerPosition * 2048) / 2 ** 20, 0)} MiB ` +
            'per step at 2,048 positions).'
          : `the binding copies all of it out every step (${f((p.kvBytesPerPosition * 2048) / 2 ** 20, 0)} MiB per ` +
            `step at 2,048 positions).`),
    ),
  );
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
      `- ${p.model}, c=1, end to end: floor ${f(floorMs, 2)} ms/token → ` +
        `engine loop without the pool ${f(loopMs, 2)} ms/token (+${f(loopMs - floorMs, 2)}) → ` +
        `engine behind its worker ${f(engineMs, 2)} ms/token (+${f(engineMs - loopMs, 2)}: worker thread, ` +
        `postMessage, event channel, and the bench's consumer sharing 2 cores).`,
    );
  }
  out.push(
    '',
    '- A worker ↔ main-thread round trip of one token-event message ' +
      `takes ${f(messageRoundTripUs, 0)} µs (median): ` +
      `the engine pays one hop per token per sequence.`,
  );
  if (lines.length)
    out.push(
      '',
      'Floor → loop → worker, from the same run (profile and bench rows were measured minutes apart, so read the ' +
        'differences as estimates):',
      '',
      ...lines,
    );
  return out.join('\n');
}
