// The engine factory: loads the model folder, plans workers and threads, and starts
// the worker pool.
import { ModelLoadError } from '../errors.js';
import type { TextTokenizer } from '../model/tokenizer.js';
import { loadModel, type LoadedModel } from './load-model.js';
import { ENGINE_DEFAULTS, type EngineOptions } from './options.js';
import { defaultParallelism } from './parallelism.js';
import { WorkerPool } from './pool.js';
import type { WorkerInit } from './protocol.js';

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
    device: opts.device ?? ENGINE_DEFAULTS.device,
    intraOpThreads: threads,
    maxSequences: opts.maxSequencesPerWorker ?? ENGINE_DEFAULTS.maxSequencesPerWorker,
    batching: opts.batching ?? ENGINE_DEFAULTS.batching,
    grammarCompileTimeoutMs: opts.grammarCompileTimeoutMs ?? ENGINE_DEFAULTS.grammarCompileTimeoutMs,
    faultInjection: opts.faultInjection,
  };
}

/** Loads the model folder, derives the inputs_embeds decoder, and starts the workers. */
export async function createEngine(opts: EngineOptions): Promise<LoadedEngine> {
  const dtype = opts.dtype ?? ENGINE_DEFAULTS.dtype;
  const loaded = await loadModel(opts.modelDir, {
    dtype,
    quantize: opts.quantize,
    modelId: opts.modelId,
    logger: opts.logger,
  });
  const { workers, threads } = defaultParallelism(loaded.derived.hiddenSize, opts, opts.cpus);
  opts.logger?.info({ workers, threadsPerWorker: threads }, 'decode workers');
  if (opts.batching === 'padded' && !loaded.derived.leftPadding) {
    throw new ModelLoadError(
      '--batching padded needs a decoder with attention_mask and position_ids inputs whose attention honours ' +
        'left padding (not GroupQueryAttention); use --batching exact',
      loaded.derived.decoderPath,
    );
  }
  const init = workerInitFor(loaded, opts, threads);
  const engine = new WorkerPool(loaded.info, init, workers, {
    queueSize: opts.queueSize ?? ENGINE_DEFAULTS.queueSize,
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
