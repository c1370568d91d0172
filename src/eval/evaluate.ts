// One evaluation run: problems × configurations through an OpenAI-compatible
// endpoint (a running server, or ours started in-process), stored as they finish,
// then summarised into summary.json, summary.md and accuracy-vs-tau.svg.
import fs from 'node:fs';
import path from 'node:path';
import { chatCompletion, listModels, normaliseBaseUrl, type ClientOptions } from './client.js';
import { expandConfigs, withSoftRate, type DecodingConfig } from './configs.js';
import { loadDataset, selectProblems, DatasetError, type Problem } from './dataset.js';
import { startLocalServer, type LocalServer } from './local-server.js';
import { configMetrics } from './metrics.js';
import { commandLine, type EvalOptions } from './options.js';
import { accuracyPlot } from './plot-svg.js';
import { Progress, type ProgressStream } from './progress.js';
import { markdownReport, markdownTable } from './report-markdown.js';
import { ResultsFile, resultKey, type ResultRecord } from './results-file.js';
import { planTasks, runTasks, type PromptOptions, type Task } from './runner.js';
import type { EvalSummary } from './summary.js';

export interface EvalIo {
  out: (text: string) => void;
  progress: ProgressStream;
  now?: () => Date;
}

export const OUTPUT_FILES = {
  results: 'results.jsonl',
  json: 'summary.json',
  markdown: 'summary.md',
  plot: 'accuracy-vs-tau.svg',
} as const;

function countBySteps(problems: Problem[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of problems) {
    const k = p.steps === null ? 'unknown' : String(p.steps);
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

/** The stored results that belong to this run's tasks (a resumed file may hold others). */
function recordsFor(tasks: Task[], stored: Map<string, ResultRecord>): Map<Task['config'], ResultRecord[]> {
  const out = new Map<Task['config'], ResultRecord[]>();
  for (const t of tasks) {
    const r = stored.get(resultKey(t.fingerprint, t.problem.id, t.sample));
    if (!r) continue;
    const list = out.get(t.config);
    if (list) list.push(r);
    else out.set(t.config, [r]);
  }
  return out;
}

export async function evaluate(o: EvalOptions, io: EvalIo): Promise<EvalSummary> {
  const all = loadDataset(o.dataset);
  const problems = selectProblems(all, o);
  if (problems.length === 0)
    throw new DatasetError(
      `${o.dataset}: no problems left after --steps/--offset/--limit (the file has ${all.length})`,
    );
  let configs = expandConfigs(o);
  fs.mkdirSync(o.out, { recursive: true });
  const results = new ResultsFile(path.join(o.out, OUTPUT_FILES.results));
  const loaded = results.load();
  if (loaded.skippedLines > 0)
    io.progress.write(`selar eval: ${loaded.skippedLines} unreadable line(s) in ${results.path} will be recomputed\n`);

  let local: LocalServer | null = null;
  let client: ClientOptions;
  let model: string;
  let endpoint: string;
  if (o.endpoint.kind === 'local') {
    io.progress.write(`selar eval: loading ${o.endpoint.modelDir}\n`);
    local = await startLocalServer(o.endpoint);
    client = { baseUrl: local.baseUrl, timeoutMs: o.requestTimeoutMs };
    model = local.modelId;
    endpoint = `in-process server (${o.endpoint.modelDir})`;
  } else {
    client = { baseUrl: normaliseBaseUrl(o.endpoint.url), apiKey: o.endpoint.apiKey, timeoutMs: o.requestTimeoutMs };
    endpoint = client.baseUrl;
    if (o.endpoint.modelName !== undefined) model = o.endpoint.modelName;
    else {
      const models = await listModels(client);
      if (models.length === 0) throw new DatasetError(`${client.baseUrl}/models lists no model; pass --model-name`);
      model = models[0];
    }
  }

  const prompt: PromptOptions = { model, system: o.system, seedBase: o.seed };
  // Configurations whose soft_rate copies another's measured soft ratio (the random
  // ablation) run after everything else, once that ratio is known.
  const first = configs.filter((c) => !c.softRateFrom);
  const total = planTasks(configs, problems, prompt).length;
  const progress = new Progress(io.progress, total, 0);
  const runPhase = async (phase: DecodingConfig[]): Promise<Task[]> => {
    const tasks = planTasks(phase, problems, prompt);
    const stored = results.load().records;
    const done = new Set(
      tasks.map((t) => resultKey(t.fingerprint, t.problem.id, t.sample)).filter((k) => stored.has(k)),
    );
    progress.skip(done.size);
    if (done.size > 0)
      io.progress.write(`selar eval: resuming ${o.out}: ${done.size} of ${tasks.length} results already there\n`);
    await runTasks(tasks, {
      prompt,
      concurrency: o.concurrency,
      send: (body) => chatCompletion(client, body),
      results,
      done,
      hooks: { onConfig: (c) => progress.startConfig(c.name), onResult: (r) => progress.tick(r) },
    });
    return tasks;
  };
  let tasks: Task[];
  try {
    tasks = await runPhase(first);
    const measured = recordsFor(tasks, results.load().records);
    const resolved = new Map<DecodingConfig, DecodingConfig>();
    for (const c of configs) {
      if (!c.softRateFrom) continue;
      const ref = first.find((f) => f.name === c.softRateFrom)!;
      resolved.set(c, withSoftRate(c, configMetrics(ref, measured.get(ref) ?? []).softRatio));
    }
    tasks = [...tasks, ...(await runPhase([...resolved.values()]))];
    configs = configs.map((c) => resolved.get(c) ?? c);
  } catch (err) {
    progress.finish();
    (err as Error).message +=
      `\nresults so far are in ${results.path}; rerun the same command with --out ${o.out} to resume`;
    throw err;
  } finally {
    await local?.close();
  }
  progress.finish();

  const byConfig = recordsFor(tasks, results.load().records);
  const summary: EvalSummary = {
    createdAt: (io.now?.() ?? new Date()).toISOString(),
    command: commandLine(o),
    model,
    endpoint,
    dataset: { path: o.dataset, problems: problems.length, bySteps: countBySteps(problems) },
    concurrency: o.concurrency,
    configs: configs.map((c) => ({ name: c.name, preset: c.preset, samples: c.samples, request: c.request })),
    metrics: configs.map((c) => configMetrics(c, byConfig.get(c) ?? [])),
  };
  fs.writeFileSync(path.join(o.out, OUTPUT_FILES.json), JSON.stringify(summary, null, 2) + '\n');
  fs.writeFileSync(path.join(o.out, OUTPUT_FILES.markdown), markdownReport(summary));
  fs.writeFileSync(
    path.join(o.out, OUTPUT_FILES.plot),
    accuracyPlot(summary.metrics, `${model}: accuracy against τ (${problems.length} problems)`),
  );
  io.out(
    `${markdownTable(summary.metrics, o.concurrency)}\n\nwritten to ${o.out}: ` +
      `${Object.values(OUTPUT_FILES).join(', ')}\n`,
  );
  return summary;
}
