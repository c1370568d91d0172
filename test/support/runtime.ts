// The decode loop in-process (no worker thread), for tests that need to look inside.
import { loadModel, type LoadedModel } from '../../src/engine/load-model.js';
import { workerInitFor } from '../../src/engine/create-engine.js';
import { createRuntime, type Runtime } from '../../src/worker/runtime.js';
import { Scheduler, type Batching } from '../../src/worker/scheduler.js';
import type { GenerationEvent, GenerationRequest, TokenEvent } from '../../src/engine/types.js';

export async function inProcess(dir: string): Promise<{ loaded: LoadedModel; rt: Runtime }> {
  const loaded = await loadModel(dir, { dtype: 'fp32' });
  const rt = await createRuntime(workerInitFor(loaded, { modelDir: dir }, 1));
  return { loaded, rt };
}

/** Runs requests concurrently through one scheduler and returns each one's events. */
export function runAll(rt: Runtime, requests: GenerationRequest[], batching: Batching = 'exact'): Promise<Map<string, GenerationEvent[]>> {
  return new Promise((resolve, reject) => {
    const out = new Map<string, GenerationEvent[]>(requests.map((r) => [r.id, []]));
    let open = requests.length;
    const scheduler = new Scheduler(rt.decoder, rt.ctx, {
      events: (id, events) => {
        out.get(id)!.push(...events);
        if (events.some((e) => e.type === 'finish') && --open === 0) resolve(out);
      },
      failed: (id, message) => reject(new Error(`${id}: ${message}`)),
    }, batching);
    for (const r of requests) scheduler.add(r);
  });
}

export function tokens(events: GenerationEvent[]): TokenEvent[] {
  return events.filter((e): e is TokenEvent => e.type === 'token');
}
