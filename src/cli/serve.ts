// `selar serve`: configuration → engine → HTTP server → signal handlers.
import pino from 'pino';
import { configTable, engineOptions, loadConfig } from '../config.js';
import { ConfigError } from '../errors.js';
import { createEngine } from '../engine/create-engine.js';
import { installSignalHandlers, startServer } from '../server.js';

const USAGE = `usage: selar serve [--model DIR] [--host H] [--port N] [--workers N] [options]

Every option can also be set with its environment variable; flags win.

`;

export async function runServe(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}${configTable()}\n`);
    return;
  }
  let config;
  try {
    config = loadConfig(argv);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`selar serve: ${err.message}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const logger = pino({ level: config.logLevel });
  logger.info(
    {
      model: config.model,
      device: config.device,
      dtype: config.dtype,
      quantize: config.quantize,
      workers: config.workers,
    },
    'loading model',
  );
  const { engine, tokenizer } = await createEngine({ ...engineOptions(config), logger, awaitReady: false });
  const server = await startServer({ config, engine, tokenizer, logger });
  installSignalHandlers(server, logger);
  logger.info({ url: server.url, model: engine.model.id }, 'listening');
  engine.ready().then(
    () => logger.info('ready'),
    (err: unknown) => {
      logger.fatal({ err }, 'model failed to load');
      void server.shutdown().finally(() => process.exit(1));
    },
  );
}
