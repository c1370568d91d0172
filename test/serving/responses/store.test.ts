// The in-memory response store: age and count bounds, item index, delete.
import t from 'tap';
import type { ResponseObject } from '../../../src/protocol/responses.js';
import { ResponseStore } from '../../../src/serving/responses/store.js';

const entry = (id: string, itemId: string) => ({
  response: {
    id,
    output: [{ id: `${itemId}_out`, type: 'message', role: 'assistant', status: 'completed', content: [] }],
  } as unknown as ResponseObject,
  inputItems: [{ type: 'message' as const, role: 'user' as const, content: 'x', id: itemId }],
  conversation: [],
});

t.test('entries expire after the TTL, their items with them', async (t) => {
  let now = 0;
  const store = new ResponseStore(10, 1000, () => now);
  store.put(entry('a', 'ia'));
  now = 500;
  store.put(entry('b', 'ib'));
  t.ok(store.get('a'));
  t.ok(store.item('ia_out'));
  now = 1000;
  t.equal(store.get('a'), undefined, 'a expired at its TTL');
  t.equal(store.item('ia'), undefined);
  t.ok(store.get('b'));
  t.equal(store.size, 1);
  now = 1500;
  t.equal(store.size, 0);
});

t.test('the count bound drops the oldest; delete forgets; 0 stores nothing', async (t) => {
  const store = new ResponseStore(2, 60_000);
  for (const id of ['a', 'b', 'c']) store.put(entry(id, `i${id}`));
  t.same(
    ['a', 'b', 'c'].map((id) => store.get(id) !== undefined),
    [false, true, true],
  );
  t.equal(store.item('ia'), undefined);
  t.equal(store.delete('b'), true);
  t.equal(store.delete('b'), false);
  t.equal(store.item('ib'), undefined);
  t.ok(store.item('ic'));
  const none = new ResponseStore(0, 60_000);
  none.put(entry('a', 'ia'));
  t.equal(none.size, 0);
});
