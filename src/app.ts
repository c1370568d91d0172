// Builds the Fastify app without listening (tests inject into it; server.ts listens).
// Order matters: docs first (they must see every route), then the hooks in the order
// they should run (request id, CORS, the drain gate, auth), then the routes.
import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import pino from 'pino';
import type { TSchema } from '@sinclair/typebox';
import type { Config } from './config.js';
import type { Engine } from './engine/types.js';
import type { TextTokenizer } from './model/tokenizer.js';
import { installAuth } from './http/auth.js';
import { registerChatRoute } from './http/chat-route.js';
import { registerCompletionsRoute } from './http/completions-route.js';
import { installCors } from './http/cors.js';
import { registerDocs } from './http/docs.js';
import { installErrorHandling } from './http/errors.js';
import { installStrictJson } from './http/json-body.js';
import { installDrainGate, Lifecycle, registerHealthRoutes } from './http/lifecycle.js';
import { ServerMetrics, registerMetricsRoute } from './http/metrics.js';
import { registerModelRoutes } from './http/models-route.js';
import { registerResponsesRoutes } from './http/responses-route.js';
import { registerTokenizeRoutes } from './http/tokenize-route.js';
import { servingContext } from './serving/context.js';
import { validator } from './protocol/validate.js';
import { toOpenAIError } from './serving/openai-error.js';
import { SelarError } from './errors.js';
import playground from './playground/plugin.js';

declare module 'fastify' {
  interface FastifyInstance {
    lifecycle: Lifecycle;
    metrics: ServerMetrics;
  }
}

export interface AppOptions {
  config: Config;
  engine: Engine;
  tokenizer: TextTokenizer;
  logger?: pino.Logger;
}

export async function buildApp({ config, engine, tokenizer, logger }: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: (logger ?? pino({ level: 'silent' })) as FastifyBaseLogger,
    bodyLimit: config.bodyLimit,
    requestTimeout: config.requestTimeoutMs,
    // Node enforces the headers and request timeouts only when it sweeps its connections,
    // every 30 s by default: a slow client could hold a socket 30 s past either limit.
    http: { connectionsCheckingInterval: Math.min(1000, Math.max(100, Math.floor(config.headersTimeoutMs / 2))) },
    return503OnClosing: false, // draining is answered by the lifecycle hook, in OpenAI's shape
    genReqId: () => `req-${randomBytes(8).toString('hex')}`,
    // Malformed URLs (bad percent-escapes) fail in the router, before any handler: answer in OpenAI's shape too.
    frameworkErrors: (err, _req, reply) => {
      const { status, body } = toOpenAIError(new SelarError('invalid_request', err.message));
      void (reply as FastifyReply).code(status).type('application/json; charset=utf-8').send(body);
    },
  });
  app.server.headersTimeout = config.headersTimeoutMs;

  // TypeBox validates (no coercion, no defaults, no stripping: unknown fields are errors);
  // responses are plain JSON.stringify so nothing we build is dropped by a serializer.
  app.setValidatorCompiler(({ schema }) => {
    const v = validator(schema as TSchema);
    return (data: unknown) => {
      try {
        return { value: v.parse(data) };
      } catch (error) {
        return { error: error as Error };
      }
    };
  });
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  installStrictJson(app);

  const ctx = servingContext(config, engine, tokenizer);
  const lifecycle = new Lifecycle(engine);
  const metrics = new ServerMetrics(engine);
  app.decorate('lifecycle', lifecycle);
  app.decorate('metrics', metrics);

  await registerDocs(app);
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });
  installCors(app, config.corsOrigins);
  installDrainGate(app, lifecycle);
  installAuth(app, config.apiKeys);
  installErrorHandling(app, config.retryAfterS, metrics);
  registerHealthRoutes(app, lifecycle);
  registerMetricsRoute(app, metrics);
  registerModelRoutes(app, ctx);
  registerTokenizeRoutes(app, ctx);
  const deps = { ctx, lifecycle, metrics };
  registerChatRoute(app, deps);
  registerCompletionsRoute(app, deps);
  registerResponsesRoutes(app, deps);
  // The browser playground (static, same-origin; it calls the API above with the user's key).
  await app.register(playground);
  return app;
}
