// The load test: a real `selar serve` process on a tiny generated model, many
// concurrent streaming clients, a share of which hang up early at random points.
// Every distinct request is first run alone; under load every completed greedy (and
// seeded) stream must equal its solo answer and every stream must be well-formed.
// Bounded by a request count and a time budget; loopback only.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { writeLlamaModel } from '../../src/modelgen/llama.js';
import { streamChat, type Attempt, type Disconnect } from './client.js';
import { startServer } from './server-process.js';
import { checkChatStream } from './sse-check.js';

export interface LoadOptions {
  clients: number;
  requests: number;
  /** Share of requests that disconnect early, 0..1. */
  disconnectShare: number;
  maxTokens: number;
  /** Stop issuing new requests after this long. */
  budgetS: number;
  requestTimeoutS: number;
  workers: number;
  maxSequencesPerWorker: number;
  queueSize: number;
  seed: number;
}

export const DEFAULTS: LoadOptions = {
  clients: 64,
  requests: 400,
  disconnectShare: 0.2,
  maxTokens: 16,
  budgetS: 240,
  requestTimeoutS: 60,
  workers: 1,
  maxSequencesPerWorker: 8,
  queueSize: 32,
  seed: 1,
};

const PROMPTS = [
  'What is 12 + 30?',
  'Name a colour.',
  'Count to five:',
  'The capital of France is',
  'Write a haiku about load.',
  'x',
];
/** Greedy in each SeLaR mode, plus seeded sampling (which must also be reproducible under load). */
const VARIANTS = [
  { name: 'greedy-selar', greedy: true, params: { temperature: 0, selar: { mode: 'selar' } } },
  { name: 'greedy-off', greedy: true, params: { temperature: 0, selar: { mode: 'off' } } },
  { name: 'greedy-soft', greedy: true, params: { temperature: 0, selar: { mode: 'soft' } } },
  {
    name: 'seeded-selar',
    greedy: false,
    params: { temperature: 0.9, top_p: 0.95, seed: 1234, selar: { mode: 'selar' } },
  },
] as const;

interface Spec {
  key: string;
  greedy: boolean;
  body: object;
}

export interface LoadResults {
  options: LoadOptions;
  machine: { cpus: number; loadAvg: number[]; node: string };
  wallS: number;
  tried: number;
  completed: number;
  rejected: number;
  failed: number;
  disconnected: number;
  lost: number;
  malformed: number;
  greedyChecked: number;
  greedyMismatches: number;
  seededChecked: number;
  seededMismatches: number;
  ttftMs: { p50: number | null; p99: number | null; max: number | null };
  e2eMs: { p50: number | null; p99: number | null };
  slotsAfter: { running: number | null; queued: number | null };
  readyAfter: boolean;
  failures: string[];
}

function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const metric = (text: string, name: string) => {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : null;
};

async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
}

