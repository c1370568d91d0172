// Facts about the machine and its load, recorded with every result: on a shared
// 2-core box the same code measures differently depending on who else is running.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface LoadSnapshot {
  at: string;
  loadAverage: [number, number, number];
  /** The busiest other processes (ps), to say who was competing for the cores. */
  busiest: string[];
}

export interface MachineFacts {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  onnxruntimeNode: string;
  transformersJs: string;
  /** The onnxruntime-node that @huggingface/transformers itself resolves (it pins its own). */
  transformersOnnxruntimeNode: string;
}

const require = createRequire(import.meta.url);

function packageVersion(name: string, from = import.meta.url): string {
  try {
    const req = createRequire(from);
    // Some packages do not export package.json: walk up from the resolved entry point.
    let dir = path.dirname(req.resolve(name));
    while (dir !== path.dirname(dir)) {
      const file = path.join(dir, 'package.json');
      if (fs.existsSync(file)) {
        const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === name) return pkg.version ?? 'unknown';
      }
      dir = path.dirname(dir);
    }
  } catch {
    // not installed
  }
  return 'not installed';
}

export function machineFacts(): MachineFacts {
  let transformersOrt = 'not installed';
  try {
    const entry = require.resolve('@huggingface/transformers');
    transformersOrt = packageVersion('onnxruntime-node', new URL(`file://${entry}`).href);
  } catch {
    // transformers.js missing: its rows are skipped
  }
  return {
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    onnxruntimeNode: packageVersion('onnxruntime-node'),
    transformersJs: packageVersion('@huggingface/transformers'),
    transformersOnnxruntimeNode: transformersOrt,
  };
}

export interface SourceState {
  commit: string;
  /** Uncommitted changes under src/ at the start of the run (git status --short). */
  dirtySrc: string[];
}

export function sourceState(): SourceState {
  const git = (args: string[]) =>
    execFileSync('git', args, { encoding: 'utf8', cwd: path.resolve(import.meta.dirname, '..') }).trim();
  try {
    const status = git(['status', '--short', '--', 'src']);
    return { commit: git(['rev-parse', '--short', 'HEAD']), dirtySrc: status ? status.split('\n') : [] };
  } catch {
    return { commit: 'unknown', dirtySrc: [] };
  }
}

export function loadSnapshot(): LoadSnapshot {
  let busiest: string[] = [];
  try {
    const out = execFileSync('ps', ['-eo', 'pcpu,comm', '--sort=-pcpu', '--no-headers'], { encoding: 'utf8' });
    busiest = out
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '')
      .slice(0, 5);
  } catch {
    // ps unavailable: the load average still says enough
  }
  const [a, b, c] = os.loadavg();
  const round = (x: number) => Math.round(x * 100) / 100;
  return { at: new Date().toISOString(), loadAverage: [round(a), round(b), round(c)], busiest };
}
