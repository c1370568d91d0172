// `npm run bench`: the floor, the engine (selar off/selar/soft), HTTP streaming and
// transformers.js on the same models and prompts, interleaved and repeated, then
// bench/results.json and bench/results.md. See bench/README.md for what each row means.
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseBenchArgs, USAGE } from './args.js';
import { loadSnapshot, machineFacts, sourceState } from './machine.js';
import { MODELS_DIR, prepareModel } from './models.js';
import { buildPlan, roundOrder, type BenchOptions, type Config, type ModelPlan, type SystemId } from './plan.js';
import { promptIds } from './prompts.js';
import { renderMarkdown } from './render.js';
import type { BenchResults, ModelResult, ResultRow } from './results.js';
import { median, runMetrics, summarise, type RunMetrics } from './stats.js';
import { closeSystems, openSystems, runConfig, type OpenSystems } from './systems.js';
import { profileMainThread, type MainThreadBreakdown } from './main-thread-profile.js';
import { checkTargets } from './targets.js';
import { profileModelInWorker, type ModelProfile } from './profile.js';
import { renderProfile } from './profile-render.js';
import { messageRoundTripUs } from './messaging.js';
import { defaultParallelism } from '../src/engine/parallelism.js';
import type { EngineSettings } from './engine-bench.js';
import { workerCpuProfile } from './cpu-profile.js';
import { runLlamaCppBench } from './llama-cpp-bench.js';

const log = (s: string) => process.stderr.write(`${s}\n`);
const label = (c: Config) => `${c.system} c=${c.concurrency} (${c.tokens} tok)`;

async function benchModel(
  plan: ModelPlan,
  opts: BenchOptions,
): Promise<{ result: ModelResult; profile: ModelProfile | null }> {
  const startedAt = new Date().toISOString();
  const loadStart = loadSnapshot();
  const model = await prepareModel(plan.role, log);
  // The server's own choice for this model unless the command line overrides it.
  const parallel = defaultParallelism(model.shape.hidden, {
    workers: opts.workers ?? undefined,
    threadsPerWorker: opts.threads ?? undefined,
  });
  const settings: EngineSettings = {
    workers: parallel.workers,
    threadsPerWorker: parallel.threads,
    maxSequencesPerWorker: Math.max(...opts.concurrency),
  };
  const prompts = promptIds(model.dir, 4).map((p) => (plan.maxPromptTokens ? p.slice(-plan.maxPromptTokens) : p));
  const floorPromptLength = Math.round(median(prompts.map((p) => p.length)));
  const rounds = Math.max(...Object.values(plan.repeats));
  log(
    `\n== ${model.name}: prompts of ${prompts.map((p) => p.length).join(', ')} tokens; ${plan.configs.length} ` +
      `configurations, up to ${rounds} repeats`,
  );
  const systems = await openSystems(model, new Set(plan.configs.map((c) => c.system)), settings);
  const runs = new Map<Config, RunMetrics[]>(plan.configs.map((c) => [c, []]));
  let mainThread: MainThreadBreakdown[] = [];
  const configs = plan.configs.filter((c) => !systems.skipped.some((s) => s.system === c.system));
  try {
    // Warm-up: JIT, allocator and ORT's first-run costs, untimed. A short run suffices
    // where one step is expensive (the large model under concurrency).
    for (const c of configs) {
      const warm = plan.role === 'large' && c.concurrency > 1 ? { ...c, tokens: Math.min(4, c.tokens) } : c;
      await runConfig(systems, warm, prompts, floorPromptLength);
    }
    // Each round runs every system at one concurrency back to back before moving on,
    // so the runs a ratio pairs up are seconds apart, not minutes.
    const levels = [...new Set(configs.map((c) => c.concurrency))];
    for (let round = 0; round < rounds; round++) {
      for (const level of levels) {
        if (round >= plan.repeats[level]) continue;
        for (const c of roundOrder(
          configs.filter((x) => x.concurrency === level),
          round,
        )) {
          // Main-thread event-loop utilisation: the HTTP layer and the event routing live there,
          // and floor/transformers.js block it with synchronous session.run calls.
          // Start each run with a clean heap: the floor and transformers.js leave their KV
          // buffers behind, and collecting them must not land inside another system's run.
          (globalThis as { gc?: () => void }).gc?.();
          const elu = performance.eventLoopUtilization();
          const m = runMetrics((await runConfig(systems, c, prompts, floorPromptLength))!);
          const busy = performance.eventLoopUtilization(elu).utilization;
          m.mainThreadBusy = busy;
          runs.get(c)!.push(m);
          log(
            `  [${round + 1}/${plan.repeats[level]}] ${label(c).padEnd(34)} decode ` +
              `${m.decodeTps.toFixed(1).padStart(7)} tok/s  aggregate ${m.aggregateTps.toFixed(1).padStart(7)} ` +
              `tok/s  TTFT ${m.ttftMs.toFixed(1).padStart(7)} ms  ` +
              `main thread ${(busy * 100).toFixed(0).padStart(3)}% busy`,
          );
        }
      }
    }
    if (opts.profile) mainThread = await profileMainThreadRows(systems, configs, prompts, floorPromptLength);
  } finally {
    await closeSystems(systems);
  }
  const rows: ResultRow[] = configs.map((c) => ({
    system: c.system,
    concurrency: c.concurrency,
    tokens: c.tokens,
    summary: summarise(runs.get(c)!, c.concurrency),
    runs: runs.get(c)!,
  }));
  const profile = opts.profile
    ? await profileModelInWorker(model, prompts, plan.profile, settings.threadsPerWorker)
    : null;
  if (profile) {
    profile.mainThread = mainThread;
    log(`  profiling ${model.name}: V8's CPU profiler on the engine's decode worker`);
    const cpu = plan.role === 'large' ? { tokens: 24, rounds: 2 } : { tokens: 128, rounds: 3 };
    profile.cpu = plan.profile.concurrency.map((c) =>
      workerCpuProfile(
        model.dir,
        prompts,
        c === 1 ? cpu.tokens : Math.max(8, cpu.tokens / 2),
        c,
        settings.threadsPerWorker,
        c === 1 ? cpu.rounds : 1,
      ),
    );
  }
  return {
    result: {
      model: { role: model.role, name: model.name, origin: model.origin, shape: model.shape },
      promptTokens: prompts.map((p) => p.length),
      repeats: plan.repeats,
      rows,
      skipped: systems.skipped,
      engine: settings,
      measured: {
        startedAt,
        finishedAt: new Date().toISOString(),
        load: { start: loadStart, end: loadSnapshot() },
        source: sourceState(),
      },
    },
    profile,
  };
}

