// The one place that loads XGrammar (@mlc-ai/web-xgrammar, its WebAssembly build).
// The package is a UMD bundle inside an ES-module package: imported, it needs the
// CommonJS globals `require` and `__filename`, and where it registers itself depends on
// the loader (under tsx, in a worker thread, it lands nowhere reachable). So it is run
// here as the CommonJS module it also is, with those names passed in, and nothing global
// is touched. Its C++ errors abort the call and print the reason through the
// console.error it captured at start-up: we route that output here, so a failed compile
// becomes an error carrying XGrammar's own reason.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import type * as XG from '@mlc-ai/web-xgrammar';

export type XGrammar = typeof XG;
export type { CompiledGrammar, GrammarCompiler, GrammarMatcher, TokenizerInfo } from '@mlc-ai/web-xgrammar';

/**
 * XGrammar rejected a schema, regex or grammar; `reason` is its own message. `fatal`: the
 * WebAssembly instance itself faulted (a stack overflow on deep nesting reads "memory
 * access out of bounds", an abort "Aborted()") and is unusable from then on: every later
 * call fails the same way, so the instance that ran it must not be used again.
 */
export class GrammarError extends Error {
  constructor(
    readonly reason: string,
    readonly fatal = false,
  ) {
    super(reason);
    this.name = 'GrammarError';
  }
}

const FAULT_REASON =
  'XGrammar failed on it (its WebAssembly runtime faulted: typically a schema or grammar nested too deeply)';

let loading: Promise<XGrammar> | null = null;
/** While a call runs under captureReason, XGrammar's error output is collected here. */
let captured: string[] | null = null;

async function load(): Promise<XGrammar> {
  const file = createRequire(import.meta.url).resolve('@mlc-ai/web-xgrammar');
  // Its one dynamic import (of Node's 'module') becomes a require: a dynamic import in
  // code run by vm needs an experimental flag.
  const source = fs.readFileSync(file, 'utf8');
  const DYNAMIC = "await import('module')";
  if (source.split(DYNAMIC).length !== 2) throw new Error(`@mlc-ai/web-xgrammar: expected one ${DYNAMIC} in ${file}`);
  const body = source.replace(DYNAMIC, "require('module')");
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${body}\n})`;
  const options = { filename: file };
  const run = vm.runInThisContext(wrapped, options) as (...args: unknown[]) => void;
  const module = { exports: {} as Partial<XGrammar> };
  run.call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file));
  const xg = module.exports as XGrammar;
  if (!xg.Grammar) throw new Error('@mlc-ai/web-xgrammar did not export Grammar');
  const consoleError = console.error;
  // The module binds console.error when it first initialises (on the first call below).
  console.error = (...args: unknown[]) => {
    if (captured) captured.push(args.map(String).join(' '));
    else consoleError(...args);
  };
  try {
    (await xg.Grammar.builtinJSONGrammar()).dispose();
  } finally {
    console.error = consoleError;
  }
  return xg;
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
      // XGrammar's own rejections also end in a RuntimeError (an abort after its [FATAL]
      // line) and leave the instance usable; a fault without that line does not.
      if (err instanceof WebAssembly.RuntimeError && !lines.some((l) => l.includes('[FATAL]'))) {
        // A fresh instance for the next caller of loadXGrammar (load() runs the bundle anew);
        // holders of the faulted one (a grammar thread's cache) are told by `fatal`.
        loading = null;
        throw new GrammarError(FAULT_REASON, true);
      }
      throw new GrammarError(cleanReason(lines) || (err instanceof Error ? err.message : String(err)));
    } finally {
      captured = null;
    }
  };
  const result = queue.then(run, run);
  queue = result.catch(() => undefined);
  return result;
}
