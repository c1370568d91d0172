// POST /v1/chat/completions
import type { FastifyInstance } from 'fastify';
import { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest } from '../protocol/chat.js';
import { planChat } from '../serving/chat-request.js';
import { errorResponses } from './error-schemas.js';
import { generationHandler, type GenerationDeps } from './generation-handler.js';

export function registerChatRoute(app: FastifyInstance, deps: GenerationDeps): void {
  app.post(
    '/v1/chat/completions',
    {
      schema: {
        tags: ['openai'],
        summary: 'chat completion (stream: true for server-sent events)',
        security: [{ bearer: [] }],
        body: ChatCompletionRequest,
        response: {
          200: {
            description:
              'a chat.completion, or with stream: true a text/event-stream of chat.completion.chunk frames ending in ' +
              '`data: [DONE]`',
            content: {
              'application/json': { schema: ChatCompletion },
              'text/event-stream': { schema: ChatCompletionChunk },
            },
          },
          ...errorResponses,
        },
      },
    },
    generationHandler('chat', planChat, deps),
  );
}
