// Decode worker entry point: owns one onnxruntime-node session (whose run blocks
// this thread, not the HTTP thread) and the scheduler that decodes its sequences.
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import type { FromWorker, ToWorker, WorkerInit } from '../engine/protocol.js';
import { createSession } from '../model/convert/index.js';
import { TextTokenizer } from '../model/tokenizer.js';
import { DecoderSession, describeIo } from './decoder-session.js';
import { SharedTableSource, SubModelSource, type EmbeddingSource } from './embeddings.js';
import { createOnDevice, parseDevice } from './execution-providers.js';
import { mathTokenIds } from './math-ids.js';
import { Scheduler } from './scheduler.js';

const init = workerData as WorkerInit;
const port = parentPort!;
const send = (msg: FromWorker): void => port.postMessage(msg);

async function start(): Promise<Scheduler> {
  const { derived } = init;
  const base: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: init.intraOpThreads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  };
  const choice = parseDevice(init.device);
  const made = await createOnDevice(choice, (executionProviders) => createSession(derived, { ...base, executionProviders }));
  const session = made.value;
  const io = describeIo(session, derived.decoderPath, derived.embedsInputName);
  const decoder = new DecoderSession(session, io, derived.hiddenSize, derived.vocabSize, init.contextLength);

  let embeddings: EmbeddingSource;
  if (init.table) embeddings = new SharedTableSource(init.table);
  else if (derived.embedding.kind === 'model') {
    const e = derived.embedding;
    const sub = await createSession({ decoderPath: e.modelPath, externalDataDir: e.externalDataDir }, { ...base, executionProviders: ['cpu'] });
    embeddings = new SubModelSource(sub, e.inputName, e.inputType, e.outputName, e.rows, e.dim);
  } else throw new Error('embedding table was not shared with the worker');

  const tokenizer = TextTokenizer.load(init.modelDir);
  const scheduler = new Scheduler(
    decoder,
    {
      tokenizer,
      embeddings,
      vocabSize: derived.vocabSize,
      contextLength: init.contextLength,
      mathIds: mathTokenIds((s) => tokenizer.encode(s, false)),
      thinkIds: tokenizer.thinkIds,
    },
    {
      events: (id, events) => send({ type: 'events', id, events }),
      failed: (id, message) => send({ type: 'failed', id, message }),
    },
  );
  installFaultInjection(scheduler);
  send({ type: 'ready', device: made.device, warning: made.warning });
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
