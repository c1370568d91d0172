import t from 'tap';
import { sessionVariantList, summariseTrace, type TraceEvent } from '../../bench/ort-profile.js';

const run = (ts: number, dur: number): TraceEvent => ({ cat: 'Session', name: 'model_run', ts, dur });
const node = (ts: number, dur: number, op: string): TraceEvent => ({
  cat: 'Node',
  name: `/n${ts}_kernel_time`,
  ts,
  dur,
  args: { op_name: op },
});

t.test('per-step figures leave out the prefill run and group kernels by operator', async (t) => {
  const events = [
    run(0, 1000),
    node(10, 900, 'MatMul'), // prefill
    run(2000, 500),
    node(2010, 300, 'MatMul'),
    node(2320, 100, 'Concat'),
    run(3000, 700),
    node(3010, 500, 'MatMul'),
    node(3520, 100, 'Concat'),
    { cat: 'Session', name: 'SequentialExecutor::Execute', ts: 3000, dur: 650 },
  ];
  const s = summariseTrace(events);
  t.equal(s.nodesPerStep, 2);
  t.equal(s.modelRunMs, 0.6);
  t.equal(s.kernelMs, 0.5);
  t.same(s.byOp, [
    { op: 'MatMul', ms: 0.4, nodes: 1 },
    { op: 'Concat', ms: 0.1, nodes: 1 },
  ]);
});

t.test('a trace with only the prefill has no decode step to report', async (t) => {
  t.throws(() => summariseTrace([run(0, 10), node(1, 5, 'MatMul')]), /no decode step/);
});

t.test(
  'session-option variants start with the engine options and add one thread only when the engine uses more',
  async (t) => {
    const two = sessionVariantList(2);
    t.same(
      two.map((v) => [v.threads, v.spinning]),
      [
        [2, false],
        [2, true],
        [1, false],
      ],
    );
    t.match(two[0].name, /^engine options \(2 intra-op threads, spinning off\)$/);
    t.same(
      sessionVariantList(1).map((v) => [v.threads, v.spinning]),
      [
        [1, false],
        [1, true],
      ],
    );
    const cache = sessionVariantList(1, 16, true);
    t.same(
      cache.map((v) => [v.batch, v.wholeCache]),
      [
        [1, false],
        [1, false],
        [1, true],
        [16, false],
        [16, true],
      ],
      'whole-cache presents beside the engine options, at 1 and at the largest batch',
    );
    t.same(
      sessionVariantList(1, 16, false).length,
      2,
      'nothing to compare for a decoder whose presents are whole already',
    );
  },
);
