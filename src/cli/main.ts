#!/usr/bin/env node
// `selar` — one entry point for serving, one-off generation, model conversion and
// evaluation. Each subcommand lives in its own module and is loaded on demand.

const USAGE = `usage: selar <command> [options]

commands:
  serve      start the OpenAI-compatible server        (selar serve --help)
  generate   generate once through the engine          (selar generate --help)
  convert    derive the inputs_embeds decoder ahead of time (selar convert --help)
  eval       accuracy of decoding configurations       (selar eval --help)
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve': {
      const { runServe } = await import('./serve.js');
      await runServe(rest);
      return -1; // keeps running until a signal
    }
    case 'generate': {
      const { runGenerate } = await import('./generate.js');
      return runGenerate(rest);
    }
    case 'convert': {
      const { runConvert } = await import('./convert.js');
      return runConvert(rest);
    }
    case 'eval': {
      const { runEval } = await import('./eval.js');
      return runEval(rest);
    }
    case undefined:
    case '-h':
    case '--help':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`selar: unknown command "${command}"\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: Error) => {
    process.stderr.write(`selar: ${err.message}\n`);
    process.exitCode = 1;
  },
);