export async function runLoad(opts: LoadOptions, log: (line: string) => void = () => undefined): Promise<LoadResults> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'selar-load-'));
  const modelDir = path.join(tmp, 'tiny-llama');
  await writeLlamaModel(modelDir, {
    hidden: 64,
    layers: 2,
    heads: 4,
    kvHeads: 2,
    intermediate: 128,
    vocab: 320,
    maxPositions: 256,
    seed: 3,
  });
  const server = await startServer(
    [
      '--model',
      modelDir,
      '--model-id',
      'tiny-llama',
      '--workers',
      String(opts.workers),
      '--threads-per-worker',
      '1',
      '--max-sequences-per-worker',
      String(opts.maxSequencesPerWorker),
      '--queue-size',
      String(opts.queueSize),
    ],
    { env: { SELAR_CACHE_DIR: path.join(tmp, 'cache') }, timeoutMs: 90_000 },
  );
  const base = new URL(server.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.clients + 4 });
  try {
    for (let i = 0; i < 100 && (await get(`${server.url}/ready`)).status !== 200; i++)
      await new Promise((r) => setTimeout(r, 100));
    const specs: Spec[] = PROMPTS.flatMap((prompt, p) =>
      VARIANTS.map((v) => ({
        key: `${p}/${v.name}`,
        greedy: v.greedy,
        body: {
          model: 'tiny-llama',
          messages: [{ role: 'user', content: prompt }],
          max_tokens: opts.maxTokens,
          ignore_eos: true,
          stream: true,
          ...v.params,
        },
      })),
    );
    // Solo answers: each distinct request alone on an idle server.
    const solo = new Map<string, string>();
    for (const s of specs) {
      const a = await streamChat(base, agent, s.body, null, opts.requestTimeoutS * 1000);
      const c = checkChatStream(a.body);
      if (a.status !== 200 || !c.ok)
        throw new Error(`solo run of ${s.key} failed: ${a.status} ${c.problems.join('; ')} ${a.body.slice(0, 300)}`);
      solo.set(s.key, c.content);
    }
    log(`solo answers: ${solo.size}`);

    const random = rng(opts.seed);
    const attempts: Array<{ spec: Spec; planned: Disconnect; a: Attempt }> = [];
    let issued = 0;
    const started = performance.now();
    const deadline = started + opts.budgetS * 1000;
    await Promise.all(
      Array.from({ length: opts.clients }, async () => {
        while (issued < opts.requests && performance.now() < deadline) {
          issued++;
          const spec = specs[Math.floor(random() * specs.length)];
          const planned: Disconnect =
            random() < opts.disconnectShare
              ? random() < 0.3
                ? { afterMs: Math.floor(random() * 200) }
                : { afterFrames: Math.floor(random() * (opts.maxTokens + 2)) }
              : null;
          const a = await streamChat(base, agent, spec.body, planned, opts.requestTimeoutS * 1000);
          attempts.push({ spec, planned, a });
          if (attempts.length % 50 === 0) log(`${attempts.length} requests done`);
          // back off a little, as clients do
          if (a.status === 429) await new Promise((r) => setTimeout(r, 50 + random() * 150));
        }
      }),
    );
    const wallS = (performance.now() - started) / 1000;

    const r: LoadResults = {
      options: opts,
      machine: {
        cpus: os.availableParallelism(),
        loadAvg: os.loadavg().map((x) => +x.toFixed(2)),
        node: process.version,
      },
      wallS: +wallS.toFixed(2),
      tried: attempts.length,
      completed: 0,
      rejected: 0,
      failed: 0,
      disconnected: 0,
      lost: 0,
      malformed: 0,
      greedyChecked: 0,
      greedyMismatches: 0,
      seededChecked: 0,
      seededMismatches: 0,
      ttftMs: { p50: null, p99: null, max: null },
      e2eMs: { p50: null, p99: null },
      slotsAfter: { running: null, queued: null },
      readyAfter: false,
      failures: [],
    };
    const ttft: number[] = [];
    const e2e: number[] = [];
    for (const { spec, a } of attempts) {
      if (a.timedOut) {
        r.lost++;
        r.failures.push(`${spec.key}: no end within ${opts.requestTimeoutS} s`);
      } else if (a.disconnected) {
        r.disconnected++;
      } else if (a.status === 429) {
        let shaped = false;
        try {
          shaped = JSON.parse(a.body).error?.code === 'overloaded';
        } catch {
          /* counted below */
        }
        if (shaped) r.rejected++;
        else {
          r.failed++;
          r.failures.push(`${spec.key}: 429 without an OpenAI error body`);
        }
      } else if (a.status === 200 && a.ended) {
        const c = checkChatStream(a.body);
        if (!c.ok) {
          if (c.errorCode === null) r.malformed++;
          r.failed++;
          r.failures.push(`${spec.key}: ${c.errorCode ? `error frame ${c.errorCode}` : c.problems.join('; ')}`);
          continue;
        }
        r.completed++;
        if (a.ttftMs !== null) ttft.push(a.ttftMs);
        e2e.push(a.totalMs);
        const same = c.content === solo.get(spec.key);
        if (spec.greedy) {
          r.greedyChecked++;
          if (!same) r.greedyMismatches++;
        } else {
          r.seededChecked++;
          if (!same) r.seededMismatches++;
        }
        if (!same) r.failures.push(`${spec.key}: differs from its solo answer`);
      } else {
        r.failed++;
        r.failures.push(`${spec.key}: status ${a.status} ${a.error ?? ''} ${a.body.slice(0, 200)}`);
      }
    }
    r.lost += Math.max(0, issued - attempts.length);
    const round = (v: number | null) => (v === null ? null : +v.toFixed(1));
    r.ttftMs = {
      p50: round(percentile(ttft, 50)),
      p99: round(percentile(ttft, 99)),
      max: round(percentile(ttft, 100)),
    };
    r.e2eMs = { p50: round(percentile(e2e, 50)), p99: round(percentile(e2e, 99)) };
    // Slots held by vanished clients must come back: poll the server's own gauges.
    for (let i = 0; i < 100; i++) {
      const m = (await get(`${server.url}/metrics`)).body;
      r.slotsAfter = { running: metric(m, 'selar_running_requests'), queued: metric(m, 'selar_queue_length') };
      if (r.slotsAfter.running === 0 && r.slotsAfter.queued === 0) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    r.readyAfter = (await get(`${server.url}/ready`)).status === 200;
    r.failures = r.failures.slice(0, 20);
    return r;
  } finally {
    agent.destroy();
    await server.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
