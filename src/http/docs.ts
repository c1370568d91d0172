// The OpenAPI document (generated from the route schemas) at /openapi.json and the
// Swagger UI at /docs. Must be registered before any route so every route is seen.
import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { SERVER_VERSION } from '../serving/context.js';

export async function registerDocs(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'selar-server',
        version: SERVER_VERSION,
        description:
          'OpenAI-compatible inference server with SeLaR (Selective Latent Reasoning) decoding. ' +
          'Unknown fields and unsupported values are rejected with HTTP 400 naming the parameter.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      tags: [
        { name: 'openai', description: 'OpenAI-compatible API (with the selar extensions)' },
        { name: 'operations', description: 'health, readiness and metrics' },
        { name: 'utility', description: "tokenize, detokenize and version, in vLLM's shapes" },
      ],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
