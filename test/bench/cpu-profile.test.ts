import t from 'tap';
import { categorise, summariseCpuProfile, type CpuProfile } from '../../bench/cpu-profile.js';
import { categoriseMainThread } from '../../bench/main-thread-profile.js';

t.test('frames are grouped by what the worker was doing', async (t) => {
  t.equal(categorise({ functionName: '(garbage collector)', url: '' }), 'garbage collection');
  t.equal(categorise({ functionName: 'postMessage', url: '' }), 'postMessage to the main thread');
  t.equal(
    categorise({ functionName: '', url: 'file:///x/node_modules/onnxruntime-node/dist/backend.js' }),
    'session.run (ORT and binding)',
  );
  t.equal(categorise({ functionName: 'sample', url: 'file:///x/src/sampling/sampler.ts' }), 'sampling and SeLaR');
  t.equal(categorise({ functionName: 'push', url: 'file:///x/src/worker/detokenizer.ts' }), 'detokenising');
  t.equal(
    categorise({ functionName: 'decode', url: 'file:///x/src/worker/scheduler.ts' }),
    'decode loop (scheduler, sequence, feeds)',
  );
});

t.test('only samples inside the measured span count, each for the time until the next sample', async (t) => {
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: { functionName: '(root)', url: '' } },
      { id: 2, callFrame: { functionName: 'run', url: 'file:///n/onnxruntime-node/backend.js' } },
      { id: 3, callFrame: { functionName: '(garbage collector)', url: '' } },
    ],
    startTime: 1000,
    // Samples at t = 1000, 1100, 1200, 1300, 1400.
    samples: [2, 2, 3, 2, 2],
    timeDeltas: [0, 100, 100, 100, 100],
  };
  const totals = summariseCpuProfile(profile, 1100, 1300);
  t.same(Object.fromEntries(totals), { 'session.run (ORT and binding)': 200, 'garbage collection': 100 });
});

t.test("the main thread's frames are grouped by server layer", async (t) => {
  t.equal(categoriseMainThread({ functionName: 'writev', url: '' }), 'socket write syscalls');
  t.equal(
    categoriseMainThread({ functionName: 'writev', url: 'node:internal/stream_base_commons' }),
    'Node HTTP and streams',
    'only the native frame is the syscall',
  );
  t.equal(
    categoriseMainThread({ functionName: 'sseData', url: 'file:///x/src/serving/sse.ts' }),
    'SSE framing and responses (src/serving)',
  );
  t.equal(
    categoriseMainThread({ functionName: 'write', url: 'file:///x/src/http/sse-response.ts' }),
    'HTTP routes (src/http, Fastify)',
  );
  t.equal(
    categoriseMainThread({ functionName: 'route', url: 'file:///x/src/engine/pool.ts' }),
    'engine events (messages, pool, channels)',
  );
  t.equal(categoriseMainThread({ functionName: '(idle)', url: '' }), 'idle');
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: { functionName: '(idle)', url: '' } },
      { id: 2, callFrame: { functionName: 'writev', url: '' } },
    ],
    startTime: 0,
    samples: [1, 2, 1],
    timeDeltas: [0, 10, 30],
  };
  t.same(Object.fromEntries(summariseCpuProfile(profile, 0, Infinity, categoriseMainThread)), {
    idle: 10,
    'socket write syscalls': 30,
  });
});
