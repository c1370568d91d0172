// /v1/models and the operational endpoints' response bodies.
import { Type, type Static } from '@sinclair/typebox';

export const Model = Type.Object({
  id: Type.String(),
  object: Type.Literal('model'),
  created: Type.Integer(),
  owned_by: Type.String(),
  max_model_len: Type.Integer({ description: 'extension: context length in tokens' }),
});
export type Model = Static<typeof Model>;

export const ModelList = Type.Object({ object: Type.Literal('list'), data: Type.Array(Model) });
export type ModelList = Static<typeof ModelList>;

export const ModelParams = Type.Object({ id: Type.String() });

export const HealthStatus = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('ready'), Type.Literal('loading'), Type.Literal('draining'), Type.Literal('failed')]),
});
export type HealthStatus = Static<typeof HealthStatus>;
