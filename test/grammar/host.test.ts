// The grammar thread: a repeated grammar is compiled once (the cache), masks and the
// end of a grammar through the thread, and a compile over the time limit: its request
// fails, the thread is replaced, and a matcher that was running goes on where it was; the
// same after a grammar that faults XGrammar's WebAssembly instance, on the thread and on the
// HTTP thread's check.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { GrammarCache } from '../../src/grammar/compiler.js';
import { GrammarHost, GrammarTimeoutError } from '../../src/grammar/host.js';
import type { GrammarSpec } from '../../src/grammar/spec.js';
import { GrammarError } from '../../src/grammar/xgrammar.js';
import { TextTokenizer } from '../../src/model/tokenizer.js';
import { writeTokenizer } from '../../src/modelgen/tokenizer.js';
import { checkGrammar, type GrammarRequest } from '../../src/serving/structured-output.js';
import { SelarError } from '../../src/errors.js';
import { SLOW_SPEC as SLOW } from '../support/slow-grammar.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grammar-host-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
const tok = writeTokenizer(dir);
const tokenizerJson = JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8')) as object;
const tokenizer = TextTokenizer.load(dir);
const EOS = tok.eosTokenId;
const VOCAB = tok.size + 3;

/** An enum that compiles in a fraction of a second (still well over a 1 ms limit). */
const MEDIUM: GrammarSpec = {
  type: 'json_schema',
  schema: JSON.stringify({
    type: 'object',
    properties: { a: { enum: Array.from({ length: 500 }, (_, i) => `v${i}`) } },
  }),
};
const PAIR: GrammarSpec = { type: 'regex', pattern: '(ab|cd)[0-9]{3}' };

function allowedIds(mask: Int32Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < VOCAB; i++) if (mask[i >> 5] & (1 << (i & 31))) out.push(i);
  return out;
}

/** The masks an independent matcher (on this thread) gives along `ids`. */
async function referenceMasks(spec: GrammarSpec, ids: number[]): Promise<number[][]> {
  const cache = await GrammarCache.create(tokenizerJson, VOCAB);
  const m = await cache.matcher(spec, [EOS]);
  const out = [allowedIds(await m.getNextTokenBitmask())];
  for (const id of ids) {
    t.ok(m.acceptToken(id));
    out.push(allowedIds(await m.getNextTokenBitmask()));
  }
  m.dispose();
  return out;
}

t.test('a grammar is compiled once; masks and the end come through the thread', async (t) => {
  const host = await GrammarHost.create({ tokenizerJson, vocabSize: VOCAB }, 0);
  t.teardown(() => host.terminate());
  const ids = tokenizer.encode('cd042', false);
  const expected = await referenceMasks(PAIR, ids);
  const a = await host.open(PAIR, [EOS], null);
  const b = await host.open(PAIR, [EOS], null);
  t.equal(host.compiles, 1, 'the second request of the same source hits the cache');
  for (const [i, id] of ids.entries()) {
    t.same(allowedIds(await a.allowed()), expected[i], `mask ${i}`);
    a.accept(id);
  }
  t.same(allowedIds(await a.allowed()), [EOS], 'complete: only the stop token');
  a.accept(EOS);
  t.ok(a.terminated);
  t.same(allowedIds(await b.allowed()), expected[0], 'the other matcher is untouched');
  a.dispose();
  b.dispose();
  const c = await host.open({ type: 'regex', pattern: 'x+' }, [EOS], null);
  t.equal(host.compiles, 2, 'a new source compiles');
  c.dispose();
});

t.test('a compile over the limit fails alone; a new thread takes over the running matchers', async (t) => {
  const host = await GrammarHost.create({ tokenizerJson, vocabSize: VOCAB }, 0);
  t.teardown(() => host.terminate());
  const ids = tokenizer.encode('ab123', false);
  const expected = await referenceMasks(PAIR, ids);
  const running = await host.open(PAIR, [EOS], null);
  running.accept(ids[0]);
  t.same(allowedIds(await running.allowed()), expected[1]);
  running.accept(ids[1]);
  host.limitMs = 150;
  const started = performance.now();
  await t.rejects(host.open(SLOW, [EOS], null), GrammarTimeoutError, 'the slow grammar times out');
  t.ok(performance.now() - started < 1500, 'failed at the limit, not at the end of the compile');
  t.equal(host.restarts, 1, 'the thread was replaced');
  // The accept sent before the replacement is answered by the new thread, whose matcher replayed ids[0].
  for (let i = 2; i < ids.length; i++) {
    t.same(allowedIds(await running.allowed()), expected[i], `mask ${i} after the replacement`);
    running.accept(ids[i]);
  }
  t.same(allowedIds(await running.allowed()), expected[ids.length]);
  host.limitMs = 0;
  const fresh = await host.open(PAIR, [EOS], null);
  t.same(allowedIds(await fresh.allowed()), expected[0], 'the new thread compiles again');
  fresh.dispose();
  running.dispose();
});

