// Decoding configurations as data. A preset is one row of PRESETS; expanding the
// chosen presets with the run's options gives the concrete configurations, each a
// name plus the request fields it adds to every chat completion. New comparisons
// (the ablations: random, hot, entropy: full) are new rows, not new code paths.
import { createHash } from 'node:crypto';
import { ConfigError } from '../errors.js';

export type SelarObject = Record<string, string | number | boolean>;

export interface Preset {
  name: string;
  description: string;
  mode: string;
  /** Sampled at --temperature/--top-p with --n seeded samples; otherwise greedy, one sample. */
  sampled: boolean;
  /** One configuration per τ in --taus (plotted as a line); otherwise one (a reference line). */
  sweepsTau: boolean;
  /** Whether the selar tuning flags (--selar-top-k, --contrastive-weight, ...) apply. */
  tuned: boolean;
  /** Further selar fields fixed by the preset. */
  fixed?: SelarObject;
  /** Sends a per-sample seed although visible tokens are greedy (random and hot modes draw from it). */
  seeded?: boolean;
  /**
   * Ablation: soft_rate is set to the soft-token ratio this other preset actually
   * produced at the same τ, so the comparison holds the number of soft steps fixed.
   */
  matchSoftRateOf?: string;
}

export const PRESETS: readonly Preset[] = [
  {
    name: 'off-greedy',
    description: 'plain greedy decoding',
    mode: 'off',
    sampled: false,
    sweepsTau: false,
    tuned: false,
  },
  {
    name: 'off-sampled',
    description: 'plain sampling at --temperature/--top-p',
    mode: 'off',
    sampled: true,
    sweepsTau: false,
    tuned: false,
  },
  {
    name: 'selar',
    description: 'SeLaR, greedy visible tokens, one run per τ',
    mode: 'selar',
    sampled: false,
    sweepsTau: true,
    tuned: true,
  },
  {
    name: 'selar-sampled',
    description: 'SeLaR with sampled visible tokens, one run per τ',
    mode: 'selar',
    sampled: true,
    sweepsTau: true,
    tuned: true,
  },
  {
    name: 'soft',
    description: 'every step soft (the always-on baseline), greedy',
    mode: 'soft',
    sampled: false,
    sweepsTau: false,
    tuned: true,
  },
  {
    name: 'soft-sampled',
    description: 'every step soft, sampled',
    mode: 'soft',
    sampled: true,
    sweepsTau: false,
    tuned: true,
  },
  {
    name: 'random',
    description: 'soft steps at seeded random positions, at the soft rate selar produced at the same τ',
    mode: 'random',
    sampled: false,
    sweepsTau: true,
    tuned: true,
    seeded: true,
    matchSoftRateOf: 'selar',
  },
  {
    name: 'hot',
    description: 'discrete, but the visible token sampled at hot_temperature where the gate fires',
    mode: 'hot',
    sampled: false,
    sweepsTau: true,
    tuned: true,
    seeded: true,
  },
  {
    name: 'selar-full',
    description: 'SeLaR gated on the full-vocabulary entropy',
    mode: 'selar',
    sampled: false,
    sweepsTau: true,
    tuned: true,
    fixed: { entropy: 'full' },
  },
  {
    name: 'soft-thinking',
    description: 'Soft Thinking: every thinking step a concept token (server defaults for its knobs), greedy',
    mode: 'soft_thinking',
    sampled: false,
    sweepsTau: false,
    // SeLaR's tuning flags (contrastive weight, scope) do not apply to it.
    tuned: false,
  },
  {
    name: 'soft-thinking-sampled',
    description: 'Soft Thinking with sampled visible tokens',
    mode: 'soft_thinking',
    sampled: true,
    sweepsTau: false,
    tuned: false,
  },
  {
    name: 'soft-thinking-dirichlet',
    description: 'Soft Thinking with Dirichlet noise on the concept weights (seeded), greedy visible tokens',
    mode: 'soft_thinking',
    sampled: false,
    sweepsTau: false,
    tuned: false,
    fixed: { noise: 'dirichlet' },
    seeded: true,
  },
];

export const DEFAULT_PRESETS = ['off-greedy', 'off-sampled', 'selar', 'soft'];
/** --ablation: every alternative to entropy gating on the same problems and seeds, and the other latent methods. */
export const ABLATION_PRESETS = [
  'off-greedy',
  'off-sampled',
  'soft',
  'selar',
  'random',
  'hot',
  'selar-full',
  'soft-thinking',
  'soft-thinking-dirichlet',
];
export const DEFAULT_TAUS = [0.3, 0.5, 0.7];

