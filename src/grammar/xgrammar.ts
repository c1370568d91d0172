// The one place that loads XGrammar (@mlc-ai/web-xgrammar, its WebAssembly build).
// The package is a UMD bundle inside an ES-module package: under Node it needs the
// CommonJS globals `require` and `__filename` while it loads, then registers itself on
// globalThis.xgrammar. Its C++ errors abort the call and print the reason through the
// console.error it captured at start-up: we route that output here, so a failed
// compile becomes an error carrying XGrammar's own reason.
import { createRequire } from 'node:module';
import type * as XG from '@mlc-ai/web-xgrammar';

export type XGrammar = typeof XG;
export type { CompiledGrammar, GrammarCompiler, GrammarMatcher, TokenizerInfo } from '@mlc-ai/web-xgrammar';

/** XGrammar rejected a schema, regex or grammar; `reason` is its own message. */
export class GrammarError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'GrammarError';
  }
}

let loading: Promise<XGrammar> | null = null;
/** While a call runs under captureReason, XGrammar's error output is collected here. */
let captured: string[] | null = null;

async function load(): Promise<XGrammar> {
  const g = globalThis as Record<string, unknown>;
  const file = createRequire(import.meta.url).resolve('@mlc-ai/web-xgrammar');
  const saved = { require: g.require, __filename: g.__filename, consoleError: console.error };
  g.require = createRequire(file);
  g.__filename = file;
  // The module binds console.error when it first initialises (on the first call below).
  console.error = (...args: unknown[]) => {
    if (captured) captured.push(args.map(String).join(' '));
    else saved.consoleError(...args);
  };
  try {
    await import(file);
    const xg = g.xgrammar as XGrammar | undefined;
    if (!xg?.Grammar) throw new Error('@mlc-ai/web-xgrammar did not register globalThis.xgrammar');
    (await xg.Grammar.builtinJSONGrammar()).dispose();
    return xg;
  } finally {
    g.require = saved.require;
    g.__filename = saved.__filename;
    console.error = saved.consoleError;
  }
}

export function loadXGrammar(): Promise<XGrammar> {
  loading ??= load();
  return loading;
}

/** "[FATAL] /path/json_schema_converter.cc:902: Unsupported type \"x\"" → "Unsupported type \"x\"". */
function cleanReason(lines: string[]): string {
  const fatal = lines.find((l) => l.includes('[FATAL]')) ?? lines.find((l) => !l.startsWith('Aborted')) ?? '';
  return fatal.replace(/^\[FATAL\]\s*\S+:\d+:\s*/, '').trim();
}

/** Captured calls run one at a time, so each error output reaches the call that caused it. */
let queue: Promise<unknown> = Promise.resolve();

/** Runs one XGrammar call; a failure becomes a GrammarError with XGrammar's reason. */
export function captureReason<T>(call: () => Promise<T>): Promise<T> {
  const run = async (): Promise<T> => {
    const lines: string[] = [];
    captured = lines;
    try {
      return await call();
    } catch (err) {
      throw new GrammarError(cleanReason(lines) || (err instanceof Error ? err.message : String(err)));
    } finally {
      captured = null;
    }
  };
  const result = queue.then(run, run);
  queue = result.catch(() => undefined);
  return result;
}
