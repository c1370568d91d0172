// POST /v1/completions (legacy)
import type { FastifyInstance } from 'fastify';
import { Completion, CompletionChunk, CompletionRequest } from '../protocol/completions.js';
import { planCompletion } from '../serving/completion-request.js';
import { errorResponses } from './error-schemas.js';
import { generationHandler, type GenerationDeps } from './generation-handler.js';

export function registerCompletionsRoute(app: FastifyInstance, deps: GenerationDeps): void {
  app.post(
    '/v1/completions',
    {
      schema: {
        tags: ['openai'],
        summary: 'text completion (stream: true for server-sent events)',
        security: [{ bearer: [] }],
        body: CompletionRequest,
        response: {
          200: {
            description:
              'a text_completion, or with stream: true a text/event-stream of text_completion frames ending in ' +
              '`data: [DONE]`',
            content: { 'application/json': { schema: Completion }, 'text/event-stream': { schema: CompletionChunk } },
          },
          ...errorResponses,
        },
      },
    },
    generationHandler('completions', planCompletion, deps),
  );
}
