// GET /v1/models and GET /v1/models/{id}.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { excerpt, SelarError } from '../errors.js';
import { ErrorResponse } from '../protocol/common.js';
import { Model, ModelList, type SelarDefaults } from '../protocol/models.js';
import type { ServingContext } from '../serving/context.js';
import { resolveSelar, swirDefaults } from '../serving/resolve-params.js';

function selarDefaults(ctx: ServingContext): SelarDefaults {
  const d = resolveSelar(undefined, ctx);
  return {
    mode: d.mode,
    top_k: d.topK,
    entropy_threshold: d.entropyThreshold,
    contrastive_weight: d.contrastiveWeight,
    discrete_tokens: d.discreteTokens,
    scope: d.scope,
    entropy: d.entropy,
    hot_temperature: d.hotTemperature,
    think_end: d.thinkEnd,
    noise: d.noise,
    noise_temperature: d.noiseTemperature,
    noise_alpha: d.noiseAlpha,
    soft_thinking: {
      max_topk: d.softThinking.maxTopk,
      min_p: d.softThinking.minP,
      cold_stop_entropy: d.softThinking.coldStopEntropy,
      cold_stop_steps: d.softThinking.coldStopSteps,
      after_thinking: {
        temperature: d.softThinking.afterThinking.temperature,
        top_p: d.softThinking.afterThinking.topP,
        top_k: d.softThinking.afterThinking.topK,
        min_p: d.softThinking.afterThinking.minP,
      },
    },
    swir: swirDefaults(ctx.config, ctx.model.selarDefaults.swir),
  };
}

export function registerModelRoutes(app: FastifyInstance, ctx: ServingContext): void {
  const created = Math.floor(Date.now() / 1000);
  const model = (): Model => ({
    id: ctx.model.id,
    object: 'model',
    created,
    owned_by: 'selar-server',
    max_model_len: ctx.model.contextLength,
    selar_defaults: selarDefaults(ctx),
  });
  const security = [{ bearer: [] }];
  app.get(
    '/v1/models',
    {
      schema: { tags: ['openai'], summary: 'the served model', security, response: { 200: ModelList } },
    },
    async () => ({ object: 'list' as const, data: [model()] }),
  );
  const byId = (id: string): Model => {
    if (id !== ctx.model.id)
      throw new SelarError('model_not_found', `The model '${excerpt(id)}' does not exist`, 'model');
    return model();
  };
  app.get<{ Params: { id: string } }>(
    '/v1/models/:id',
    {
      schema: {
        tags: ['openai'],
        summary: 'one model by id',
        security,
        params: Type.Object({ id: Type.String({ description: 'the model id' }) }),
        response: { 200: Model, 404: ErrorResponse },
      },
    },
    async (req) => byId(req.params.id),
  );
  // Ids with a '/' (e.g. --model-id org/name), which clients put in the path unescaped.
  app.get<{ Params: { '*': string } }>('/v1/models/*', { schema: { hide: true } }, async (req) =>
    byId(req.params['*']),
  );
}
