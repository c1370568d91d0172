// The worker pool: admission (a bounded queue, never an unbounded backlog),
// dispatch to the least-loaded worker, event routing by request id, cancellation,
// and replacement of workers that die. Implements the Engine interface.
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { ModelLoadError, SelarError } from '../errors.js';
import type { FromWorker, ToWorker, WorkerInit } from './protocol.js';
import type { Engine, EngineStats, GenerationEvent, GenerationRequest, ModelInfo } from './types.js';
import { EventChannel } from './event-channel.js';
import { loadModel, type LoadedModel } from './load-model.js';
import type { TextTokenizer } from '../model/tokenizer.js';
import type { Batching } from '../worker/scheduler.js';

export interface EngineOptions {
  modelDir: string;
  /** Cores to plan workers and threads for (default: os.availableParallelism()). */
  cpus?: number;
  /** Decode workers (each owns an ONNX Runtime session); default: defaultParallelism. */
  workers?: number;
  /** Requests waiting for a worker slot before 429. */
  queueSize?: number;
  /** Sequences each worker decodes concurrently. */
  maxSequencesPerWorker?: number;
  /** 'exact' (default): only equal-length caches share a pass; 'padded': all, left-padded. */
  batching?: Batching;
  device?: string;
  dtype?: string;
  /** Intra-op threads per worker; default: defaultParallelism. */
  threadsPerWorker?: number;
  /** Served model id (default: the folder name). */
  modelId?: string;
  logger?: Logger;
  faultInjection?: WorkerInit['faultInjection'];
  /**
   * Resolve only once every worker has loaded the model (default). The server
   * passes false so it can listen, and answer /health and /ready (503), while the
   * workers create their sessions; engine.ready() then reports the outcome.
   */
  awaitReady?: boolean;
}

interface Job {
  request: GenerationRequest;
  channel: EventChannel;
  worker: PoolWorker | null;
}

interface PoolWorker {
  index: number;
  thread: Worker;
  ready: boolean;
  /** The thread has exited (a replacement, if any, is a new PoolWorker). */
  exited: boolean;
  jobs: Map<string, Job>;
}

// Built code runs dist/worker/worker.js. Tests run the TypeScript sources; Node 20
// does not apply the parent's loader to a worker's entry, so a tiny bootstrap
// registers tsx inside the worker first.
const fromSource = import.meta.url.endsWith('.ts');
const workerUrl = new URL(fromSource ? '../worker/worker.ts' : '../worker/worker.js', import.meta.url);

const noWorker = () => new SelarError('worker_failed', 'no decode worker is running (a replacement failed to load the model); please retry later');

