// Messages between the main thread and a decode worker (a discriminated union each way).
import type { Batching, GenerationEvent, GenerationRequest } from './types.js';
import type { DerivedDecoder } from '../model/convert/index.js';

/** Transferable description of a shared table (what workerData carries). */
export interface SharedTable {
  buffer: SharedArrayBuffer;
  dtype: 'float32' | 'float16';
  rows: number;
  dim: number;
}

export interface WorkerInit {
  modelDir: string;
  derived: DerivedDecoder;
  /** The shared fp32/fp16 embedding table, when the model has a raw one. */
  table: SharedTable | null;
  contextLength: number;
  device: string;
  intraOpThreads: number;
  /** Sequences decoded concurrently by this worker. */
  maxSequences: number;
  /** How the scheduler batches sequences of different lengths (see scheduler.ts). */
  batching: Batching;
  /** Compiled grammars kept per worker (least recently used first out). */
  grammarCacheSize?: number;
  /** A grammar compile running longer (ms) ends its grammar thread and fails its request; 0: no limit. */
  grammarCompileTimeoutMs?: number;
  /** For tests of fault handling: crash after this many steps (never set in production). */
  faultInjection?: { crashAfterSteps?: number; throwAfterSteps?: number };
}

export type ToWorker =
  | { type: 'generate'; request: GenerationRequest }
  | { type: 'cancel'; id: string }
  | { type: 'shutdown' };

export type FromWorker =
  | { type: 'ready'; device: string; warning?: string }
  /** Every sequence's events of one decode pass in one message (a cohort of 16 costs one postMessage, not 16). */
  | { type: 'events'; batch: Array<{ id: string; events: GenerationEvent[] }> }
  /** `invalid`: the request itself was at fault (a 400 naming `param`), e.g. its grammar's compile timed out. */
  | { type: 'failed'; id: string; message: string; invalid?: { message: string; param: string } }
  | { type: 'fatal'; message: string };
