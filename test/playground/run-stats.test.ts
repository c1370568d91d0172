// Running stats: the usage chunk's numbers win over the trace's once they arrive.
import t from 'tap';
import { RunStats } from '../../src/playground/client/run-stats.js';

t.test('decode rate excludes the first token, and freezes at the finish', async (t) => {
  const s = new RunStats(1000);
  t.equal(s.tokensPerSecond(1100), null);
  s.addTokens(1, 1, 1200);
  t.equal(s.firstTokenMs, 200);
  t.equal(s.tokensPerSecond(1300), null, 'one token gives no rate');
  s.addTokens(2, 0, 1400);
  t.equal(s.tokensPerSecond(1400), 10, '2 tokens in 0.2 s after the first');
  t.equal(s.tokensPerSecond(1600), 10 * (0.2 / 0.4), 'still running: the clock keeps going');
  s.finish = 'stop';
  t.equal(s.tokensPerSecond(9999), 10, 'finished: rate at the last token');
});

t.test('soft counts and ratio come from usage once it arrives', async (t) => {
  const s = new RunStats(0);
  t.equal(s.softRatio, null);
  s.addTokens(1, 1, 1);
  s.addTokens(1, 0, 2);
  t.equal(s.softTokens, 1);
  t.equal(s.softRatio, 0.5);
  s.usage = { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7, completion_tokens_details: { soft_tokens: 3 } };
  t.equal(s.softTokens, 3);
  t.equal(s.completionTokens, 4);
  t.equal(s.softRatio, 0.75);
  t.equal(s.softFromTrace, 1, 'the trace count is kept for the mismatch note');
});
