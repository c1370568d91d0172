// Runs a memory child process (with --expose-gc) and reads its checkpoints.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface MemorySample {
  requests: number;
  heapUsed: number;
  arrayBuffers: number;
  rss: number;
}
export interface MemoryRun {
  samples: MemorySample[];
  running: number;
  generated: number;
}

export const mb = (b: number) => (b / 2 ** 20).toFixed(2);

export async function measureIn(childFile: string, args: string[], timeout: number): Promise<MemoryRun> {
  const child = path.join(import.meta.dirname, childFile);
  const { stdout } = await run(process.execPath, ['--expose-gc', '--import', 'tsx', child, ...args], {
    timeout,
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as MemoryRun;
}

/** Growth of one figure from the checkpoint after `warm` requests to the last one. */
export function growth(samples: MemorySample[], warm: number, key: keyof Omit<MemorySample, 'requests'>): number {
  return samples.at(-1)![key] - samples.find((s) => s.requests === warm)![key];
}
