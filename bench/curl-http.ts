// A side measurement, not part of `npm run bench`: HTTP streaming read by one curl
// process (C, no JSON parsing; `--parallel`) instead of the benchmark's Node clients,
// against the engine alone, interleaved, with the CPU each side used. It answers
// "how much of the HTTP rows' gap is the clients sharing the machine's cores?".
//   npx tsx bench/curl-http.ts [exact|padded] [stream interval] [tokens] [concurrency] [workers]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { openEngine, runEngine } from './engine-bench.js';
import { startHttp } from './http-bench.js';
import { promptIds } from './prompts.js';
import { median } from './stats.js';
import { defaultParallelism } from '../src/engine/parallelism.js';
import { prepareModel } from './models.js';
import type { Batching } from '../src/engine/types.js';

const [batching = 'padded', interval = '8', tokensArg = '256', concArg = '16', workersArg = ''] = process.argv.slice(2);
if (batching !== 'exact' && batching !== 'padded') throw new Error('batching: exact or padded');
const tokens = Number(tokensArg);
const conc = Number(concArg);

/** CPU ms of every thread of this process, by thread id. */
function threadCpu(): Map<number, number> {
  return new Map(
    fs.readdirSync('/proc/self/task').map((tid) => {
      const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return [Number(tid), (Number(f[11]) + Number(f[12])) * 10] as const;
    }),
  );
}

function cpuPerToken(
  before: Map<number, number>,
  after: Map<number, number>,
  n: number,
): { main: number; process: number } {
  let main = 0;
  let all = 0;
  for (const [tid, ms] of after) {
    const d = ms - (before.get(tid) ?? 0);
    all += d;
    if (tid === process.pid) main = d;
  }
  return { main: (main * 1000) / n, process: (all * 1000) / n };
}

// The demo model with the workers and threads the server would pick on this machine.
const model = await prepareModel('demo', console.error);
const { workers, threads } = defaultParallelism(model.shape.hidden, workersArg ? { workers: Number(workersArg) } : {});
const loaded = await openEngine(
  model.dir,
  { workers, threadsPerWorker: threads, maxSequencesPerWorker: 16 },
  batching as Batching,
);
const http = await startHttp(model.dir, loaded.engine, loaded.tokenizer, Number(interval));
const prompts = promptIds(model.dir, 4);

/** One curl process streaming `conc` completions in parallel; resolves with its wall ms and its own CPU ms. */
function curlRun(): Promise<{ wallMs: number; cpuMs: number }> {
  const args: string[] = ['-s', '--parallel', '--parallel-immediate', '--parallel-max', String(conc)];
  for (let i = 0; i < conc; i++) {
    if (i > 0) args.push('--next');
    const body = {
      model: http.model,
      prompt: prompts[i % prompts.length],
      max_tokens: tokens,
      temperature: 0,
      ignore_eos: true,
      stream: true,
      selar: { mode: 'off' },
    };
    args.push(
      '-N',
      '-o',
      '/dev/null',
      '-H',
      'content-type: application/json',
      '-d',
      JSON.stringify(body),
      `${http.url}/v1/completions`,
    );
  }
  const started = performance.now();
  return new Promise((resolve, reject) => {
    // bash's `time` reports curl's user and system CPU on stderr.
    const p = spawn('bash', ['-c', 'TIMEFORMAT="%U %S"; time curl "$@"', 'curl-http', ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => {
      if (code !== 0) return reject(new Error(`curl exited with ${code}: ${err}`));
      const [user, sys] = err.trim().split(/\s+/).slice(-2).map(Number);
      resolve({ wallMs: performance.now() - started, cpuMs: (user + sys) * 1000 });
    });
  });
}

const n = conc * tokens;
const rows: Array<{
  ratio: number;
  http: number;
  engine: number;
  httpMain: number;
  httpProcess: number;
  curl: number;
  engineMain: number;
  engineProcess: number;
}> = [];
for (let i = 0; i < 2; i++) {
  await curlRun();
  await runEngine(loaded.engine, prompts, conc, tokens, 'off');
}
for (let r = 0; r < 7; r++) {
  const a = threadCpu();
  const c = await curlRun();
  const b = threadCpu();
  const t0 = performance.now();
  await runEngine(loaded.engine, prompts, conc, tokens, 'off');
  const engineMs = performance.now() - t0;
  const e = cpuPerToken(b, threadCpu(), n);
  const h = cpuPerToken(a, b, n);
  const http = n / (c.wallMs / 1000);
  const engine = n / (engineMs / 1000);
  rows.push({
    ratio: http / engine,
    http,
    engine,
    httpMain: h.main,
    httpProcess: h.process,
    curl: (c.cpuMs * 1000) / n,
    engineMain: e.main,
    engineProcess: e.process,
  });
}
const m = (k: keyof (typeof rows)[number]) => median(rows.map((x) => x[k]));
console.log(
  `${workers} worker(s) × ${threads} thread(s), ${batching} batching, --stream-interval ${interval}, c=${conc}, ` +
    `${tokens} tokens: engine ${m('engine').toFixed(0)} tok/s, HTTP read by curl ${m('http').toFixed(0)} tok/s, ` +
    `ratio ${m('ratio').toFixed(3)} (median of ${rows.length} paired runs)\n` +
    `CPU µs per token: engine alone — main thread ${m('engineMain').toFixed(0)}, whole process ` +
    `${m('engineProcess').toFixed(0)}; ` +
    `HTTP — main thread ${m('httpMain').toFixed(0)}, whole process ${m('httpProcess').toFixed(0)}, curl ` +
    `${m('curl').toFixed(0)}`,
);
await http.close();
await loaded.engine.close();
