// Response ids come from a pool of random bytes refilled every 256 ids: they keep
// OpenAI's shape and never repeat across refills.
import t from 'tap';
import { newResponseId } from '../../src/serving/plan.js';

t.test('ids: OpenAI shape, distinct across pool refills', async (t) => {
  const ids = Array.from({ length: 1000 }, (_, i) => newResponseId(i % 2 ? 'chat' : 'completion'));
  t.ok(
    ids.every((id, i) => (i % 2 ? /^chatcmpl-[0-9a-f]{24}$/ : /^cmpl-[0-9a-f]{24}$/).test(id)),
    'chatcmpl-/cmpl- and 24 hex digits',
  );
  t.equal(new Set(ids.map((id) => id.slice(-24))).size, 1000, 'no repeats over four refills');
});
