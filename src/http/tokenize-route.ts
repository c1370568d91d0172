// POST /tokenize, POST /detokenize and GET /version (vLLM's utility endpoints).
import type { FastifyInstance } from 'fastify';
import {
  DetokenizeRequest,
  DetokenizeResponse,
  TokenizeRequest,
  TokenizeResponse,
  VersionResponse,
} from '../protocol/tokenize.js';
import { SERVER_VERSION, type ServingContext } from '../serving/context.js';
import { detokenize, tokenize } from '../serving/tokenize.js';
import { errorResponses } from './error-schemas.js';

export function registerTokenizeRoutes(app: FastifyInstance, ctx: ServingContext): void {
  const security = [{ bearer: [] }];
  const errors = { 400: errorResponses[400], 401: errorResponses[401], 404: errorResponses[404] };
  app.post<{ Body: TokenizeRequest }>(
    '/tokenize',
    {
      schema: {
        tags: ['utility'],
        summary: 'token ids of a prompt, or of chat messages with the chat template applied',
        security,
        body: TokenizeRequest,
        response: { 200: TokenizeResponse, ...errors },
      },
    },
    async (req) => tokenize(req.body, ctx),
  );
  app.post<{ Body: DetokenizeRequest }>(
    '/detokenize',
    {
      schema: {
        tags: ['utility'],
        summary: 'the text of token ids',
        security,
        body: DetokenizeRequest,
        response: { 200: DetokenizeResponse, ...errors },
      },
    },
    async (req) => detokenize(req.body, ctx),
  );
  app.get(
    '/version',
    {
      schema: { tags: ['utility'], summary: 'the server version', security, response: { 200: VersionResponse } },
    },
    async () => ({ version: SERVER_VERSION }),
  );
}
