// The load test (bench/load) in small: a real server process, 24 concurrent streaming
// clients, 90 requests, a quarter hanging up early. Nothing may be lost, fail or be
// malformed; greedy and seeded streams equal their solo answers; slots return to 0.
// A queue of 8 against 24 clients makes some 429s likely; they must be well-formed.
import t from 'tap';
import { DEFAULTS, runLoad } from '../../bench/load/load.js';

t.test('24 clients, 90 streaming requests, 25% disconnecting early', async (t) => {
  const r = await runLoad({
    ...DEFAULTS,
    clients: 24,
    requests: 90,
    disconnectShare: 0.25,
    maxTokens: 12,
    budgetS: 40,
    requestTimeoutS: 30,
    queueSize: 8,
    maxSequencesPerWorker: 4,
    seed: 7,
  });
  t.comment(
    JSON.stringify({
      tried: r.tried,
      completed: r.completed,
      rejected: r.rejected,
      failed: r.failed,
      disconnected: r.disconnected,
      lost: r.lost,
      ttftMs: r.ttftMs,
    }),
  );
  t.equal(r.tried, 90, 'every request was tried within the budget');
  t.equal(r.completed + r.rejected + r.failed + r.disconnected + r.lost, r.tried, 'every request is accounted for');
  t.same(
    { lost: r.lost, failed: r.failed, malformed: r.malformed },
    { lost: 0, failed: 0, malformed: 0 },
    r.failures.join('\n') || 'nothing lost, failed or malformed',
  );
  t.ok(r.completed >= 30, `${r.completed} completed`);
  t.ok(r.disconnected > 0, `${r.disconnected} disconnected on purpose`);
  t.ok(r.greedyChecked > 10, `${r.greedyChecked} greedy streams compared`);
  t.same([r.greedyMismatches, r.seededMismatches], [0, 0], 'greedy and seeded streams equal their solo answers');
  t.same(r.slotsAfter, { running: 0, queued: 0 }, 'no slot leaked');
  t.ok(r.readyAfter, 'the server is ready afterwards');
});
