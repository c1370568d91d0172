// Page settings → the body of a streaming POST /v1/chat/completions (docs/api.md).
// Every request asks for the trace (with each soft step's mix), token ids and usage:
// the page renders from them.
import { NO_OUTPUT_OPTIONS, outputFields, type OutputSettings } from './output-options.js';

export const SELAR_MODES = ['selar', 'soft', 'soft_thinking', 'swir', 'off', 'random', 'hot'] as const;
export type SelarMode = (typeof SELAR_MODES)[number];
export type NoiseKind = 'none' | 'gumbel' | 'dirichlet';

/** Soft Thinking's knobs (`selar.soft_thinking`); `after_thinking` keeps the request's sampling. */
export interface SoftThinkingSettings {
  max_topk: number;
  min_p: number;
  cold_stop_entropy: number;
  cold_stop_steps: number;
}

/** Every field of one side's panel; `selarObject` sends those its mode reads. */
export interface SelarSettings {
  mode: SelarMode;
  top_k: number;
  entropy_threshold: number;
  contrastive_weight: number;
  discrete_tokens: 'none' | 'math';
  scope: 'all' | 'thinking';
  noise: NoiseKind;
  noise_temperature: number;
  noise_alpha: number;
  soft_rate: number;
  hot_temperature: number;
  soft_thinking: SoftThinkingSettings;
}

type FieldName = Exclude<keyof SelarSettings, 'mode'>;

/**
 * The fields each mode reads. The server rejects a field another mode owns (400), and
 * one a mode would ignore is left out so the request says what takes effect. `top_k`
 * sets the trace's entropy in every mode, so even `off` sends it; `noise` only where a
 * soft input mixes candidates (not swir's exact expectation, which runs on the server's
 * `selar.swir` defaults here).
 */
export const MODE_FIELDS: Record<SelarMode, readonly FieldName[]> = {
  selar: ['top_k', 'entropy_threshold', 'contrastive_weight', 'discrete_tokens', 'scope', 'noise'],
  soft: ['top_k', 'contrastive_weight', 'discrete_tokens', 'scope', 'noise'],
  soft_thinking: ['top_k', 'discrete_tokens', 'noise', 'soft_thinking'],
  swir: ['top_k', 'discrete_tokens', 'scope'],
  off: ['top_k'],
  random: ['top_k', 'contrastive_weight', 'discrete_tokens', 'scope', 'noise', 'soft_rate'],
  hot: ['top_k', 'entropy_threshold', 'discrete_tokens', 'scope', 'hot_temperature'],
};

/** Whether `field` takes effect under these settings (the panel disables the others). */
export function fieldApplies(s: Pick<SelarSettings, 'mode' | 'noise'>, field: FieldName): boolean {
  if (field === 'noise_temperature') return MODE_FIELDS[s.mode].includes('noise') && s.noise === 'gumbel';
  if (field === 'noise_alpha') return MODE_FIELDS[s.mode].includes('noise') && s.noise === 'dirichlet';
  return MODE_FIELDS[s.mode].includes(field);
}

const ALL_FIELDS: readonly FieldName[] = [
  'top_k',
  'entropy_threshold',
  'contrastive_weight',
  'discrete_tokens',
  'scope',
  'noise',
  'noise_temperature',
  'noise_alpha',
  'soft_rate',
  'hot_temperature',
  'soft_thinking',
];

/** The request's `selar` object: the mode, the fields it reads, and `trace: "mix"`. */
export function selarObject(s: SelarSettings): Record<string, unknown> {
  const out: Record<string, unknown> = { mode: s.mode };
  for (const f of ALL_FIELDS) if (fieldApplies(s, f)) out[f] = f === 'soft_thinking' ? { ...s[f] } : s[f];
  out.trace = 'mix';
  return out;
}

/** What both sides of a comparison share. */
export interface SharedSettings {
  model: string;
  system: string;
  prompt: string;
  temperature: number;
  /** null: unseeded. */
  seed: number | null;
  maxTokens: number;
  /** null: logprobs off; otherwise the number of alternatives shown per token. */
  topLogprobs: number | null;
  /** Tools and structured output (absent: none). */
  output?: OutputSettings;
}

export function chatRequestBody(shared: SharedSettings, selar: SelarSettings): Record<string, unknown> {
  const messages: Array<{ role: string; content: string }> = [];
  if (shared.system.trim() !== '') messages.push({ role: 'system', content: shared.system });
  messages.push({ role: 'user', content: shared.prompt });
  return {
    model: shared.model,
    messages,
    stream: true,
    stream_options: { include_usage: true },
    return_token_ids: true,
    temperature: shared.temperature,
    max_tokens: shared.maxTokens,
    ...(shared.seed !== null ? { seed: shared.seed } : {}),
    ...(shared.topLogprobs !== null ? { logprobs: true, top_logprobs: shared.topLogprobs } : {}),
    selar: selarObject(selar),
    ...outputFields(shared.output ?? NO_OUTPUT_OPTIONS),
  };
}

const noiseLabel = (s: SelarSettings) =>
  !fieldApplies(s, 'noise') || s.noise === 'none'
    ? ''
    : s.noise === 'gumbel'
      ? ` gumbel τ=${s.noise_temperature}`
      : ` dirichlet α=${s.noise_alpha}`;

/** A short label for a side's settings, e.g. "selar k=3 τ=0.5 w=1 math all". */
export function describeSelar(s: SelarSettings): string {
  const st = s.soft_thinking;
  switch (s.mode) {
    case 'off':
      return 'off (plain decoding)';
    case 'soft_thinking':
      return (
        `soft_thinking max_topk=${st.max_topk} min_p=${st.min_p}` +
        `${st.cold_stop_entropy > 0 ? ` cold_stop=${st.cold_stop_entropy}×${st.cold_stop_steps}` : ''}` +
        ` ${s.discrete_tokens}${noiseLabel(s)}`
      );
    case 'swir':
      return `swir (server knobs) ${s.discrete_tokens} ${s.scope}`;
    case 'hot':
      return `hot k=${s.top_k} τ=${s.entropy_threshold} T=${s.hot_temperature} ${s.discrete_tokens} ${s.scope}`;
    default: {
      const gate = s.mode === 'selar' ? ` τ=${s.entropy_threshold}` : s.mode === 'random' ? ` p=${s.soft_rate}` : '';
      return `${s.mode} k=${s.top_k}${gate} w=${s.contrastive_weight} ${s.discrete_tokens} ${s.scope}${noiseLabel(s)}`;
    }
  }
}
