// A side's full panel settings for tests: the page's own defaults (index.html), with overrides.
import type { SelarSettings } from '../../src/playground/client/request-body.js';

export function selarSettings(over: Partial<SelarSettings> = {}): SelarSettings {
  return {
    mode: 'selar',
    top_k: 3,
    entropy_threshold: 0.5,
    contrastive_weight: 1,
    discrete_tokens: 'math',
    scope: 'all',
    noise: 'none',
    noise_temperature: 1,
    noise_alpha: 1,
    soft_rate: 0.2,
    hot_temperature: 1.5,
    soft_thinking: { max_topk: 15, min_p: 0, cold_stop_entropy: 0, cold_stop_steps: 256 },
    ...over,
  };
}
