// POST /v1/responses, and the stored responses: GET / DELETE /v1/responses/{id},
// GET /v1/responses/{id}/input_items. The store lives here, one per app (per process).
import type { FastifyInstance } from 'fastify';
import { excerpt, SelarError } from '../errors.js';
import { ErrorResponse } from '../protocol/common.js';
import {
  InputItemList,
  InputItemsQuery,
  ResponseCreateRequest,
  ResponseDeleted,
  ResponseIdParams,
  ResponseObject,
  ResponseQuery,
  ResponseStreamEvent,
} from '../protocol/responses.js';
import { planResponse } from '../serving/responses/plan.js';
import { inputItemPage } from '../serving/responses/input-item-page.js';
import { responsesRunner } from '../serving/responses/run.js';
import { ResponseStore } from '../serving/responses/store.js';
import { errorResponses } from './error-schemas.js';
import { generationHandler, type GenerationDeps } from './generation-handler.js';

const security = [{ bearer: [] }];
const notFound = {
  description: 'no stored response with this id (unknown, expired or deleted)',
  content: { 'application/json': { schema: ErrorResponse } },
};

export function registerResponsesRoutes(app: FastifyInstance, deps: GenerationDeps): ResponseStore {
  const { config } = deps.ctx;
  const store = new ResponseStore(config.responsesMaxStored, config.responsesTtlS * 1000);
  const stored = (id: string) => {
    const found = store.get(id);
    if (!found) throw new SelarError('not_found', `Response with id '${excerpt(id)}' not found.`, 'id');
    return found;
  };

  app.post(
    '/v1/responses',
    {
      schema: {
        tags: ['openai'],
        summary: 'create a model response (OpenAI Responses API; stream: true for server-sent events)',
        security,
        body: ResponseCreateRequest,
        response: {
          200: {
            description: 'a response object, or with stream: true a text/event-stream of `event:` / `data:` frames',
            content: {
              'application/json': { schema: ResponseObject },
              'text/event-stream': { schema: ResponseStreamEvent },
            },
          },
          ...errorResponses,
          404: {
            ...errorResponses[404],
            description: 'unknown model, or unknown previous_response_id / item_reference',
          },
        },
      },
    },
    generationHandler(
      'responses',
      (body: ResponseCreateRequest, ctx) => planResponse(body, ctx, store),
      deps,
      responsesRunner(store),
    ),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/responses/:id',
    {
      schema: {
        tags: ['openai'],
        summary: "a stored response (kept in this process's memory)",
        security,
        params: ResponseIdParams,
        querystring: ResponseQuery,
        response: { 200: ResponseObject, 404: notFound },
      },
    },
    async (req) => stored(req.params.id).response,
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/responses/:id',
    {
      schema: {
        tags: ['openai'],
        summary: 'forget a stored response',
        security,
        params: ResponseIdParams,
        response: { 200: ResponseDeleted, 404: notFound },
      },
    },
    async (req) => {
      if (!store.delete(req.params.id)) stored(req.params.id);
      return { id: req.params.id, object: 'response' as const, deleted: true as const };
    },
  );

  app.get<{ Params: { id: string }; Querystring: InputItemsQuery }>(
    '/v1/responses/:id/input_items',
    {
      schema: {
        tags: ['openai'],
        summary: 'the input items of a stored response',
        security,
        params: ResponseIdParams,
        querystring: InputItemsQuery,
        response: { 200: InputItemList, 404: notFound },
      },
    },
    async (req) => inputItemPage(stored(req.params.id).inputItems, req.query),
  );
  return store;
}
