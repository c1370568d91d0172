// A decode worker's side of its grammar thread (host-thread.ts): compiles run there,
// so the decode loop keeps stepping other sequences meanwhile, and each matcher's next
// mask is computed there while the forward pass runs. A compile gets a time limit: a
// WebAssembly call cannot be interrupted, so one that runs over ends the thread. A new
// thread then takes over, rebuilding the matchers of running sequences from their
// grammars and the tokens they accepted (compiled grammars are cached by source on the
// thread; the replacement starts with an empty cache).
import { Worker } from 'node:worker_threads';
import { GrammarConstraint, type MatcherHost } from './constraint.js';
import type { FromHost, HostInit, ToHost } from './host-protocol.js';
import type { GrammarSpec } from './spec.js';
import { GrammarError } from './xgrammar.js';

/** A grammar's compile ran past the time limit. */
export class GrammarTimeoutError extends Error {
  constructor(readonly limitMs: number) {
    super(`compiling the grammar exceeded the time limit of ${limitMs} ms`);
    this.name = 'GrammarTimeoutError';
  }
}

type Done = Extract<FromHost, { type: 'done' }>;
type Request = Extract<ToHost, { seq: number }>;

interface Pending {
  msg: Request;
  resolve(done: Done): void;
  reject(err: Error): void;
  timer?: NodeJS.Timeout;
  /** Posted to the current thread. */
  sent: boolean;
}

interface Live {
  spec: GrammarSpec;
  stopIds: number[];
  /** The tokens the thread has confirmed, replayed into a replacement's matcher. */
  tokens: number[];
}

// Built code runs dist/grammar/host-thread.js; tests run the sources (see engine/pool.ts).
const fromSource = import.meta.url.endsWith('.ts');
const threadUrl = new URL(fromSource ? './host-thread.ts' : './host-thread.js', import.meta.url);

function startThread(init: HostInit): Worker {
  if (!fromSource) return new Worker(threadUrl, { workerData: init });
  const bootstrap =
    "import('tsx/esm/api').then((m) => { m.register(); " + `return import(${JSON.stringify(threadUrl.href)}); })`;
  return new Worker(bootstrap, { eval: true, workerData: init });
}

export class GrammarHost implements MatcherHost {
  private thread!: Worker;
  /** The first thread's start-up (XGrammar's tokenizer info). */
  private ready: Promise<void> = Promise.resolve();
  private seq = 0;
  private nextMatcher = 0;
  /** A replacement thread is starting: requests wait, so they follow the rebuilt matchers. */
  private restarting = false;
  private readonly pending = new Map<number, Pending>();
  private readonly live = new Map<number, Live>();
  /** Matchers lost with a thread that could not rebuild them: why. */
  private readonly lost = new Map<number, string>();
  /** Threads replaced after a compile ran over the limit (or the thread died). */
  restarts = 0;
  /** Compiles that missed the cache. */
  compiles = 0;

  private constructor(
    private readonly init: HostInit,
    /** The compile time limit (ms); 0: none. Applies to compiles that start after a change. */
    public limitMs: number,
  ) {}

  /** Starts the thread; requests wait until it is ready, so a worker need not wait for it to serve others. */
  static launch(init: HostInit, limitMs: number): GrammarHost {
    const host = new GrammarHost(init, limitMs);
    host.ready = host.start();
    host.ready.catch(() => undefined);
    return host;
  }

  static async create(init: HostInit, limitMs: number): Promise<GrammarHost> {
    const host = GrammarHost.launch(init, limitMs);
    await host.ready;
    return host;
  }

  get vocabSize(): number {
    return this.init.vocabSize;
  }

  /** A constraint for `spec` (compiled now or taken from the cache); throws GrammarError or GrammarTimeoutError. */
  async open(spec: GrammarSpec, stopIds: number[], thinkOpen: number | null): Promise<GrammarConstraint> {
    await this.ready;
    const matcher = this.nextMatcher++;
    const done = await this.request({ op: 'open', seq: 0, matcher, spec, stopIds, tokens: [], limitMs: this.limitMs });
    if (done.timedOut) throw new GrammarTimeoutError(this.limitMs);
    if (!done.ok) throw new GrammarError(done.error ?? 'the grammar could not be compiled');
    this.live.set(matcher, { spec, stopIds, tokens: [] });
    return new GrammarConstraint(this, matcher, done.mask!, stopIds, thinkOpen);
  }