t.test('a compile over the limit is refused even when the worker only sees it after it finished', async (t) => {
  const host = await GrammarHost.create({ tokenizerJson, vocabSize: VOCAB }, 0);
  t.teardown(() => host.terminate());
  host.limitMs = 1;
  const opening = host.open(MEDIUM, [EOS], null);
  await new Promise((resolve) => setImmediate(resolve)); // the request is posted
  // Block this thread (the decode worker's role) past the end of the compile, so its timer
  // cannot fire first: 'compiling' and the answer arrive together, as on a starved worker.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3000);
  await t.rejects(opening, GrammarTimeoutError, 'judged on the duration of the compile itself');
  host.limitMs = 0;
  const compiles = host.compiles;
  const again = await host.open(MEDIUM, [EOS], null);
  t.equal(host.compiles, compiles + 1, 'the refused grammar was not cached');
  again.dispose();
});

/** A schema nested this deep overflows XGrammar's WebAssembly stack ("memory access out of bounds"). */
function deepSchema(depth: number, leaf: object = { type: 'integer' }): string {
  let s: object = leaf;
  for (let i = 0; i < depth; i++) s = { type: 'object', properties: { a: s }, required: ['a'] };
  return JSON.stringify(s);
}

t.test('a grammar that faults the WebAssembly instance fails alone; a new thread takes over', async (t) => {
  const host = await GrammarHost.create({ tokenizerJson, vocabSize: VOCAB }, 0);
  t.teardown(() => host.terminate());
  const ids = tokenizer.encode('ab123', false);
  const expected = await referenceMasks(PAIR, ids);
  const running = await host.open(PAIR, [EOS], null);
  running.accept(ids[0]);
  t.same(allowedIds(await running.allowed()), expected[1]);
  const deep: GrammarSpec = { type: 'json_schema', schema: deepSchema(100) };
  const err = await host.open(deep, [EOS], null).then(
    () => null,
    (e: unknown) => e,
  );
  t.ok(err instanceof GrammarError && /faulted/.test(err.reason), 'the request fails with the reason');
  // The faulted instance would fail every later call: the thread is replaced, matchers rebuilt.
  for (let i = 1; i < ids.length; i++) {
    running.accept(ids[i]);
    t.same(allowedIds(await running.allowed()), expected[i + 1], `mask ${i + 1} after the fault`);
  }
  t.equal(host.restarts, 1, 'the thread was replaced');
  const fresh = await host.open({ type: 'json_schema', schema: deepSchema(3) }, [EOS], null);
  t.ok(allowedIds(await fresh.allowed()).length > 0, 'the new thread compiles grammars again');
  fresh.dispose();
  running.dispose();
});

t.test('the HTTP thread check: a faulting schema is a 400, and later checks still work', async (t) => {
  const request = (schema: string): GrammarRequest => ({
    spec: { type: 'json_schema', schema },
    param: 'response_format.json_schema.schema',
  });
  for (const depth of [60, 100]) {
    const err = await checkGrammar(request(deepSchema(depth))).then(
      () => null,
      (e: unknown) => e,
    );
    t.ok(err instanceof SelarError, `depth ${depth}: a SelarError`);
    const e = err as SelarError;
    t.equal(e.param, 'response_format.json_schema.schema');
    t.match(e.message, /faulted/);
  }
  // Without the reload every later parse failed with the same fault.
  await t.resolves(checkGrammar(request(deepSchema(5, { type: 'string', maxLength: 7 }))), 'a sound schema passes');
  await t.rejects(
    checkGrammar(request(JSON.stringify({ type: 'nonsense' }))),
    SelarError,
    'and an invalid one still gets its own reason',
  );
});
