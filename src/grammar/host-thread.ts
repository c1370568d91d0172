// The grammar thread of one decode worker: all of its XGrammar state (tokenizer info,
// compiled grammars, matchers) lives here, so a long compile blocks this thread, never
// the decode loop. XGrammar's WebAssembly build cannot move a compiled grammar between
// threads, so the matchers live beside the grammars they use.
import { parentPort, workerData } from 'node:worker_threads';
import { GrammarCache } from './compiler.js';
import type { FromHost, HostInit, ToHost } from './host-protocol.js';
import { grammarKey } from './spec.js';
import { GrammarError, type GrammarMatcher } from './xgrammar.js';

const init = workerData as HostInit;
const port = parentPort!;
const send = (msg: FromHost, transfer: ArrayBuffer[] = []): void => port.postMessage(msg, transfer);
const matchers = new Map<number, GrammarMatcher>();

async function nextMask(m: GrammarMatcher): Promise<Int32Array> {
  return m.getNextTokenBitmask();
}

async function handle(cache: GrammarCache, msg: ToHost): Promise<void> {
  if (msg.op === 'close') {
    matchers.get(msg.matcher)?.dispose();
    matchers.delete(msg.matcher);
    return;
  }
  if (msg.op === 'accept') {
    const m = matchers.get(msg.matcher);
    const ok = m?.acceptToken(msg.token) ?? false;
    const mask = ok && msg.mask ? await nextMask(m!) : null;
    send({ type: 'done', seq: msg.seq, ok, mask }, mask ? [mask.buffer as ArrayBuffer] : []);
    return;
  }
  try {
    const key = grammarKey(msg.spec);
    const compiling = !cache.has(key);
    if (compiling) send({ type: 'compiling', seq: msg.seq });
    const start = performance.now();
    const m = await cache.matcher(msg.spec, msg.stopIds);
    // The host's timer ends a compile that never finishes, but it runs on the decode worker's
    // clock: a busy worker can see 'compiling' and 'done' together. The limit is judged here too,
    // on the compile's own duration, so over the limit is refused however the threads were scheduled.
    if (compiling && msg.limitMs > 0 && performance.now() - start > msg.limitMs) {
      m.dispose();
      cache.forget(key);
      send({ type: 'done', seq: msg.seq, ok: false, mask: null, timedOut: true });
      return;
    }
    for (const token of msg.tokens) m.acceptToken(token);
    matchers.set(msg.matcher, m);
    const mask = await nextMask(m);
    send({ type: 'done', seq: msg.seq, ok: true, mask }, [mask.buffer as ArrayBuffer]);
  } catch (err) {
    const error = err instanceof GrammarError ? err.reason : (err as Error).message;
    send({ type: 'done', seq: msg.seq, ok: false, mask: null, error });
    // A faulted WebAssembly instance fails every later call: end this thread, and the host
    // starts a replacement that rebuilds the running matchers (src/grammar/host.ts).
    if (err instanceof GrammarError && err.fatal) process.exit(1);
  }
}

// Messages are handled one at a time, in order: a matcher's accepts follow its open.
let chain: Promise<void> = Promise.resolve();
GrammarCache.create(init.tokenizerJson, init.vocabSize, init.cacheSize).then((cache) => {
  port.on('message', (msg: ToHost) => {
    chain = chain.then(() => handle(cache, msg));
  });
  send({ type: 'ready' });
});
