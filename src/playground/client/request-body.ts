// Page settings → the body of a streaming POST /v1/chat/completions (docs/api.md).
// Every request asks for the trace, token ids and usage: the page renders from them.
import { NO_OUTPUT_OPTIONS, outputFields, type OutputSettings } from './output-options.js';

export type SelarMode = 'off' | 'selar' | 'soft';

/** The `selar` object, as one side of a comparison sets it. */
export interface SelarSettings {
  mode: SelarMode;
  top_k: number;
  entropy_threshold: number;
  contrastive_weight: number;
  discrete_tokens: 'none' | 'math';
  scope: 'all' | 'thinking';
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
    selar: { ...selar, trace: true },
    ...outputFields(shared.output ?? NO_OUTPUT_OPTIONS),
  };
}

/** A short label for a side's settings, e.g. "selar k=3 τ=0.5 w=1 math all". */
export function describeSelar(s: SelarSettings): string {
  if (s.mode === 'off') return 'off (plain decoding)';
  const gate = s.mode === 'selar' ? ` τ=${s.entropy_threshold}` : '';
  return `${s.mode} k=${s.top_k}${gate} w=${s.contrastive_weight} ${s.discrete_tokens} ${s.scope}`;
}
