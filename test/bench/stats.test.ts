import t from 'tap';
import {
  median,
  overheadMsPerToken,
  pairedRatio,
  relativeSpread,
  runMetrics,
  summarise,
  type SequenceTiming,
} from '../../bench/stats.js';

t.test('median of odd and even counts, unsorted input left alone', async (t) => {
  const xs = [5, 1, 3];
  t.equal(median(xs), 3);
  t.same(xs, [5, 1, 3]);
  t.equal(median([4, 1, 3, 2]), 2.5);
  t.ok(Number.isNaN(median([])));
});

t.test('relative spread is (max - min) / median', async (t) => {
  t.equal(relativeSpread([90, 100, 110]), 0.2);
  t.equal(relativeSpread([7]), 0);
});

t.test('one sequence: decode speed excludes the prefill token, aggregate includes it', async (t) => {
  const s: SequenceTiming = { startMs: 0, firstTokenMs: 100, lastTokenMs: 1100, tokens: 11 };
  const m = runMetrics([s]);
  t.equal(m.decodeTps, 10); // 10 tokens after the first in 1 s
  t.equal(m.ttftMs, 100);
  t.equal(m.aggregateTps, 10); // 11 tokens in 1.1 s
  t.equal(m.wallMs, 1100);
});

t.test(
  'concurrent sequences: aggregate over the union of their wall time, decode over the summed stream times',
  async (t) => {
    const m = runMetrics([
      { startMs: 0, firstTokenMs: 50, lastTokenMs: 1050, tokens: 11, softTokens: 4 },
      { startMs: 0, firstTokenMs: 150, lastTokenMs: 2150, tokens: 11, softTokens: 0 },
    ]);
    t.equal(m.decodeTps, 20 / 3); // 20 tokens after the first in 1 s + 2 s
    t.equal(m.ttftMs, 100);
    t.equal(m.aggregateTps, 22 / 2.15);
    t.equal(m.softFraction, 4 / 22);
  },
);

t.test('a run without tokens is an error, not a zero', async (t) => {
  t.throws(() => runMetrics([]));
  t.throws(() => runMetrics([{ startMs: 0, firstTokenMs: 0, lastTokenMs: 0, tokens: 0 }]));
});

t.test('summaries take medians and judge spread by decode at c=1, aggregate above', async (t) => {
  const run = (decodeTps: number, aggregateTps: number) => ({
    decodeTps,
    aggregateTps,
    ttftMs: 10,
    tokens: 1,
    wallMs: 1,
    softFraction: 0,
  });
  const runs = [run(100, 50), run(120, 50), run(80, 60)];
  const one = summarise(runs, 1);
  t.equal(one.decodeTps, 100);
  t.equal(one.aggregateTps, 50);
  t.equal(one.spread, 0.4);
  t.equal(summarise(runs, 4).spread, 0.2);
});

t.test('overhead per token is the difference of per-token times', async (t) => {
  t.equal(overheadMsPerToken(50, 100), 10);
  t.equal(overheadMsPerToken(100, 100), 0);
  t.ok(overheadMsPerToken(200, 100) < 0);
});

t.test('paired ratios cancel load that hits both runs of a round alike', async (t) => {
  // Round 2 ran on a loaded machine: both systems slowed by half, their ratio unchanged.
  t.equal(pairedRatio([90, 45, 90], [100, 50, 100]), 0.9);
  t.equal(pairedRatio([1, 2, 3], [1, 1]), 1.5); // extra runs without a partner are left out
  t.ok(Number.isNaN(pairedRatio([], [])));
});

t.test('a stream whose tokens arrived in a burst does not dominate the run', async (t) => {
  const m = runMetrics([
    { startMs: 0, firstTokenMs: 10, lastTokenMs: 1010, tokens: 101 },
    { startMs: 0, firstTokenMs: 1009, lastTokenMs: 1010, tokens: 101 }, // consumer descheduled, then all at once
  ]);
  t.ok(m.decodeTps < 250, `${m.decodeTps}`);
});
