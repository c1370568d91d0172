// The only place that listens and shuts down. Shutdown drains: /ready turns 503 and
// new requests are refused at once, in-flight generations get until the drain
// deadline (then they are aborted with an error), connections close, the engine stops.
import type { FastifyInstance } from 'fastify';
import type pino from 'pino';
import { buildApp, type AppOptions } from './app.js';

export interface RunningServer {
  app: FastifyInstance;
  /** http://host:port as bound (port 0 resolved). */
  url: string;
  shutdown(): Promise<void>;
}

export async function shutdown(app: FastifyInstance, opts: AppOptions): Promise<void> {
  const { lifecycle } = app;
  lifecycle.beginDrain();
  // Keep listening while draining: probes and new requests get an answer (503)
  // instead of a refused connection, so load balancers see the replica leave.
  await lifecycle.drain(opts.config.drainTimeoutMs);
  const closed = app.close();
  // Every response is finished; keep-alive sockets must not hold the process open.
  app.server.closeIdleConnections();
  const force = setTimeout(() => app.server.closeAllConnections(), 1000);
  await closed;
  clearTimeout(force);
  await opts.engine.close();
}

export async function startServer(opts: AppOptions): Promise<RunningServer> {
  const app = await buildApp(opts);
  const url = await app.listen({ host: opts.config.host, port: opts.config.port });
  let closing: Promise<void> | null = null;
  return { app, url, shutdown: () => (closing ??= shutdown(app, opts)) };
}

/** SIGTERM/SIGINT drain and exit; a second signal exits at once. */
export function installSignalHandlers(server: RunningServer, logger: pino.Logger): void {
  let received = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (received) {
      logger.warn({ signal }, 'second signal: exiting without draining');
      process.exit(1);
    }
    received = true;
    logger.info({ signal }, 'draining before exit');
    server.shutdown().then(
      () => {
        logger.info('shut down cleanly');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
