// One worker's grammar compiler: XGrammar's tokenizer info built once from the model's
// tokenizer.json, and compiled grammars cached by their source (least recently used
// first out). A compiled grammar is shared by every sequence that uses it: each
// sequence gets its own matcher.
import { asStructuralTag, grammarKey, type GrammarSpec } from './spec.js';
import { compactStructuralTag } from './compact-tag.js';
import { JSON_OPTIONS } from './json-options.js';
import { grammarVocab } from './vocab.js';
import {
  captureReason,
  loadXGrammar,
  type CompiledGrammar,
  type GrammarCompiler,
  type GrammarMatcher,
  type TokenizerInfo,
  type XGrammar,
} from './xgrammar.js';

export class GrammarCache {
  private readonly compiled = new Map<string, CompiledGrammar>();
  private readonly pending = new Map<string, Promise<CompiledGrammar>>();

  private constructor(
    private readonly xg: XGrammar,
    private readonly info: TokenizerInfo,
    private readonly compiler: GrammarCompiler,
    private readonly capacity: number,
  ) {}

  /** `vocabSize` is the model's logit count. Stop tokens are given per matcher. */
  static async create(tokenizerJson: object, vocabSize: number, capacity = 64): Promise<GrammarCache> {
    const xg = await loadXGrammar();
    const v = grammarVocab(tokenizerJson, vocabSize);
    const info = await xg.TokenizerInfo.createTokenizerInfo(v.encoded, v.type, v.prependSpace, vocabSize);
    const compiler = await xg.GrammarCompiler.createGrammarCompiler(info, false);
    return new GrammarCache(xg, info, compiler, Math.max(2, capacity));
  }

  get vocabSize(): number {
    return this.info.getVocabSize();
  }

  get size(): number {
    return this.compiled.size;
  }

  /** Whether the grammar of this source is compiled (or compiling). */
  has(key: string): boolean {
    return this.compiled.has(key) || this.pending.has(key);
  }

  /** The compiled grammar for `spec`, from the cache or compiled now; throws GrammarError. */
  async get(spec: GrammarSpec): Promise<CompiledGrammar> {
    const key = grammarKey(spec);
    const hit = this.compiled.get(key);
    if (hit) {
      // Re-insert: a Map iterates in insertion order, so the first key is the least recently used.
      this.compiled.delete(key);
      this.compiled.set(key, hit);
      return hit;
    }
    let job = this.pending.get(key);
    if (!job) {
      job = captureReason(() => this.compile(spec)).finally(() => this.pending.delete(key));
      this.pending.set(key, job);
      const cg = await job;
      this.compiled.set(key, cg);
      this.evict();
      return cg;
    }
    return job;
  }

  /** Drops the compiled grammar of this source (a compile that ran over its time limit). */
  forget(key: string): void {
    this.compiled.get(key)?.dispose();
    this.compiled.delete(key);
  }

  /** A fresh matcher; `stopTokenIds` (the request's eos ids) end the finished grammar. */
  async matcher(spec: GrammarSpec, stopTokenIds: number[]): Promise<GrammarMatcher> {
    return this.xg.GrammarMatcher.createGrammarMatcher(await this.get(spec), stopTokenIds);
  }

  private compile(spec: GrammarSpec): Promise<CompiledGrammar> {
    switch (spec.type) {
      case 'json_object':
        return this.compileSchema('{"type": "object"}');
      case 'json_schema':
        return this.compileSchema(spec.schema);
      case 'ebnf':
        return this.compiler.compileGrammar(spec.grammar);
      default:
        return this.compileTag(asStructuralTag(spec)!);
    }
  }

  private async compileTag(tag: string): Promise<CompiledGrammar> {
    return this.compiler.compileStructuralTag(await compactStructuralTag(this.xg, tag));
  }

  private compileSchema(schema: string): Promise<CompiledGrammar> {
    const o = JSON_OPTIONS;
    return this.compiler.compileJSONSchema(schema, o.anyWhitespace, o.indent, o.separators, o.strict);
  }

  private evict(): void {
    // A matcher holds its own reference to the compiled grammar (XGrammar shares it), so
    // disposing the cache's handle never pulls it from under a running sequence. The
    // grammar a caller just got is the most recent, so with room for two it is never the
    // one evicted before matcher() turns it into a matcher.
    while (this.compiled.size > this.capacity) {
      const oldest = this.compiled.keys().next().value as string;
      this.compiled.get(oldest)!.dispose();
      this.compiled.delete(oldest);
    }
  }
}
