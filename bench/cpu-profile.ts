// V8's sampling profiler on the engine's decode worker: the engine runs in a child
// process under `node --cpu-prof`, and the worker's samples taken while the measured
// runs were going are grouped by what they were doing (session.run, posting events to
// the main thread, garbage collection, sampling, detokenising, the loop itself, idle).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

export interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface WorkerCpuBreakdown {
  concurrency: number;
  tokens: number;
  /** Worker wall time sampled during the measured runs, per generated token. */
  msPerToken: number;
  /** Category → ms per generated token (self time of the sampled leaf frames). */
  categories: Array<{ category: string; msPerToken: number; share: number }>;
}

export function categorise(frame: CpuProfileNode['callFrame']): string {
  const { functionName: fn, url } = frame;
  if (fn === '(garbage collector)') return 'garbage collection';
  if (fn === '(idle)') return 'idle (waiting for work)';
  if (fn === 'postMessage') return 'postMessage to the main thread';
  if (url.includes('onnxruntime-node') || url.includes('onnxruntime-common')) return 'session.run (ORT and binding)';
  if (url.includes('/src/sampling/')) return 'sampling and SeLaR';
  if (url.includes('detokenizer') || url.includes('tokenizers') || url.includes('/src/model/tokenizer'))
    return 'detokenising';
  if (url.includes('embeddings')) return 'embedding lookup';
  if (url.includes('/src/worker/')) return 'decode loop (scheduler, sequence, feeds)';
  if (fn === '(program)') return 'V8 and native, unattributed';
  return 'other';
}

/** Self time per category of the samples taken between startUs and endUs. */
export function summariseCpuProfile(
  profile: CpuProfile,
  startUs: number,
  endUs: number,
  categoryOf: (frame: CpuProfileNode['callFrame']) => string = categorise,
): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const out = new Map<string, number>();
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i];
    const next = i + 1 < profile.timeDeltas.length ? profile.timeDeltas[i + 1] : 0;
    if (t < startUs || t > endUs) continue;
    // A sample stands for the time until the next one.
    const category = categoryOf(byId.get(profile.samples[i])!.callFrame);
    out.set(category, (out.get(category) ?? 0) + next);
  }
  return out;
}

export function workerCpuProfile(
  modelDir: string,
  prompts: number[][],
  tokens: number,
  concurrency: number,
  threads: number,
  rounds: number,
): WorkerCpuBreakdown {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'selar-cpu-prof-'));
  try {
    const child = path.join(import.meta.dirname, 'cpu-profile-child.ts');
    const args = JSON.stringify({ modelDir, prompts, tokens, concurrency, threads, rounds });
    const stdout = execFileSync(
      process.execPath,
      ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', '250', '--import', 'tsx', child, args],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
        maxBuffer: 1 << 24,
      },
    );
    const span = JSON.parse(stdout.trim().split('\n').pop()!) as { startUs: number; endUs: number; tokens: number };
    // The decode worker's profile is the one that ran the scheduler.
    const profiles = fs
      .readdirSync(dir)
      .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as CpuProfile);
    const worker = profiles.find((p) => p.nodes.some((n) => n.callFrame.url.endsWith('/src/worker/scheduler.ts')));
    if (!worker) throw new Error('no CPU profile of the decode worker was written');
    const totals = summariseCpuProfile(worker, span.startUs, span.endUs);
    const sum = [...totals.values()].reduce((a, b) => a + b, 0);
    const categories = [...totals.entries()]
      .map(([category, us]) => ({ category, msPerToken: us / 1000 / span.tokens, share: sum ? us / sum : 0 }))
      .sort((a, b) => b.msPerToken - a.msPerToken);
    return { concurrency, tokens: span.tokens, msPerToken: sum / 1000 / span.tokens, categories };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
