#!/usr/bin/env node
// Generates a random-weight model folder, e.g. for benchmarks that need a
// model of a given size without downloading one:
//   node dist/modelgen/cli.js llama --out /tmp/bench-model --hidden 1024 --layers 16 --external-data
import { writeEchoModel } from './echo.js';
import { writeLlamaModel } from './llama.js';
import { parseModelgenArgs } from './cli-args.js';

async function main(): Promise<void> {
  let command;
  try {
    command = parseModelgenArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  const started = Date.now();
  const result =
    command.kind === 'llama'
      ? await writeLlamaModel(command.out, command.options)
      : await writeEchoModel(command.out, command.options);
  process.stdout.write(
    JSON.stringify(
      {
        dir: result.dir,
        modelPath: result.modelPath,
        dataPath: result.dataPath,
        config: result.config,
        seconds: (Date.now() - started) / 1000,
      },
      null,
      2,
    ) + '\n',
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
