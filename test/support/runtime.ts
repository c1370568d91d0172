// The decode loop in-process (no worker thread), for tests that need to look inside.
import { loadModel, type LoadedModel } from '../../src/engine/load-model.js';
import { workerInitFor } from '../../src/engine/create-engine.js';
import { createRuntime, type Runtime } from '../../src/worker/runtime.js';
import { Scheduler } from '../../src/worker/scheduler.js';
import { Sequence } from '../../src/worker/sequence.js';
import type { DecoderSession } from '../../src/worker/decoder-session.js';
import type { QuantizeSpec } from '../../src/model/convert/index.js';
import type { Batching, GenerationEvent, GenerationRequest, TokenEvent } from '../../src/engine/types.js';

export async function inProcess(
  dir: string,
  opts: { dtype?: string; quantize?: QuantizeSpec } = {},
): Promise<{ loaded: LoadedModel; rt: Runtime }> {
  const loaded = await loadModel(dir, { dtype: opts.dtype ?? 'fp32', quantize: opts.quantize });
  const rt = await createRuntime(workerInitFor(loaded, { modelDir: dir }, 1));
  return { loaded, rt };
}

/** Runs requests concurrently through one scheduler and returns each one's events. */
export function runAll(
  rt: Runtime,
  requests: GenerationRequest[],
  batching: Batching = 'exact',
): Promise<Map<string, GenerationEvent[]>> {
  return new Promise((resolve, reject) => {
    const out = new Map<string, GenerationEvent[]>(requests.map((r) => [r.id, []]));
    let open = requests.length;
    const scheduler = new Scheduler(
      rt.decoder,
      rt.ctx,
      {
        events: (id, events) => {
          out.get(id)!.push(...events);
          if (events.some((e) => e.type === 'finish') && --open === 0) resolve(out);
        },
        failed: (id, message) => reject(new Error(`${id}: ${message}`)),
      },
      batching,
    );
    for (const r of requests) scheduler.add(r);
  });
}

export function tokens(events: GenerationEvent[]): TokenEvent[] {
  return events.filter((e): e is TokenEvent => e.type === 'token');
}

/** One decode step of one sequence: the logits it consumed and the forward pass that made them. */
export interface StepRecord {
  pass: number;
  logits: Float32Array;
}

export interface RecordedRun {
  events: Map<string, GenerationEvent[]>;
  steps: Map<string, StepRecord[]>;
  /** Rows (sequences) in each forward pass, prefill passes included. */
  rowsPerPass: number[];
}

/**
 * runAll, recording for every step of every sequence the logits it consumed (a copy)
 * and which forward pass produced them, by wrapping the decoder and Sequence.step from
 * the outside for the duration of the run.
 */
export async function runRecorded(
  rt: Runtime,
  requests: GenerationRequest[],
  batching: Batching = 'exact',
): Promise<RecordedRun> {
  const steps = new Map<string, StepRecord[]>(requests.map((r) => [r.id, []]));
  const rowsPerPass: number[] = [];
  const forward = rt.decoder.forward;
  const step = Sequence.prototype.step;
  rt.decoder.forward = async function (this: DecoderSession, cache, embeds, T) {
    rowsPerPass.push(cache.batch);
    return forward.call(this, cache, embeds, T);
  };
  Sequence.prototype.step = function (this: Sequence, logits: Float32Array, positions: number) {
    steps.get(this.request.id)?.push({ pass: rowsPerPass.length - 1, logits: logits.slice() });
    return step.call(this, logits, positions);
  };
  try {
    return { events: await runAll(rt, requests, batching), steps, rowsPerPass };
  } finally {
    rt.decoder.forward = forward;
    Sequence.prototype.step = step;
  }
}