function startWorker(workerData: WorkerInit): Worker {
  if (!fromSource) return new Worker(workerUrl, { workerData });
  const bootstrap = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(workerUrl.href)}); })`;
  return new Worker(bootstrap, { eval: true, workerData });
}

export class WorkerPool implements Engine {
  readonly model: ModelInfo;
  private readonly workers: PoolWorker[] = [];
  private readonly queue: Job[] = [];
  private readonly queueSize: number;
  private readonly perWorker: number;
  private closing = false;
  private readyPromise: Promise<void>;
  private readonly log: Logger | undefined;
  /** Device the workers actually run on (after `auto` resolution). */
  device = 'unknown';

  constructor(
    model: ModelInfo,
    private readonly init: WorkerInit,
    count: number,
    opts: { queueSize: number; perWorker: number; logger?: Logger },
  ) {
    this.model = model;
    this.queueSize = opts.queueSize;
    this.perWorker = opts.perWorker;
    this.log = opts.logger;
    const starts: Promise<void>[] = [];
    for (let i = 0; i < count; i++) starts.push(this.spawn(i));
    this.readyPromise = Promise.all(starts).then(() => undefined);
    // Callers observe failures through ready(); avoid an unhandled rejection meanwhile.
    this.readyPromise.catch(() => undefined);
  }

  ready(): Promise<void> {
    return this.readyPromise;
  }

  private spawn(index: number): Promise<void> {
    const thread = startWorker(this.init);
    const w: PoolWorker = { index, thread, ready: false, exited: false, jobs: new Map() };
    this.workers[index] = w;
    return new Promise<void>((resolve, reject) => {
      thread.on('message', (msg: FromWorker) => {
        if (msg.type === 'ready') {
          w.ready = true;
          this.device = msg.device;
          if (msg.warning) this.log?.warn({ worker: index }, msg.warning);
          resolve();
          this.drain();
        } else if (msg.type === 'fatal') {
          reject(new SelarError('model_load_failed', msg.message));
          void thread.terminate();
        } else this.route(w, msg);
      });
      thread.on('error', (err) => {
        this.log?.error({ worker: index, err: err.message }, 'decode worker error');
        reject(new SelarError('model_load_failed', err.message));
      });
      thread.on('exit', (code) => this.onExit(w, code));
    });
  }

  private onExit(w: PoolWorker, code: number): void {
    const wasReady = w.ready;
    w.ready = false;
    w.exited = true;
    for (const job of w.jobs.values()) job.channel.fail(new SelarError('worker_failed', 'the decode worker stopped unexpectedly; please retry'));
    w.jobs.clear();
    if (this.closing || this.workers[w.index] !== w) return;
    this.log?.error({ worker: w.index, code }, 'decode worker exited; replacing it');
    // Only replace workers that had started: a model that cannot load must not respawn forever.
    if (wasReady) this.spawn(w.index).catch((err: Error) => this.log?.error({ worker: w.index, err: err.message }, 'replacement worker failed'));
    // No worker up or loading: nothing will ever serve the queue, so fail it now.
    if (!this.hasLiveWorker()) for (const job of this.queue.splice(0)) job.channel.fail(noWorker());
  }

  /** A worker that is up or still loading its model. */
  private hasLiveWorker(): boolean {
    return this.workers.some((w) => w && !w.exited);
  }

  private route(w: PoolWorker, msg: FromWorker): void {
    if (msg.type === 'events') {
      for (const { id, events } of msg.batch) {
        const job = w.jobs.get(id);
        if (!job) continue; // cancelled meanwhile
        job.channel.push(events);
        if (events.some((e: GenerationEvent) => e.type === 'finish')) this.release(w, id);
      }
    } else if (msg.type === 'failed') {
      const job = w.jobs.get(msg.id);
      if (!job) return;
      this.log?.error({ worker: w.index, request: msg.id, err: msg.message }, 'generation failed');
      job.channel.fail(new SelarError('worker_failed', 'generation failed in the decode worker'));
      this.release(w, msg.id);
    }
  }

  private release(w: PoolWorker, id: string): void {
    w.jobs.delete(id);
    this.drain();
  }

  /** Moves queued jobs onto workers with free slots, least loaded first. */
  private drain(): void {
    while (this.queue.length > 0) {
      let best: PoolWorker | null = null;
      for (const w of this.workers) {
        if (!w?.ready || w.jobs.size >= this.perWorker) continue;
        if (!best || w.jobs.size < best.jobs.size) best = w;
      }
      if (!best) return;
      const job = this.queue.shift()!;
      job.worker = best;
      best.jobs.set(job.request.id, job);
      this.post(best, { type: 'generate', request: job.request });
    }
  }

  private post(w: PoolWorker, msg: ToWorker): void {
    w.thread.postMessage(msg);
  }

  generate(request: GenerationRequest, signal?: AbortSignal): AsyncIterable<GenerationEvent> {
    if (this.closing) throw new SelarError('shutting_down', 'the server is shutting down');
    if (!this.hasLiveWorker()) throw noWorker();
    if (this.queue.length >= this.queueSize && !this.hasFreeSlot()) {
      throw new SelarError('overloaded', 'the server is at capacity; retry shortly');
    }
    const job: Job = { request, channel: new EventChannel(), worker: null };
    if (signal) {
      if (signal.aborted) {
        job.channel.end();
        return job.channel;
      }
      signal.addEventListener('abort', () => this.cancel(job), { once: true });
    }
    this.queue.push(job);
    this.drain();
    return job.channel;
  }

  private hasFreeSlot(): boolean {
    return this.workers.some((w) => w?.ready && w.jobs.size < this.perWorker);
  }

  private cancel(job: Job): void {
    if (job.channel.done) return;
    job.channel.end();
    const qi = this.queue.indexOf(job);
    if (qi >= 0) this.queue.splice(qi, 1);
    const w = job.worker;
    if (w?.jobs.delete(job.request.id)) {
      this.post(w, { type: 'cancel', id: job.request.id });
      this.drain();
    }
  }

  stats(): EngineStats {
    let running = 0;
    let ready = 0;
    let failed = 0;
    for (const w of this.workers) {
      if (!w) continue;
      running += w.jobs.size;
      if (w.ready) ready++;
      // An exited worker still in its slot was not replaced (or its replacement failed).
      if (w.exited) failed++;
    }
    return { workers: this.workers.length, readyWorkers: ready, failedWorkers: failed, queued: this.queue.length, running, queueCapacity: this.queueSize };
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const job of this.queue.splice(0)) job.channel.fail(new SelarError('shutting_down', 'the server is shutting down'));
    await Promise.all(this.workers.map((w) => w?.thread.terminate()));
  }
}

export interface LoadedEngine {
  engine: WorkerPool;
  tokenizer: TextTokenizer;
}

/** The per-worker start-up description of a loaded model. */
export function workerInitFor(loaded: LoadedModel, opts: EngineOptions, threads: number): WorkerInit {
  return {
    modelDir: loaded.dir,
    derived: loaded.derived,
    table: loaded.table,
    contextLength: loaded.info.contextLength,
    device: opts.device ?? 'cpu',
    intraOpThreads: threads,
    maxSequences: opts.maxSequencesPerWorker ?? 8,
    batching: opts.batching ?? 'exact',
    faultInjection: opts.faultInjection,
  };
}

/** Loads the model folder, derives the inputs_embeds decoder, and starts the workers. */
export async function createEngine(opts: EngineOptions): Promise<LoadedEngine> {
  const loaded = await loadModel(opts.modelDir, { dtype: opts.dtype ?? 'fp32', modelId: opts.modelId, logger: opts.logger });
  const { workers, threads } = defaultParallelism(loaded.derived.hiddenSize, opts, opts.cpus);
  opts.logger?.info({ workers, threadsPerWorker: threads }, 'decode workers');
  if (opts.batching === 'padded' && !loaded.derived.leftPadding) {
    throw new ModelLoadError('--batching padded needs a decoder with attention_mask and position_ids inputs whose attention honours left padding (not GroupQueryAttention); use --batching exact', loaded.derived.decoderPath);
  }
  const init = workerInitFor(loaded, opts, threads);
  const engine = new WorkerPool(loaded.info, init, workers, {
    queueSize: opts.queueSize ?? 64,
    perWorker: init.maxSequences,
    logger: opts.logger,
  });
  if (opts.awaitReady ?? true) {
    try {
      await engine.ready();
    } catch (err) {
      await engine.close();
      throw err;
    }
  }
  return { engine, tokenizer: loaded.tokenizer };
}

/** Hidden sizes below this decode fastest on one intra-op thread per session. */
export const SMALL_MODEL_HIDDEN = 512;

/**
 * Workers and intra-op threads per worker, where not configured. A model with a hidden
 * size under 512 gets one thread per worker and one worker per core: its matrix
 * products are too small to split, so the thread pool's hand-offs cost more than they
 * save (benchmark, floor at c=1: the demo model, hidden 192, decodes 2.2× faster on
 * one thread than on two; the generated 1024-wide Llama 1.6× slower), and the other
 * cores then serve other sequences in parallel. Larger models: one worker per two
 * cores, each using its share of the cores.
 */
export function defaultParallelism(
  hiddenSize: number,
  given: { workers?: number; threadsPerWorker?: number } = {},
  cores = os.availableParallelism(),
): { workers: number; threads: number } {
  const small = hiddenSize < SMALL_MODEL_HIDDEN;
  const workers = Math.max(1, given.workers ?? (small ? cores : Math.floor(cores / 2)));
  const threads = Math.max(1, given.threadsPerWorker ?? (small ? 1 : Math.floor(cores / workers)));
  return { workers, threads };
}
