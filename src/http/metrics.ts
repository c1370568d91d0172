// The server's Prometheus metrics, the per-request observer that feeds them, and
// GET /metrics. Every failure class (error code) has a counter.
import type { FastifyInstance } from 'fastify';
import type { Engine, FinishEvent, TokenEvent } from '../engine/types.js';
import type { GenerationObserver } from '../serving/run-generation.js';
import { Counter, Gauge, Histogram, Registry } from './prometheus.js';

const LATENCY = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const ITL = [0.001, 0.0025, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 1, 2.5];

export class ServerMetrics {
  readonly registry = new Registry();
  readonly requests = this.registry.add(new Counter('selar_requests_total', 'HTTP requests by route and status code'));
  readonly finishes = this.registry.add(
    new Counter('selar_request_finish_total', 'finished sequences (choices) by endpoint and finish reason'),
  );
  readonly errors = this.registry.add(new Counter('selar_errors_total', 'failed requests by error code'));
  readonly ttft = this.registry.add(
    new Histogram(
      'selar_time_to_first_token_seconds',
      'time from request arrival to the first generated token',
      LATENCY,
    ),
  );
  readonly itl = this.registry.add(
    new Histogram('selar_inter_token_latency_seconds', 'time between consecutive tokens of a sequence', ITL),
  );
  readonly e2e = this.registry.add(
    new Histogram('selar_e2e_request_latency_seconds', 'generation request latency, arrival to last byte', LATENCY),
  );
  readonly promptTokens = this.registry.add(new Counter('selar_prompt_tokens_total', 'prompt tokens processed'));
  readonly generationTokens = this.registry.add(new Counter('selar_generation_tokens_total', 'tokens generated'));
  readonly softTokens = this.registry.add(
    new Counter('selar_soft_tokens_total', 'generated tokens whose successor step was fed a soft embedding'),
  );

  constructor(engine: Engine) {
    this.registry.add(new Gauge('selar_queue_length', 'sequences waiting for a worker', () => engine.stats().queued));
    this.registry.add(new Gauge('selar_running_requests', 'sequences being decoded', () => engine.stats().running));
    this.registry.add(new Gauge('selar_queue_capacity', 'bounded queue size', () => engine.stats().queueCapacity));
    this.registry.add(
      new Gauge('selar_workers_ready', 'workers with the model loaded', () => engine.stats().readyWorkers),
    );
    this.registry.add(
      new Gauge(
        'selar_workers_failed',
        'workers lost for good (died, and the replacement could not load the model)',
        () => engine.stats().failedWorkers,
      ),
    );
  }

  /** Feeds token timing and counts of one generation request (all of its choices). */
  observer(
    endpoint: string,
    startedAt: number,
    promptTokens: number,
  ): GenerationObserver & { finishes: FinishEvent[] } {
    this.promptTokens.inc(undefined, promptTokens);
    const last = new Map<number, number>();
    let first = true;
    const finishes: FinishEvent[] = [];
    return {
      finishes,
      token: (index: number, ev: TokenEvent) => {
        const now = performance.now();
        if (first) this.ttft.observe((now - startedAt) / 1000);
        first = false;
        const prev = last.get(index);
        if (prev !== undefined) this.itl.observe((now - prev) / 1000);
        last.set(index, now);
        this.generationTokens.inc();
        if (ev.soft) this.softTokens.inc();
      },
      finish: (_index: number, ev: FinishEvent) => {
        finishes.push(ev);
        this.finishes.inc({ endpoint, reason: ev.reason });
      },
    };
  }
}

export function registerMetricsRoute(app: FastifyInstance, metrics: ServerMetrics): void {
  app.get(
    '/metrics',
    {
      schema: {
        tags: ['operations'],
        summary: 'Prometheus metrics (text exposition format 0.0.4)',
        response: { 200: { description: 'metrics', content: { 'text/plain': { schema: { type: 'string' } } } } },
      },
    },
    async (_req, reply) => {
      reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8');
      return metrics.registry.render();
    },
  );
  // Streams are hijacked and count themselves; everything else is counted here.
  app.addHook('onResponse', async (req, reply) => {
    metrics.requests.inc({ route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) });
  });
}
