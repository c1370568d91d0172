// Streamed deltas → one piece per token, as docs/api.md's chunking produces them.
import t from 'tap';
import { assignTexts, splitDelta } from '../../src/playground/client/token-split.js';
import type { ChunkChoice, TokenLogprob } from '../../src/playground/client/wire-types.js';

const choice = (over: Partial<ChunkChoice>): ChunkChoice => ({
  index: 0,
  delta: {},
  logprobs: null,
  finish_reason: null,
  ...over,
});
const lp = (token: string): TokenLogprob => ({ token, logprob: -1, bytes: null, top_logprobs: [] });

t.test('one token, one piece, with its id and trace', async (t) => {
  const s = splitDelta(
    choice({ delta: { content: ' the' }, token_ids: [258], selar_trace: [{ entropy: 0.7, soft: true }] }),
  );
  t.same(s, {
    section: 'answer',
    pieces: [{ text: ' the', entropy: 0.7, soft: true, mix: null, id: 258, logprob: null }],
    untraced: { reasoning: '', answer: '' },
  });
});

t.test('trace "mix": a soft entry\'s mixture rides on its piece', async (t) => {
  const mix = [
    { id: 5, token: ' a', weight: 0.7 },
    { id: 9, token: '\n', weight: 0.3 },
  ];
  const s = splitDelta(
    choice({
      delta: { content: 'xy' },
      selar_trace: [
        { entropy: 0.8, soft: true, mix },
        { entropy: 0.1, soft: false },
      ],
    }),
  );
  t.same(
    s.pieces.map((p) => p.mix),
    [mix, null],
  );
});

t.test('held-back tokens without logprobs: the releasing (last) token carries the text', async (t) => {
  const s = splitDelta(
    choice({
      delta: { content: 'é' },
      token_ids: [195, 169],
      selar_trace: [
        { entropy: 0.2, soft: false },
        { entropy: 0.9, soft: true },
      ],
    }),
  );
  t.same(
    s.pieces.map((p) => p.text),
    ['', 'é'],
  );
  t.same(
    s.pieces.map((p) => p.id),
    [195, 169],
  );
});

t.test('with logprobs each token keeps its own text while it continues the stream', async (t) => {
  const trace = [
    { entropy: 0.1, soft: false },
    { entropy: 0.5, soft: true },
    { entropy: 0.3, soft: false },
  ];
  const s = splitDelta(
    choice({ delta: { content: 'a bc' }, selar_trace: trace, logprobs: { content: [lp('a'), lp(' b'), lp('c')] } }),
  );
  t.same(
    s.pieces.map((p) => p.text),
    ['a', ' b', 'c'],
  );
  t.equal(s.pieces[1].logprob?.token, ' b');
  // A token text that does not match (a byte token rendered as U+FFFD) stops the walk.
  t.same(assignTexts('é!', 3, ['\uFFFD', '\uFFFD', '!']), ['', '', 'é!']);
});

t.test('reasoning deltas go to the reasoning section', async (t) => {
  const s = splitDelta(choice({ delta: { reasoning_content: 'think' }, selar_trace: [{ entropy: 0.4, soft: true }] }));
  t.equal(s.section, 'reasoning');
  t.equal(s.pieces[0].text, 'think');
});

t.test('a chunk with tokens but no text has no section of its own', async (t) => {
  const s = splitDelta(choice({ delta: {}, selar_trace: [{ entropy: 0.3, soft: false }], finish_reason: 'stop' }));
  t.equal(s.section, null);
  t.same(
    s.pieces.map((p) => p.text),
    [''],
  );
});

t.test('text without trace entries is kept, untraced, in its section', async (t) => {
  t.same(splitDelta(choice({ delta: { content: 'tail' } })).untraced, { reasoning: '', answer: 'tail' });
  t.same(splitDelta(choice({ delta: { role: 'assistant', content: '' }, selar_trace: [] })), {
    section: null,
    pieces: [],
    untraced: { reasoning: '', answer: '' },
  });
  // Both kinds of text in one delta (not this server's chunking): the answer gets the tokens.
  const mixed = splitDelta(
    choice({ delta: { reasoning_content: 'r', content: 'c' }, selar_trace: [{ entropy: 0, soft: false }] }),
  );
  t.equal(mixed.section, 'answer');
  t.same(mixed.untraced, { reasoning: 'r', answer: '' });
});
