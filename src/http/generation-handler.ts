// The request lifecycle shared by /v1/chat/completions and /v1/completions: plan the
// request, wire cancellation (client disconnect, deadline, drain), run it as JSON or
// SSE, and record metrics and logs. The endpoint-specific parts are the plan function
// and the schemas in the route files.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { excerpt, SelarError } from '../errors.js';
import type { ServingContext } from '../serving/context.js';
import type { GenerationPlan } from '../serving/plan.js';
import { completionRunner, type Runner, type StreamRun } from '../serving/run-generation.js';
import { checkGrammar } from '../serving/structured-output.js';
import { toOpenAIError } from '../serving/openai-error.js';
import { sendError } from './errors.js';
import type { Lifecycle } from './lifecycle.js';
import type { ServerMetrics } from './metrics.js';
import { SseResponse } from './sse-response.js';

export interface GenerationDeps {
  ctx: ServingContext;
  lifecycle: Lifecycle;
  metrics: ServerMetrics;
}

/** The `user` field as logged: any length is accepted, a log line carries at most 128 characters of it. */
const logged = (user: string | null | undefined) => (user == null ? undefined : excerpt(user));

/** Abort reasons that mean nobody is listening any more, so nothing is sent. */
const goneReasons = new WeakSet<object>();
const clientGone = (signal: AbortSignal) => signal.aborted && goneReasons.has(signal.reason as object);

async function streamReply(
  req: FastifyRequest,
  reply: FastifyReply,
  run: StreamRun,
  signal: AbortSignal,
  deps: GenerationDeps,
): Promise<void> {
  const { ctx, metrics } = deps;
  const sse = new SseResponse(reply, ctx.config.pingIntervalMs);
  try {
    for await (const frames of run.frames) {
      sse.write(frames);
      const wait = sse.drained(signal);
      if (wait) await wait;
    }
  } catch (err) {
    if (!sse.started) {
      sse.stop();
      sendError(reply, err, ctx.config.retryAfterS, metrics);
      return;
    }
    if (!clientGone(signal)) {
      // Headers are out: the failure travels in-band, and the stream still ends with [DONE].
      const { body } = toOpenAIError(err);
      metrics.errors.inc({ code: body.error.code ?? 'unknown' });
      req.log.warn({ err, code: body.error.code }, 'generation failed mid-stream');
      sse.write(run.failure(err));
    }
  }
  sse.end();
}

export function generationHandler<B, P extends GenerationPlan = GenerationPlan>(
  endpoint: 'chat' | 'completions' | 'responses',
  planOf: (body: B, ctx: ServingContext) => P,
  deps: GenerationDeps,
  runner: Runner<P> = completionRunner as Runner<P>,
) {
  const { ctx, lifecycle, metrics } = deps;
  return async function handle(req: FastifyRequest<{ Body: B }>, reply: FastifyReply): Promise<unknown> {
    const startedAt = performance.now();
    const plan = planOf(req.body as B, ctx);
    if (plan.params.grammar) await checkGrammar(plan.params.grammar);
    const promptTokens = plan.prompts.reduce((s, p) => s + p.length, 0);
    req.log.info(
      {
        endpoint,
        id: plan.id,
        n: plan.params.n,
        stream: plan.params.stream,
        promptTokens,
        maxTokens: plan.sequences.map((s) => s.stop.maxTokens),
        user: logged((req.body as { user?: string | null }).user),
        ...(ctx.config.logPrompts ? { prompt: plan.promptText() } : {}),
      },
      'generation started',
    );

    const controller = new AbortController();
    const untrack = lifecycle.track(controller);
    const onClose = () => {
      if (reply.raw.writableEnded) return;
      const reason = new SelarError('cancelled', 'client disconnected');
      goneReasons.add(reason);
      controller.abort(reason);
    };
    reply.raw.on('close', onClose);
    const deadline =
      ctx.config.deadlineMs > 0
        ? setTimeout(
            () =>
              controller.abort(
                new SelarError(
                  'deadline_exceeded',
                  `The request exceeded the server's ${ctx.config.deadlineMs} ms deadline`,
                ),
              ),
            ctx.config.deadlineMs,
          )
        : null;
    const observer = metrics.observer(endpoint, startedAt, promptTokens);
    try {
      if (plan.params.stream) {
        await streamReply(req, reply, runner.stream(plan, ctx, controller.signal, observer), controller.signal, deps);
        return reply;
      }
      return reply
        .type('application/json; charset=utf-8')
        .send(await runner.json(plan, ctx, controller.signal, observer));
    } finally {
      if (deadline) clearTimeout(deadline);
      reply.raw.off('close', onClose);
      untrack();
      const seconds = (performance.now() - startedAt) / 1000;
      metrics.e2e.observe(seconds);
      // The response never finishes for a vanished client, so onResponse will not count it.
      if (clientGone(controller.signal))
        metrics.requests.inc({ route: req.routeOptions.url ?? 'unmatched', status: '499' });
      req.log.info(
        {
          id: plan.id,
          seconds,
          aborted: controller.signal.aborted ? String((controller.signal.reason as Error)?.message) : undefined,
          finish: observer.finishes.map((f) => f.reason),
          completionTokens: observer.finishes.reduce((s, f) => s + f.completionTokens, 0),
        },
        'generation ended',
      );
    }
  };
}
