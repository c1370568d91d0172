// The model's own tokenizer (tokenizer.json) and chat template (tokenizer_config.json
// or chat_template.jinja), loaded offline. Used on the main thread to build prompts
// and in workers to detokenise.
import fs from 'node:fs';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { Template } from '@huggingface/jinja';
import { ModelLoadError } from '../errors.js';

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

  encode(text: string, addSpecialTokens = false): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: addSpecialTokens }).ids;
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
