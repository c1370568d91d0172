// The worker pool: admission (a bounded queue, never an unbounded backlog),
// dispatch to the least-loaded worker, event routing by request id, cancellation,
// and replacement of workers that die. Implements the Engine interface.
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { SelarError } from '../errors.js';
import type { FromWorker, ToWorker, WorkerInit } from './protocol.js';
import type { Engine, EngineStats, GenerationEvent, GenerationRequest, ModelInfo } from './types.js';
import { EventChannel } from './event-channel.js';

export interface Job {
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

const noWorker = () =>
  new SelarError(
    'worker_failed',
    'no decode worker is running (a replacement failed to load the model); please retry later',
  );

function startWorker(workerData: WorkerInit): Worker {
  if (!fromSource) return new Worker(workerUrl, { workerData });
  const bootstrap =
    `import('tsx/esm/api').then((m) => { m.register(); return ` + `import(${JSON.stringify(workerUrl.href)}); })`;
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
    for (const job of w.jobs.values())
      job.channel.fail(new SelarError('worker_failed', 'the decode worker stopped unexpectedly; please retry'));
    w.jobs.clear();
    if (this.closing || this.workers[w.index] !== w) return;
    this.log?.error({ worker: w.index, code }, 'decode worker exited; replacing it');
    // Only replace workers that had started: a model that cannot load must not respawn forever.
    if (wasReady)
      this.spawn(w.index).catch((err: Error) =>
        this.log?.error({ worker: w.index, err: err.message }, 'replacement worker failed'),
      );
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
      if (!msg.invalid) this.log?.error({ worker: w.index, request: msg.id, err: msg.message }, 'generation failed');
      if (msg.invalid) job.channel.fail(new SelarError('invalid_request', msg.invalid.message, msg.invalid.param));
      else job.channel.fail(new SelarError('worker_failed', 'generation failed in the decode worker'));
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
    enqueue(this.queue, job);
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
    return {
      workers: this.workers.length,
      readyWorkers: ready,
      failedWorkers: failed,
      queued: this.queue.length,
      running,
      queueCapacity: this.queueSize,
    };
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const job of this.queue.splice(0))
      job.channel.fail(new SelarError('shutting_down', 'the server is shutting down'));
    await Promise.all(this.workers.map((w) => w?.thread.terminate()));
  }
}

/**
 * Inserts by priority: before the first job with a higher value, so lower values are
 * admitted first and equal values keep their arrival order (vLLM's priority policy).
 */
export function enqueue(queue: Job[], job: Job): void {
  const p = job.request.priority;
  let at = queue.length;
  while (at > 0 && queue[at - 1].request.priority > p) at--;
  queue.splice(at, 0, job);
}