  /** Accepts `token` on the thread; resolves with whether it was accepted and, if asked, the next mask. */
  async accept(matcher: number, token: number, mask: boolean): Promise<{ ok: boolean; mask: Int32Array | null }> {
    const why = this.lost.get(matcher);
    if (why) throw new Error(why);
    const done = await this.request({ op: 'accept', seq: 0, matcher, token, mask });
    if (done.ok) this.live.get(matcher)?.tokens.push(token);
    return done;
  }

  close(matcher: number): void {
    this.lost.delete(matcher);
    if (this.live.delete(matcher)) this.thread.postMessage({ op: 'close', matcher } satisfies ToHost);
  }

  async terminate(): Promise<void> {
    for (const p of this.pending.values()) p.reject(new Error('the grammar thread was stopped'));
    this.pending.clear();
    this.thread.removeAllListeners();
    await this.thread.terminate();
  }

  private request(msg: Request, now = false): Promise<Done> {
    msg.seq = this.seq++;
    return new Promise<Done>((resolve, reject) => {
      const p: Pending = { msg, resolve, reject, sent: false };
      this.pending.set(msg.seq, p);
      if (now || !this.restarting) this.post(p);
    });
  }

  private post(p: Pending): void {
    p.sent = true;
    this.thread.ref();
    this.thread.postMessage(p.msg);
  }

  private start(): Promise<void> {
    const thread = startThread(this.init);
    this.thread = thread;
    thread.unref();
    return new Promise<void>((resolve, reject) => {
      thread.on('message', (msg: FromHost) => {
        if (msg.type === 'ready') {
          // An idle grammar thread never keeps the process alive (unref before 'online' does not hold).
          if (this.pending.size === 0) thread.unref();
          resolve();
        } else this.onMessage(msg);
      });
      thread.on('error', (err) => reject(err));
      thread.on('exit', (code) => {
        reject(new Error(`the grammar thread exited with code ${code}`));
        // Died on its own (not replaced after a timeout): start another.
        if (this.thread === thread) void this.restart();
      });
    });
  }

  private onMessage(msg: Exclude<FromHost, { type: 'ready' }>): void {
    const p = this.pending.get(msg.seq);
    if (!p) return;
    if (msg.type === 'compiling') {
      this.compiles++;
      if (this.limitMs > 0) p.timer = setTimeout(() => this.timedOut(msg.seq), this.limitMs);
      return;
    }
    clearTimeout(p.timer);
    this.pending.delete(msg.seq);
    if (this.pending.size === 0) this.thread.unref();
    p.resolve(msg);
  }

  private timedOut(seq: number): void {
    const p = this.pending.get(seq);
    if (!p) return;
    this.pending.delete(seq);
    p.reject(new GrammarTimeoutError(this.limitMs));
    void this.restart();
  }

  /** Replaces the thread: running matchers are rebuilt, then unanswered requests are sent again. */
  private async restart(): Promise<void> {
    this.restarts++;
    this.restarting = true;
    const old = this.thread;
    old.removeAllListeners();
    void old.terminate();
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.sent = false;
    }
    try {
      await this.start();
    } catch (err) {
      for (const p of this.pending.values()) p.reject(err as Error);
      this.pending.clear();
      for (const m of this.live.keys()) this.lost.set(m, (err as Error).message);
      this.live.clear();
      return;
    } finally {
      this.restarting = false;
    }
    const waiting = [...this.pending.values()];
    for (const [matcher, l] of this.live) {
      // limitMs 0: a grammar that compiled once is not refused for a slow second compile (the timer still applies).
      const { spec, stopIds } = l;
      const rebuild: Request = { op: 'open', seq: 0, matcher, spec, stopIds, tokens: [...l.tokens], limitMs: 0 };
      this.request(rebuild, true).then(
        (done) => {
          if (!done.ok) this.drop(matcher, done.error ?? 'the grammar could not be rebuilt');
        },
        (err: Error) => this.drop(matcher, err.message),
      );
    }
    for (const p of waiting) if (!p.sent) this.post(p);
  }

  private drop(matcher: number, why: string): void {
    if (this.live.delete(matcher)) this.lost.set(matcher, `the grammar thread was replaced and ${why}`);
  }
}
