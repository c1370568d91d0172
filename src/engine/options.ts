// What an engine is created from, and the defaults for what is left out: the one
// source of these defaults (the server's configuration schema takes its own from here).
import type { Logger } from 'pino';
import type { WorkerInit } from './protocol.js';
import type { Batching } from './types.js';
import type { QuantizeSpec } from '../model/convert/index.js';

export const ENGINE_DEFAULTS = {
  queueSize: 64,
  maxSequencesPerWorker: 8,
  batching: 'exact',
  device: 'cpu',
  /** The first ONNX variant the model folder has, full precision first. */
  dtype: 'auto',
  /** Time limit of one grammar compile (ms). */
  grammarCompileTimeoutMs: 10000,
} as const;

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
  /** Time limit of one grammar compile (ms; 0: none); a request whose grammar runs over gets a 400. */
  grammarCompileTimeoutMs?: number;
  /** Quantize the loaded weights (block-wise MatMulNBits; cached). */
  quantize?: QuantizeSpec;
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