export interface ConfigOptions {
  presets: string[];
  taus: number[];
  /** Samples per problem for sampled presets. */
  n: number;
  temperature: number;
  topP: number;
  /**
   * selar fields for tuned presets (top_k, contrastive_weight, discrete_tokens, scope); unset ones take the server's
   * defaults.
   */
  selar: SelarObject;
  maxTokens: number | null;
  /** The endpoint has no selar extension: send no `selar` object (off presets only). */
  plain?: boolean;
}

export interface RequestFields {
  temperature: number;
  top_p?: number;
  max_tokens?: number;
  /** Absent only for --plain endpoints. */
  selar?: SelarObject;
}

export interface DecodingConfig {
  /** Unique label: "off-greedy", "selar@0.5". */
  name: string;
  preset: string;
  mode: string;
  /** The plotted line this configuration belongs to (its preset), when it sweeps τ. */
  tau: number | null;
  sampled: boolean;
  /** A per-sample seed is sent (sampled presets, and greedy ones that draw random numbers). */
  seeded: boolean;
  samples: number;
  request: RequestFields;
  /** Set for configurations whose soft_rate waits for another configuration's results. */
  softRateFrom?: string;
}

export function findPreset(name: string): Preset {
  const preset = PRESETS.find((p) => p.name === name);
  if (!preset) throw new ConfigError(`unknown preset "${name}" (known: ${PRESETS.map((p) => p.name).join(', ')})`);
  return preset;
}

export function expandConfigs(o: ConfigOptions): DecodingConfig[] {
  if (o.presets.length === 0) throw new ConfigError('no presets chosen');
  const out: DecodingConfig[] = [];
  for (const name of o.presets) {
    const p = findPreset(name);
    if (o.plain && p.mode !== 'off')
      throw new ConfigError(`preset "${name}" needs the selar extension; --plain allows only off presets`);
    if (p.sweepsTau && o.taus.length === 0) throw new ConfigError(`preset "${name}" needs at least one τ in --taus`);
    if (p.matchSoftRateOf && !o.presets.includes(p.matchSoftRateOf)) {
      throw new ConfigError(`preset "${name}" takes its soft rate from "${p.matchSoftRateOf}": choose both`);
    }
    const base: RequestFields = {
      temperature: p.sampled ? o.temperature : 0,
      ...(p.sampled ? { top_p: o.topP } : {}),
      ...(o.maxTokens !== null ? { max_tokens: o.maxTokens } : {}),
      ...(o.plain ? {} : { selar: { mode: p.mode, ...(p.tuned ? o.selar : {}), ...p.fixed } }),
    };
    const taus: Array<number | null> = p.sweepsTau ? o.taus : [null];
    for (const tau of taus) {
      out.push({
        name: tau === null ? p.name : `${p.name}@${tau}`,
        preset: p.name,
        mode: p.mode,
        tau,
        sampled: p.sampled,
        seeded: p.sampled || p.seeded === true,
        samples: p.sampled ? o.n : 1,
        request: tau === null ? base : { ...base, selar: { ...base.selar, entropy_threshold: tau } },
        ...(p.matchSoftRateOf
          ? { softRateFrom: tau === null ? p.matchSoftRateOf : `${p.matchSoftRateOf}@${tau}` }
          : {}),
      });
    }
  }
  const names = new Set<string>();
  for (const c of out) {
    if (names.has(c.name))
      throw new ConfigError(`configuration "${c.name}" is listed twice (check --presets and --taus)`);
    names.add(c.name);
  }
  return out;
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * What a stored result was produced with: the model and every request field. A
 * resumed run only reuses results whose fingerprint matches, so changing a flag
 * never mixes old and new settings under one name.
 */
export function fingerprint(model: string, config: DecodingConfig, extra: Record<string, unknown> = {}): string {
  return createHash('sha256')
    .update(stableJson({ model, request: config.request, ...extra }))
    .digest('hex')
    .slice(0, 16);
}

/**
 * The seed of sample `sample` of a problem: the same for every configuration, so sampled configurations are compared on
 * common random numbers.
 */
export function sampleSeed(problemId: string, sample: number, base: number): number {
  return createHash('sha256').update(`${base}:${problemId}:${sample}`).digest().readUInt32BE(0) & 0x7fffffff;
}

/** The configuration with its soft_rate fixed to the ratio its reference produced. */
export function withSoftRate(config: DecodingConfig, softRatio: number | null): DecodingConfig {
  const rate = Math.min(1, Math.max(0, softRatio ?? 0));
  return {
    ...config,
    softRateFrom: undefined,
    request: { ...config.request, selar: { ...config.request.selar, soft_rate: Number(rate.toFixed(4)) } },
  };
}