/**
 * The main thread per token for HTTP streaming and the engine alone, at the lowest and highest concurrency measured.
 */
async function profileMainThreadRows(
  systems: OpenSystems,
  configs: Config[],
  prompts: number[][],
  floorPromptLength: number,
): Promise<MainThreadBreakdown[]> {
  const levels = [...new Set(configs.filter((c) => c.system === 'http:off').map((c) => c.concurrency))];
  const profiled = new Set<SystemId>(['http:off', 'http:interval', 'http:padded', 'engine:off']);
  const picked = configs.filter(
    (c) => profiled.has(c.system) && (c.concurrency === Math.min(...levels) || c.concurrency === Math.max(...levels)),
  );
  const out: MainThreadBreakdown[] = [];
  for (const c of picked) {
    log(`  profiling the main thread: ${label(c)}`);
    out.push(
      await profileMainThread(
        c.system,
        c.concurrency,
        c.concurrency === 1 ? 3 : 2,
        () => runConfig(systems, c, prompts, floorPromptLength)!,
      ),
    );
  }
  return out;
}

/** With --merge: the models (and their profiles) of the previous results that this run does not measure. */
function keptFromPrevious(file: string, opts: BenchOptions): { models: ModelResult[]; profiles: ModelProfile[] } {
  if (!fs.existsSync(file)) return { models: [], profiles: [] };
  const previous = JSON.parse(fs.readFileSync(file, 'utf8')) as BenchResults;
  const models = previous.models.filter((m) => !opts.models.includes(m.model.role) && m.measured);
  const names = new Set(models.map((m) => m.model.name));
  const profiles = (previous.profile?.models ?? []).filter((p) => names.has(p.model));
  for (const m of models) log(`keeping ${m.model.name} as measured at ${m.measured.startedAt}`);
  return { models, profiles };
}

async function main(): Promise<void> {
  // The llama.cpp anchor rows, run alone (bench/llama-cpp-bench.ts has its own options).
  if (process.argv.includes('--llama-cpp')) return runLlamaCppBench(process.argv.slice(2));
  let opts: BenchOptions;
  try {
    opts = parseBenchArgs(process.argv.slice(2));
  } catch (err) {
    log(`${(err as Error).message}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (opts.render) {
    writeResults(
      JSON.parse(fs.readFileSync(path.join(opts.outDir, 'results.json'), 'utf8')) as BenchResults,
      opts.outDir,
    );
    return;
  }
  // Derived decoders go to a cache beside the generated models, not the user's cache.
  process.env.SELAR_CACHE_DIR ??= path.join(MODELS_DIR, '.cache');
  if (!(globalThis as { gc?: unknown }).gc)
    log(
      "note: without --expose-gc (npm run bench passes it) garbage from one system's run can be collected inside " +
        "the next one's",
    );
  const started = new Date();
  const loadStart = loadSnapshot();
  const source = sourceState();
  log(`load average at start: ${loadStart.loadAverage.join(' / ')}`);
  const { models, profiles } = opts.merge
    ? keptFromPrevious(path.join(opts.outDir, 'results.json'), opts)
    : { models: [], profiles: [] };
  for (const plan of buildPlan(opts)) {
    const { result, profile } = await benchModel(plan, opts);
    models.push(result);
    if (profile) profiles.push(profile);
  }
  const finished = new Date();
  models.sort((a, b) => (a.model.role === b.model.role ? 0 : a.model.role === 'demo' ? -1 : 1));
  const { outDir, ...recorded } = opts;
  const results: BenchResults = {
    version: 1,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationS: (finished.getTime() - started.getTime()) / 1000,
    options: recorded,
    machine: machineFacts(),
    source,
    load: { start: loadStart, end: loadSnapshot() },
    models,
    targets: [],
    profile: opts.profile ? { models: profiles, messageRoundTripUs: await messageRoundTripUs() } : null,
  };
  writeResults(results, outDir);
}

/** Checks the targets (again) and writes results.json and results.md. */
function writeResults(results: BenchResults, outDir: string): void {
  const profiles = results.profile?.models ?? [];
  results.targets = checkTargets(results.models, profiles);
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  const md = renderMarkdown(
    results,
    profiles.length ? renderProfile(profiles, results.models, results.profile?.messageRoundTripUs ?? Number.NaN) : '',
  );
  fs.writeFileSync(path.join(outDir, 'results.md'), md);
  process.stdout.write(md);
}

main().catch((err: unknown) => {
  log(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
