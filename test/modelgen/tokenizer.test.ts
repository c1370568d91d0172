import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { TextTokenizer } from '../../src/model/tokenizer.js';
import { SPECIAL_TOKENS, byteToUnicode, writeTokenizer } from '../../src/modelgen/tokenizer.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modelgen-tok-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
const spec = writeTokenizer(dir);
const tok = TextTokenizer.load(dir);

t.test('byte table is a bijection onto 256 distinct characters', async (t) => {
  const table = byteToUnicode();
  t.equal(new Set(table).size, 256);
  t.equal(table[0x41], 'A');
  t.equal(table[0x20], 'Ġ');
});

t.test('loads in TextTokenizer with the special tokens', async (t) => {
  t.equal(tok.vocabSize, spec.size);
  for (const s of SPECIAL_TOKENS) t.equal(tok.tokenId(s), spec.specialIds[s], s);
  t.same(
    [...tok.specialIds].sort((a, b) => a - b),
    SPECIAL_TOKENS.map((s) => spec.specialIds[s]),
  );
  t.same(tok.thinkIds, { open: spec.specialIds['<think>'], close: spec.specialIds['</think>'] });
  t.equal(tok.config.eos_token, '<|im_end|>');
  t.equal(spec.eosTokenId, spec.specialIds['<|im_end|>']);
});

t.test('round-trips text, multi-byte UTF-8 included', async (t) => {
  const texts = ['Hello, the world', 'é😀', ' in there\n\ttabs  and  spaces', 'naïve café — 中文 🎉🎉'];
  for (const text of texts) {
    const ids = tok.encode(text);
    t.ok(ids.every((id) => id >= 0 && id < spec.size));
    t.equal(tok.decode(ids), text, JSON.stringify(text));
  }
  t.same(tok.encode('A'), [0x41], 'byte tokens have the byte value as id');
  t.same(tok.encode('é'), [0xc3, 0xa9]);
});

t.test('merges apply', async (t) => {
  const ids = tok.encode(' the');
  t.equal(ids.length, 1);
  t.equal(tok.tokenString(ids[0]), 'Ġthe');
  t.ok(ids[0] >= 256);
});

t.test('special tokens in text encode to single ids and are skipped on decode', async (t) => {
  const ids = tok.encode('<|im_start|>user\nhi<|im_end|>');
  t.equal(ids[0], spec.specialIds['<|im_start|>']);
  t.equal(ids[ids.length - 1], spec.specialIds['<|im_end|>']);
  t.equal(tok.decode(ids), 'user\nhi');
  t.equal(tok.decode(ids, false), '<|im_start|>user\nhi<|im_end|>');
});

t.test('ChatML template with enable_thinking', async (t) => {
  const messages = [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Hi é' },
  ];
  const base = '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi é<|im_end|>\n';
  t.equal(tok.applyChatTemplate(messages, false), base);
  t.equal(tok.applyChatTemplate(messages), `${base}<|im_start|>assistant\n`);
  t.equal(tok.applyChatTemplate(messages, true, { enable_thinking: true }), `${base}<|im_start|>assistant\n`);
  t.equal(
    tok.applyChatTemplate(messages, true, { enable_thinking: false }),
    `${base}<|im_start|>assistant\n<think>\n\n</think>\n\n`,
  );
  t.equal(tok.applyChatTemplate(messages, false, { enable_thinking: false }), base);
});

t.test('a merge whose parts are not tokens is refused', async (t) => {
  t.throws(() => writeTokenizer(path.join(dir, 'bad'), [['xy', 'z']]));
});
