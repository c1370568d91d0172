// Readiness and draining. /health answers while the process is up; /ready only when
// the engine has loaded and we are not draining. While draining, new API requests
// are refused with 503 and in-flight generations may finish until the drain
// deadline, after which they are aborted.
import type { FastifyInstance } from 'fastify';
import { SelarError } from '../errors.js';
import type { Engine } from '../engine/types.js';
import { HealthStatus } from '../protocol/models.js';

export type EngineState = 'loading' | 'ready' | 'failed';

export class Lifecycle {
  engineState: EngineState = 'loading';
  draining = false;
  private readonly active = new Set<AbortController>();
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly engine: Engine) {
    engine.ready().then(
      () => {
        this.engineState = 'ready';
      },
      () => {
        this.engineState = 'failed';
      },
    );
  }

  get ready(): boolean {
    return this.engineState === 'ready' && !this.draining && this.fullCapacity;
  }

  /** Every worker has the model loaded: false while a dead worker's replacement loads (or if it failed to). */
  get fullCapacity(): boolean {
    const { readyWorkers, workers } = this.engine.stats();
    return !(readyWorkers < workers);
  }

  /**
   * Why /ready is 503: draining, the first load still running or failed, or lost workers (loading while a replacement
   * loads, failed once it could not).
   */
  notReadyReason(): 'loading' | 'draining' | 'failed' {
    if (this.draining) return 'draining';
    if (this.engineState !== 'ready') return this.engineState;
    return this.engine.stats().failedWorkers > 0 ? 'failed' : 'loading';
  }

  get inFlight(): number {
    return this.active.size;
  }

  /** Registers a generation; the returned function unregisters it. */
  track(controller: AbortController): () => void {
    this.active.add(controller);
    return () => {
      this.active.delete(controller);
      if (this.active.size === 0) for (const w of this.idleWaiters.splice(0)) w();
    };
  }

  beginDrain(): void {
    this.draining = true;
  }

  /** Resolves when no generation is running, aborting the stragglers after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<void> {
    this.draining = true;
    if (this.active.size === 0) return;
    const idle = new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    const timer = setTimeout(() => {
      for (const c of this.active) c.abort(new SelarError('shutting_down', 'The server is shutting down'));
    }, timeoutMs);
    await idle;
    clearTimeout(timer);
  }
}

const OPEN_WHILE_DRAINING = new Set(['/health', '/ready', '/metrics']);

/** Refuses API requests with 503 while draining (health, readiness and metrics stay open). */
export function installDrainGate(app: FastifyInstance, lifecycle: Lifecycle): void {
  app.addHook('onRequest', async (req) => {
    if (lifecycle.draining && !OPEN_WHILE_DRAINING.has(req.url.split('?')[0])) {
      throw new SelarError('shutting_down', 'The server is shutting down; retry on another instance');
    }
  });
}

export function registerHealthRoutes(app: FastifyInstance, lifecycle: Lifecycle): void {
  const schema = (summary: string) => ({
    tags: ['operations'],
    summary,
    response: { 200: HealthStatus, 503: HealthStatus },
  });
  app.get('/health', { schema: schema('liveness: 200 while the process is up') }, async () => ({
    status: 'ok' as const,
  }));
  app.get(
    '/ready',
    { schema: schema('readiness: 200 once the model is loaded and the server is not draining') },
    async (_req, reply) => {
      if (lifecycle.ready) return { status: 'ready' as const };
      reply.code(503);
      return { status: lifecycle.notReadyReason() };
    },
  );
}
