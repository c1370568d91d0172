// A model folder's recommended SeLaR settings: the `selar` object of generation_config.json.
// SeLaR's tau and k are tuned per model, so a model may ship its own; they sit between the
// request and the server's --selar-* flags. Checked at load with the request's own field
// schemas, so a bad value stops start-up with the field named instead of failing per request.
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ModelLoadError } from '../errors.js';
import { SelarRequest, StringEnum } from '../protocol/common.js';

const p = SelarRequest.properties;

/** The request fields that make sense as a model's default (not trace, not the ablation-only ones). */
export const ModelSelarDefaults = Type.Object(
  {
    mode: Type.Optional(StringEnum(['selar', 'soft', 'off', 'soft_thinking', 'swir'] as const)),
    top_k: p.top_k,
    entropy_threshold: p.entropy_threshold,
    contrastive_weight: p.contrastive_weight,
    discrete_tokens: p.discrete_tokens,
    scope: p.scope,
    entropy: p.entropy,
    hot_temperature: p.hot_temperature,
    think_end: p.think_end,
    noise: p.noise,
    noise_temperature: p.noise_temperature,
    noise_alpha: p.noise_alpha,
    soft_thinking: p.soft_thinking,
    swir: p.swir,
  },
  { additionalProperties: false },
);
export type ModelSelarDefaults = Static<typeof ModelSelarDefaults>;

/** Validates generation_config.json's `selar` (absent → no defaults); throws naming the field. */
export function parseSelarDefaults(raw: unknown, file: string): ModelSelarDefaults {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ModelLoadError('"selar" must be an object', file);
  const error = Value.Errors(ModelSelarDefaults, raw).First();
  if (error) {
    const field = `selar${error.path.replace(/\//g, '.')}`;
    const allowed = (error.schema.anyOf as Array<{ const?: unknown }> | undefined)?.map((s) => JSON.stringify(s.const));
    const why = allowed ? `must be one of ${allowed.join(', ')}` : error.message;
    throw new ModelLoadError(`${field}: ${why} (got ${JSON.stringify(error.value)})`, file);
  }
  return raw as ModelSelarDefaults;
}
