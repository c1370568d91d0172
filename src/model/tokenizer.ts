// The model's own tokenizer (tokenizer.json) and chat template (tokenizer_config.json
// or chat_template.jinja), loaded offline. Used on the main thread to build prompts
// and in workers to detokenise.
import fs from 'node:fs';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { Template } from '@huggingface/jinja';
import { excerpt, ModelLoadError, SelarError } from '../errors.js';

/** A message as Hugging Face chat templates read it (tool calls with parsed arguments, a `tool` role). */
export interface TemplateMessage {
  role: string;
  content: string;
  [key: string]: unknown;
}

type TokenizerConfig = Record<string, unknown> & {
  chat_template?: string | Array<{ name: string; template: string }>;
  bos_token?: string | { content: string } | null;
  eos_token?: string | { content: string } | null;
};

function tokenText(t: TokenizerConfig['bos_token']): string | undefined {
  if (t === null || t === undefined) return undefined;
  return typeof t === 'string' ? t : t.content;
}

/**
 * The unknown token's id as the model section of tokenizer.json names it: `unk_token`
 * (WordLevel, WordPiece, BPE) or `unk_id` (Unigram); null when it has none.
 */
function unknownTokenId(json: object, tokenizer: Tokenizer): number | null {
  const model = (json as { model?: { unk_token?: unknown; unk_id?: unknown } }).model;
  if (typeof model?.unk_token === 'string') return tokenizer.token_to_id(model.unk_token) ?? null;
  if (typeof model?.unk_id === 'number' && Number.isInteger(model.unk_id)) return model.unk_id;
  return null;
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ModelLoadError(`cannot read JSON (${(err as Error).message})`, file);
  }
}

export class TextTokenizer {
  readonly config: TokenizerConfig;
  /** Highest token id + 1, added tokens included. */
  readonly vocabSize: number;
  readonly specialIds: ReadonlySet<number>;
  readonly thinkIds: { open: number; close: number } | null;
  /** The id text the vocabulary cannot spell becomes, if the tokenizer has an unknown token. */
  readonly unkId: number | null;
  private readonly tokenizer: Tokenizer;
  private readonly template: Template | null;
  /** The chat template's source (tool-call formats are detected from it). */
  readonly chatTemplate: string | null;

  constructor(tokenizerJson: object, config: TokenizerConfig, chatTemplate: string | null) {
    this.config = config;
    this.tokenizer = new Tokenizer(tokenizerJson, config);
    const vocab = this.tokenizer.get_vocab(true);
    let max = -1;
    for (const id of vocab.values()) if (id > max) max = id;
    this.vocabSize = max + 1;
    const special = new Set<number>();
    for (const [id, tok] of this.tokenizer.get_added_tokens_decoder()) if (tok.special) special.add(id);
    this.specialIds = special;
    const open = this.tokenizer.token_to_id('<think>');
    const close = this.tokenizer.token_to_id('</think>');
    this.thinkIds = open !== undefined && close !== undefined ? { open, close } : null;
    this.unkId = unknownTokenId(tokenizerJson, this.tokenizer);
    this.template = chatTemplate ? new Template(chatTemplate) : null;
    this.chatTemplate = chatTemplate || null;
  }

  static load(dir: string): TextTokenizer {
    const tokFile = path.join(dir, 'tokenizer.json');
    if (!fs.existsSync(tokFile))
      throw new ModelLoadError('missing tokenizer.json (the model folder must ship its tokenizer)', tokFile);
    const json = readJson(tokFile) as object;
    const cfgFile = path.join(dir, 'tokenizer_config.json');
    const config = (fs.existsSync(cfgFile) ? readJson(cfgFile) : {}) as TokenizerConfig;
    let template: string | null = null;
    const jinjaFile = path.join(dir, 'chat_template.jinja');
    if (fs.existsSync(jinjaFile)) template = fs.readFileSync(jinjaFile, 'utf8');
    else if (typeof config.chat_template === 'string') template = config.chat_template;
    else if (Array.isArray(config.chat_template)) {
      template =
        config.chat_template.find((t) => t.name === 'default')?.template ?? config.chat_template[0]?.template ?? null;
    }
    try {
      return new TextTokenizer(json, config, template);
    } catch (err) {
      if (err instanceof ModelLoadError) throw err;
      throw new ModelLoadError(`unsupported tokenizer (${(err as Error).message})`, tokFile);
    }
  }

  get hasChatTemplate(): boolean {
    return this.template !== null;
  }

  /** Whether the chat template mentions a variable (e.g. enable_thinking) at all. */
  templateReads(variable: string): boolean {
    return (this.chatTemplate ?? '').includes(variable);
  }

  /**
   * The text's token ids. Pieces the vocabulary has no id for (@huggingface/tokenizers
   * leaves them undefined, even where the model names an unknown token) become the
   * unknown token; without one the text cannot be encoded: a 400 naming `param`.
   */
  encode(text: string, addSpecialTokens = false, param: string | null = null): number[] {
    const ids = this.tokenizer.encode(text, { add_special_tokens: addSpecialTokens }).ids;
    for (let i = 0; i < ids.length; i++) {
      if (Number.isInteger(ids[i])) continue;
      if (this.unkId === null) {
        throw new SelarError(
          'invalid_request',
          `The text cannot be encoded: the tokenizer has no id for a piece of "${excerpt(text, 64)}" ` +
            'and no unknown token',
          param,
        );
      }
      ids[i] = this.unkId;
    }
    return ids;
  }

  /** The ids where the vocabulary spells every piece of the text itself (no unknown token), else null. */
  spell(text: string): number[] | null {
    const ids = this.tokenizer.encode(text, { add_special_tokens: false }).ids;
    return ids.every(Number.isInteger) ? ids : null;
  }

  decode(ids: readonly number[], skipSpecialTokens = true): string {
    if (ids.length === 0) return '';
    return this.tokenizer.decode(ids as number[], {
      skip_special_tokens: skipSpecialTokens,
      clean_up_tokenization_spaces: false,
    });
  }

  tokenId(token: string): number | undefined {
    return this.tokenizer.token_to_id(token);
  }

  /** The id of a special token named in tokenizer_config.json (e.g. eos_token), if the vocabulary has it. */
  configTokenId(name: 'eos_token' | 'bos_token'): number | undefined {
    const text = tokenText(this.config[name]);
    return text === undefined ? undefined : this.tokenizer.token_to_id(text);
  }

  tokenString(id: number): string | undefined {
    return this.tokenizer.id_to_token(id);
  }

  /** Renders messages with the model's chat template, as transformers' apply_chat_template does. */
  applyChatTemplate(
    messages: TemplateMessage[],
    addGenerationPrompt = true,
    kwargs: Record<string, unknown> = {},
  ): string {
    if (!this.template) throw new ModelLoadError('the model has no chat_template; use /v1/completions');
    return this.template.render({
      ...kwargs,
      messages,
      add_generation_prompt: addGenerationPrompt,
      bos_token: tokenText(this.config.bos_token) ?? '',
      eos_token: tokenText(this.config.eos_token) ?? '',
    });
  }
}
