import t from 'tap';
import { IncrementalDetokenizer } from '../../src/worker/detokenizer.js';
import { StopMatcher } from '../../src/worker/stop-matcher.js';
import { floatArrayToHalf, fromHalf, halfArrayToFloat, toHalf } from '../../src/util/half.js';

// A byte-level toy tokenizer: id = byte value, decoded as UTF-8 with U+FFFD for incomplete characters.
const bytes = { decode: (ids: readonly number[]) => Buffer.from(ids).toString('utf8') };

t.test('multi-byte characters are held back until complete', async (t) => {
  const d = new IncrementalDetokenizer(bytes);
  const out: string[] = [];
  for (const b of Buffer.from('aé😀b')) out.push(d.push(b));
  t.same(out, ['a', '', 'é', '', '', '', '😀', 'b']);
  t.equal(out.join(''), 'aé😀b');
});

t.test('flush releases an incomplete tail', async (t) => {
  const d = new IncrementalDetokenizer(bytes);
  t.equal(d.push(0xe2), '');
  t.equal(d.flush(), '\uFFFD');
});

t.test('stop strings split across pushes are never emitted', async (t) => {
  const m = new StopMatcher(['STOP', 'xyz']);
  t.same(m.push('hello S'), { text: 'hello ', stopped: false });
  t.same(m.push('TO'), { text: '', stopped: false });
  t.same(m.push('P and more'), { text: '', stopped: true });
});

t.test('a false start is released once ruled out', async (t) => {
  const m = new StopMatcher(['STOP']);
  t.same(m.push('ST'), { text: '', stopped: false });
  t.same(m.push('ART'), { text: 'START', stopped: false });
  t.same(m.push('x'), { text: 'x', stopped: false });
  t.equal(m.flush(), '');
});

t.test('the earliest stop string wins; text before it is kept', async (t) => {
  const m = new StopMatcher(['b', 'a']);
  t.same(m.push('xxab'), { text: 'xx', stopped: true });
  const none = new StopMatcher([]);
  t.same(none.push('anything'), { text: 'anything', stopped: false });
});

t.test('fp16 conversion round-trips and rounds to nearest even', async (t) => {
  for (const v of [0, 1, -2.5, 65504, 6.103515625e-5, 5.9604644775390625e-8, 0.333251953125])
    t.equal(fromHalf(toHalf(v)), v, `${v}`);
  t.equal(toHalf(1 + 2 ** -11), toHalf(1), 'tie rounds to even');
  t.equal(toHalf(1e6), 0x7c00, 'overflow → inf');
  t.ok(Number.isNaN(fromHalf(toHalf(NaN))));
  const arr = Float32Array.from([0.1, -3, 1000]);
  const back = halfArrayToFloat(floatArrayToHalf(arr));
  t.ok(Array.from(back).every((v, i) => Math.abs(v - arr[i]) <= Math.abs(arr[i]) * 1e-3));
});
