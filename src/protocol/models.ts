// /v1/models and the operational endpoints' response bodies.
import { Type, type Static } from '@sinclair/typebox';
import { SELAR_MODES, StringEnum } from './common.js';

/** What an omitted `selar` field resolves to on this server, named as in the request. */
export const SelarDefaults = Type.Object(
  {
    mode: StringEnum(SELAR_MODES),
    top_k: Type.Integer(),
    entropy_threshold: Type.Number(),
    contrastive_weight: Type.Number(),
    discrete_tokens: StringEnum(['math', 'none'] as const),
    scope: StringEnum(['all', 'thinking'] as const),
    entropy: StringEnum(['topk', 'full'] as const),
    hot_temperature: Type.Number(),
    think_end: Type.Union([Type.String(), Type.Null()], {
      description: 'null: the model has no end-of-thinking string',
    }),
    noise: StringEnum(['none', 'gumbel', 'dirichlet'] as const),
    noise_temperature: Type.Number(),
    noise_alpha: Type.Number(),
    soft_thinking: Type.Object({
      max_topk: Type.Integer(),
      min_p: Type.Number(),
      cold_stop_entropy: Type.Number(),
      cold_stop_steps: Type.Integer(),
      after_thinking: Type.Object({
        temperature: Type.Union([Type.Number(), Type.Null()]),
        top_p: Type.Union([Type.Number(), Type.Null()]),
        top_k: Type.Union([Type.Integer(), Type.Null()]),
        min_p: Type.Union([Type.Number(), Type.Null()]),
      }),
    }),
  },
  {
    description:
      "extension: the SeLaR defaults in effect: each field from the model's generation_config.json `selar` " +
      'when it sets one, else from the --selar-* flags',
  },
);
export type SelarDefaults = Static<typeof SelarDefaults>;

export const Model = Type.Object({
  id: Type.String(),
  object: Type.Literal('model'),
  created: Type.Integer(),
  owned_by: Type.String(),
  max_model_len: Type.Integer({ description: 'extension: context length in tokens' }),
  selar_defaults: SelarDefaults,
});
export type Model = Static<typeof Model>;

export const ModelList = Type.Object({ object: Type.Literal('list'), data: Type.Array(Model) });
export type ModelList = Static<typeof ModelList>;

export const HealthStatus = Type.Object({
  status: Type.Union([
    Type.Literal('ok'),
    Type.Literal('ready'),
    Type.Literal('loading'),
    Type.Literal('draining'),
    Type.Literal('failed'),
  ]),
});
export type HealthStatus = Static<typeof HealthStatus>;
