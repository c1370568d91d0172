import t from 'tap';
import { medianBreakdown, type LoopBreakdown } from '../../bench/breakdown.js';

const loop = (tokensPerSecond: number, decodeRun: number): LoopBreakdown => ({
  mode: 'off',
  concurrency: 1,
  tokens: 32,
  tokensPerSecond,
  rowsPerDecodePass: 1,
  decodePasses: 31,
  ms: {
    prefillRun: 0.1,
    decodeRun,
    forwardOther: 0.02,
    cacheMergeSplit: 0,
    embeddingLookup: 0.003,
    detokenise: 0.05,
    samplingAndRest: 0.04,
    schedulerRest: 0.1,
  },
  softFraction: 0,
});

t.test('repeated loop measurements reduce to component-wise medians', async (t) => {
  const m = medianBreakdown([loop(300, 3), loop(100, 9), loop(250, 4)]);
  t.equal(m.tokensPerSecond, 250);
  t.equal(m.ms.decodeRun, 4);
  t.equal(m.ms.detokenise, 0.05);
  t.equal(m.mode, 'off');
});
