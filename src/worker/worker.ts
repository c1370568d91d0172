// Decode worker entry point: owns one onnxruntime-node session (whose run blocks
// this thread, not the HTTP thread) and the scheduler that decodes its sequences.
import { parentPort, workerData } from 'node:worker_threads';
import type { FromWorker, ToWorker, WorkerInit } from '../engine/protocol.js';
import type { GenerationEvent } from '../engine/types.js';
import { createRuntime } from './runtime.js';
import { Scheduler } from './scheduler.js';

const init = workerData as WorkerInit;
const port = parentPort!;
const send = (msg: FromWorker): void => port.postMessage(msg);

async function start(): Promise<Scheduler> {
  const rt = await createRuntime(init);
  const scheduler = new Scheduler(
    rt.decoder,
    rt.ctx,
    {
      events: (id, events) => queueEvents(id, events),
      failed: (id, message, invalid) => {
        // Keep the order: events already produced for this request go first.
        if (outbox.length > 0) flushEvents();
        send({ type: 'failed', id, message, invalid });
      },
    },
    init.batching,
  );
  installFaultInjection(scheduler);
  send({ type: 'ready', device: rt.device, warning: rt.warning });
  return scheduler;
}

/** Deterministic failures for the fault-isolation tests; inert unless configured. */
function installFaultInjection(scheduler: Scheduler): void {
  const f = init.faultInjection;
  if (!f) return;
  scheduler.beforeStep = () => {
    if (f.crashAfterSteps !== undefined && scheduler.steps >= f.crashAfterSteps) process.exit(70);
    if (f.throwAfterSteps !== undefined && scheduler.steps >= f.throwAfterSteps) throw new Error('injected fault');
  };
}

// Events wait for the end of the current turn of the event loop, so one decode pass
// (every member of a cohort) reaches the main thread as one message.
let outbox: Array<{ id: string; events: GenerationEvent[] }> = [];
function queueEvents(id: string, events: GenerationEvent[]): void {
  if (outbox.length === 0) setImmediate(flushEvents);
  outbox.push({ id, events });
}
function flushEvents(): void {
  // Already sent early (a failure flushes what came before it).
  if (outbox.length === 0) return;
  const batch = outbox;
  outbox = [];
  send({ type: 'events', batch });
}

const pending: ToWorker[] = [];
let scheduler: Scheduler | null = null;

function handle(msg: ToWorker): void {
  if (!scheduler) {
    pending.push(msg);
    return;
  }
  if (msg.type === 'generate') scheduler.add(msg.request);
  else if (msg.type === 'cancel') scheduler.cancel(msg.id);
  else if (msg.type === 'shutdown') process.exit(0);
}

port.on('message', handle);
start().then(
  (s) => {
    scheduler = s;
    for (const msg of pending.splice(0)) handle(msg);
  },
  (err: Error) => {
    send({ type: 'fatal', message: err.message });
  },
);
