// A real worker pool on the tiny generated Llama, closed when the test ends: one worker
// with one intra-op thread, so admission and slots are easy to reason about.
import type { Test } from 'tap';
import { createEngine } from '../../src/engine/create-engine.js';
import type { EngineOptions } from '../../src/engine/options.js';
import { llamaModel } from './models.js';

export async function llamaEngine(t: Test, over: Partial<EngineOptions> = {}) {
  const loaded = await createEngine({ modelDir: await llamaModel(), workers: 1, threadsPerWorker: 1, ...over });
  t.teardown(() => loaded.engine.close());
  return loaded;
}
