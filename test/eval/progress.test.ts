import t from 'tap';
import { formatDuration, Progress } from '../../src/eval/progress.js';
import { record } from './records.js';

function stream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, s: { isTTY, columns: 100, write: (x: string) => writes.push(x) } };
}

t.test('durations', async (t) => {
  t.equal(formatDuration(0), '0s');
  t.equal(formatDuration(59.4), '59s');
  t.equal(formatDuration(125), '2m05s');
  t.equal(formatDuration(3 * 3600 + 7 * 60), '3h07m');
  t.equal(formatDuration(Infinity), '?');
});

t.test('plain mode: a line per configuration, then at most one per interval, and the last one', async (t) => {
  let now = 0;
  const { writes, s } = stream(false);
  const p = new Progress(s, 10, 4, { intervalMs: 1000, now: () => now });
  p.startConfig('selar@0.5');
  t.same(writes, ['selar eval: 4/10 40% selar@0.5 elapsed 0s eta ?\n']);
  now = 500;
  p.tick(record({ correct: true }));
  t.equal(writes.length, 1, 'within the interval: silent');
  now = 1500;
  p.tick(record({ correct: false }));
  t.equal(
    writes[1],
    'selar eval: 6/10 60% selar@0.5 acc 50.0% elapsed 2s eta 3s\n',
    'rate from this run only: 2 in 1.5 s, 4 left',
  );
  for (let i = 0; i < 4; i++) p.tick(record({}));
  t.equal(writes.length, 3, 'the final count is always shown');
  t.match(writes[2], /^selar eval: 10\/10 100% .* eta 0s\n$/);
  t.notOk(writes.join('').includes('\r'), 'no carriage returns in logs');
  p.finish();
  t.equal(writes.length, 3);
});

t.test('terminal mode redraws one line with a bar', async (t) => {
  let now = 0;
  const { writes, s } = stream(true);
  const p = new Progress(s, 4, 0, { now: () => now });
  p.startConfig('off-greedy');
  now = 1000;
  p.tick(record({}));
  t.equal(writes.length, 2);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the progress line starts with ESC [K (erase line)
  t.match(writes[1], /^\r\x1b\[K\[#{8}\.{22}\] 1\/4 25% off-greedy acc 100\.0%/);
  p.tick(record({}));
  t.equal(writes.length, 2, 'redraws are throttled');
  p.finish();
  t.equal(writes.at(-1), '\n');
});
