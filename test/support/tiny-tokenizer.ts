// A real TextTokenizer over a 16-word vocabulary built in memory, so serving tests
// exercise the actual tokenizer and chat-template code without a model folder.
import { TextTokenizer } from '../../src/model/tokenizer.js';

export const WORDS = [
  '<unk>',
  '<s>',
  '</s>',
  '<think>',
  '</think>',
  'Hello',
  ' world',
  '!',
  'Hi',
  ' there',
  '<|user|>',
  '<|assistant|>',
  '<|system|>',
  'é',
  ' Paris',
  'ok',
] as const;
export const ID = Object.fromEntries(WORDS.map((w, i) => [w, i])) as Record<(typeof WORDS)[number], number>;
const SPECIAL = ['<unk>', '<s>', '</s>', '<think>', '</think>', '<|user|>', '<|assistant|>', '<|system|>'];

export const CHAT_TEMPLATE =
  '{{ bos_token }}{% for m in messages %}<|{{ m.role }}|>{{ m.content }}{% endfor %}' +
  '{% if add_generation_prompt %}<|assistant|>{% if enable_thinking is defined and not enable_thinking ' +
  '%}<think></think>{% endif %}{% endif %}';

/** `unkToken: false` drops the model's unknown token: then words outside the vocabulary cannot be encoded. */
export function tinyTokenizer(opts: { chatTemplate?: string | null; unkToken?: boolean } = {}): TextTokenizer {
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL.map((w) => ({
      id: WORDS.indexOf(w as (typeof WORDS)[number]),
      content: w,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: null,
    pre_tokenizer: {
      type: 'Split',
      pattern: { Regex: '\\s?[A-Za-z]+|[^\\sA-Za-z]' },
      behavior: 'Isolated',
      invert: false,
    },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [],
      special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } },
    },
    decoder: { type: 'Fuse' },
    model: {
      type: 'WordLevel',
      vocab: Object.fromEntries(WORDS.map((w, i) => [w, i])),
      ...(opts.unkToken === false ? {} : { unk_token: '<unk>' }),
    },
  };
  const template = opts.chatTemplate === undefined ? CHAT_TEMPLATE : opts.chatTemplate;
  return new TextTokenizer(json, { bos_token: '<s>', eos_token: '</s>' }, template);
}
