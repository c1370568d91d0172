// V8's sampling profiler on the bench's own main thread (node:inspector), around runs
// of the HTTP and engine rows: what the server's main thread spends its time on. The HTTP clients run in a worker
// thread, so every sample here is
// server work: event routing, SSE framing, Node's HTTP stack and the socket writes.
import { Session } from 'node:inspector/promises';
import { summariseCpuProfile, type CpuProfile, type CpuProfileNode } from './cpu-profile.js';
import type { SystemId } from './plan.js';
import type { ResultRow } from './results.js';
import type { SequenceTiming } from './stats.js';

export interface MainThreadBreakdown {
  system: SystemId;
  concurrency: number;
  tokens: number;
  /**
   * Share of the main thread's busy (not idle) samples per category. Shares, not
   * times: sampling a thread this busy slows it, so absolute times come from the
   * unprofiled rows (event-loop utilisation × wall time per token).
   */
  categories: Array<{ category: string; share: number }>;
}

/** Native frames that are the write system calls of socket streams. */
const SOCKET_WRITES = new Set(['writev', 'writeUtf8String', 'writeBuffer', 'writeLatin1String', 'writeAsciiString']);

export const MAIN_THREAD_CATEGORIES = [
  'socket write syscalls',
  'SSE framing and responses (src/serving)',
  'HTTP routes (src/http, Fastify)',
  'Node HTTP and streams',
  'engine events (messages, pool, channels)',
  'garbage collection',
  'V8 and native, unattributed',
] as const;

export function categoriseMainThread(frame: CpuProfileNode['callFrame']): string {
  const { functionName: fn, url } = frame;
  if (fn === '(idle)') return 'idle';
  if (fn === '(garbage collector)') return 'garbage collection';
  if (fn === '(program)') return 'V8 and native, unattributed';
  if (SOCKET_WRITES.has(fn) && url === '') return 'socket write syscalls';
  if (url.includes('/src/serving/')) return 'SSE framing and responses (src/serving)';
  if (url.includes('/src/http/') || url.includes('/node_modules/fastify') || url.includes('/node_modules/@fastify'))
    return 'HTTP routes (src/http, Fastify)';
  if (
    url.includes('/src/engine/') ||
    fn === 'postMessage' ||
    fn === 'receiveMessageOnPort' ||
    url.includes('messageport')
  )
    return 'engine events (messages, pool, channels)';
  if (url.startsWith('node:')) return 'Node HTTP and streams';
  return 'other';
}

/** A bench row's main-thread busy time per generated token, µs (NaN without the row). */
export function mainThreadUsPerToken(row: ResultRow | undefined): number {
  return row ? (row.summary.mainThreadBusy * 1e6) / row.summary.aggregateTps : Number.NaN;
}

/** Profiles the main thread over `rounds` runs of one configuration. */
export async function profileMainThread(
  system: SystemId,
  concurrency: number,
  rounds: number,
  run: () => Promise<SequenceTiming[]>,
): Promise<MainThreadBreakdown> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 250 });
    await session.post('Profiler.start');
    let tokens = 0;
    for (let r = 0; r < rounds; r++) tokens += (await run()).reduce((n, s) => n + s.tokens, 0);
    const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
    const totals = summariseCpuProfile(profile, profile.startTime, Number.POSITIVE_INFINITY, categoriseMainThread);
    totals.delete('idle');
    const busy = [...totals.values()].reduce((a, b) => a + b, 0);
    const categories = [...totals.entries()]
      .map(([category, us]) => ({ category, share: busy ? us / busy : 0 }))
      .sort((a, b) => b.share - a.share);
    return { system, concurrency, tokens, categories };
  } finally {
    session.disconnect();
  }
}
