// trace "mix": each soft entry lists the soft input's candidates with their texts and the weights used.
import t from 'tap';
import { traceEntry } from '../../src/serving/choice-state.js';

t.test('trace entries carry the mix only where the engine reported one', async (t) => {
  const base = { type: 'token' as const, id: 3, text: 'a', entropy: 0.4, reasoning: true };
  t.same(traceEntry({ ...base, soft: false }), { entropy: 0.4, soft: false });
  t.same(traceEntry({ ...base, soft: true, mix: { ids: [3, 9], weights: [0.75, 0.25], tokens: ['a', ' b'] } }), {
    entropy: 0.4,
    soft: true,
    mix: [
      { id: 3, token: 'a', weight: 0.75 },
      { id: 9, token: ' b', weight: 0.25 },
    ],
  });
});
