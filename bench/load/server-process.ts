// Starts `selar serve` as a real child process on loopback and waits for its
// "listening" log line. Runs the TypeScript sources through tsx so the server under
// test is always the checked-out code, never a stale dist/ build.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const MAIN = path.join(ROOT, 'src/cli/main.ts');

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  /** Everything the process wrote so far (stdout + stderr). */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

/** Spawns `selar serve ARGS`; `exited` resolves when the process ends (code, output). */
export function spawnServe(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--host', '127.0.0.1', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal, output: out }));
  });
  return { child, exited, output: () => out };
}

/**
 * Starts a server (its log level must include info: the "listening" line is the signal) and resolves once it listens;
 * rejects (and kills it) if it exits or takes longer than `timeoutMs`.
 */
export async function startServer(
  args: string[],
  opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<ServerProcess> {
  const { child, exited, output } = spawnServe(['--port', '0', ...args], opts.env);
  const stop = async (graceMs = 5000): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const { code } = await exited;
    clearTimeout(timer);
    return code;
  };
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => fail(new Error(`server did not listen within ${opts.timeoutMs ?? 60_000} ms:\n${output().slice(-2000)}`)),
      opts.timeoutMs ?? 60_000,
    );
    const fail = (err: Error) => {
      clearTimeout(timer);
      void stop(0);
      reject(err);
    };
    const onData = () => {
      const m = /"url":"(http:\/\/[^"]+)"[^\n]*"msg":"listening"/.exec(output());
      if (!m) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      resolve(m[1]);
    };
    child.stdout!.on('data', onData);
    void exited.then(({ code, signal }) =>
      fail(new Error(`server exited (${code ?? signal}) before listening:\n${output().slice(-2000)}`)),
    );
  });
  return { child, url, output, stop };
}
