// `selar eval`: flags → evaluate(); usage errors exit 2, failed runs exit 1.
import { ApiError } from '../eval/client.js';
import { DatasetError } from '../eval/dataset.js';
import { evaluate, type EvalIo } from '../eval/evaluate.js';
import { parseEvalArgs, USAGE, UsageError } from '../eval/options.js';
import { ConfigError, SelarError } from '../errors.js';

const defaultIo: EvalIo = { out: (s) => process.stdout.write(s), progress: process.stderr };

export async function runEval(argv: string[], io: EvalIo = defaultIo): Promise<number> {
  let options;
  try {
    options = parseEvalArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.progress.write(`selar eval: ${err.message}\n(selar eval --help for the options)\n`);
    return 2;
  }
  if (options === null) {
    io.out(USAGE);
    return 0;
  }
  try {
    await evaluate(options, io);
    return 0;
  } catch (err) {
    const known = [ApiError, ConfigError, DatasetError, SelarError];
    if (!known.some((k) => err instanceof k)) throw err;
    io.progress.write(`selar eval: ${(err as Error).message}\n`);
    return 1;
  }
}
