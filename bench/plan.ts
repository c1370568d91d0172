// What a benchmark run measures: per model, which systems at which concurrencies,
// how many tokens per sequence and how many timed repeats. The defaults keep a full
// run near 4 minutes on a 2-core machine; --quick about one.
import type { ModelRole } from './models.js';

export const SYSTEMS = [
  'floor',
  'engine:off',
  'engine:selar',
  'engine:soft',
  'engine:padded',
  'engine:schema',
  'http:off',
  'http:interval',
  'http:padded',
  'transformers.js',
] as const;

/** The --stream-interval of the http:interval and http:padded rows: tokens per SSE chunk. */
export const BENCH_STREAM_INTERVAL = 8;

/**
 * Systems measured above concurrency 1 only: padded batching is exact batching for a
 * lone sequence, and a larger stream interval is for the loaded server (at c=1 HTTP
 * already keeps up with the engine).
 */
const MULTI_STREAM_ONLY: readonly SystemId[] = ['engine:padded', 'http:interval', 'http:padded'];
/**
 * Systems measured at concurrency 1 only: the schema row prices a grammar against engine:off
 * (bench/grammar-bench.ts).
 */
const SINGLE_STREAM_ONLY: readonly SystemId[] = ['engine:schema'];
export type SystemId = (typeof SYSTEMS)[number];

export interface Config {
  system: SystemId;
  concurrency: number;
  tokens: number;
}

export interface ModelPlan {
  role: ModelRole;
  /** Timed repeats per concurrency: short single-stream runs are cheap and the noisiest, so they get the most. */
  repeats: Record<number, number>;
  /** Prompts are cut to their last N tokens (null: whole prompts). */
  maxPromptTokens: number | null;
  configs: Config[];
  /** The in-process profile of the engine loop (bench/profile.ts). */
  profile: { tokens: number; concurrency: number[] };
}

export interface BenchOptions {
  models: ModelRole[];
  concurrency: number[];
  systems: SystemId[];
  /** Overrides every model's tokens per sequence. */
  tokens: number | null;
  repeats: number | null;
  /** Engine decode workers (default: the server's choice for the model, defaultParallelism). */
  workers: number | null;
  /** Intra-op threads of every session (default: the server's choice for the model). */
  threads: number | null;
  quick: boolean;
  profile: boolean;
  /** Keep the models of an existing results.json that this run does not measure. */
  merge: boolean;
  /** Measure nothing; re-check targets and re-render results.md from results.json. */
  render: boolean;
  /** Where results.json and results.md go (folder). */
  outDir: string;
}

interface Defaults {
  tokens: (concurrency: number) => number;
  repeats: (concurrency: number) => number;
  maxPromptTokens: number | null;
  /** Systems measured only at concurrency 1 on this model (too slow to repeat at 16). */
  singleStreamOnly: SystemId[];
  /** Systems not measured on this model. */
  skip: SystemId[];
  profileTokens: number;
  /** Highest concurrency the profile runs at (the plan's list is capped to it). */
  profileMaxConcurrency: number;
}

const FULL: Record<ModelRole, Defaults> = {
  // ~3 ms a step: long sequences, many repeats, every system at every concurrency.
  demo: {
    tokens: (c) => (c >= 16 ? 64 : 128),
    repeats: (c) => (c === 1 ? 15 : c <= 4 ? 7 : 5),
    maxPromptTokens: null,
    singleStreamOnly: [],
    skip: [],
    profileTokens: 96,
    profileMaxConcurrency: 16,
  },
  // ~100 ms a step and ~0.5 s per 32-token prefill: short prompts, fewer sequences. Its
  // prompts are cut to one length, where padded batching is exact batching, and its
  // server's main thread is idle, so fewer SSE chunks buy nothing: neither is measured.
  large: {
    tokens: (c) => (c === 1 ? 32 : 16),
    repeats: (c) => (c === 1 ? 5 : 3),
    maxPromptTokens: 32,
    singleStreamOnly: ['engine:selar', 'engine:soft', 'transformers.js'],
    skip: ['engine:padded', 'http:interval', 'http:padded'],
    profileTokens: 24,
    profileMaxConcurrency: 4,
  },
};

const QUICK: Record<ModelRole, Defaults> = {
  demo: {
    tokens: () => 32,
    repeats: (c) => (c === 1 ? 4 : 2),
    maxPromptTokens: null,
    singleStreamOnly: [],
    skip: [],
    profileTokens: 32,
    profileMaxConcurrency: 4,
  },
  large: {
    tokens: () => 8,
    repeats: (c) => (c === 1 ? 2 : 1),
    maxPromptTokens: 16,
    singleStreamOnly: ['engine:selar', 'engine:soft', 'transformers.js'],
    skip: ['engine:padded', 'http:interval', 'http:padded'],
    profileTokens: 8,
    profileMaxConcurrency: 1,
  },
};

export function buildPlan(opts: BenchOptions): ModelPlan[] {
  return opts.models.map((role) => {
    const d = (opts.quick ? QUICK : FULL)[role];
    const configs: Config[] = [];
    for (const system of opts.systems) {
      for (const concurrency of opts.concurrency) {
        if (concurrency > 1 && (d.singleStreamOnly.includes(system) || SINGLE_STREAM_ONLY.includes(system))) continue;
        if (concurrency === 1 && MULTI_STREAM_ONLY.includes(system)) continue;
        if (d.skip.includes(system)) continue;
        configs.push({ system, concurrency, tokens: opts.tokens ?? d.tokens(concurrency) });
      }
    }
    const profile = {
      tokens: d.profileTokens,
      concurrency: opts.concurrency.filter((c) => c <= d.profileMaxConcurrency),
    };
    const repeats = Object.fromEntries(opts.concurrency.map((c) => [c, opts.repeats ?? d.repeats(c)]));
    return { role, repeats, maxPromptTokens: d.maxPromptTokens, configs, profile };
  });
}

/** Rotates the order of configurations each round, so load drift on a shared machine does not favour one system. */
export function roundOrder<T>(items: readonly T[], round: number): T[] {
  if (items.length === 0) return [];
  const k = round % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}
