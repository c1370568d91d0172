// A model folder that cannot be served must stop `selar serve` at start-up with a
// non-zero exit and a message naming the cause, never leave a half-alive server.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { spawnServe } from '../../bench/load/server-process.js';
import { llamaModel } from '../support/models.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'selar-broken-'));
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));

function emptyFolder(dir: string): string {
  fs.mkdirSync(dir);
  return dir;
}

async function brokenCopy(name: string, breakIt: (dir: string) => void): Promise<string> {
  const dir = path.join(tmp, name);
  fs.cpSync(await llamaModel(), dir, { recursive: true });
  breakIt(dir);
  return dir;
}

t.test('serve exits non-zero at start-up, naming the cause', async (t) => {
  const cases: Array<[string, string, RegExp]> = [
    ['missing folder', path.join(tmp, 'does-not-exist'), /does-not-exist: .*does not exist/],
    ['empty folder', emptyFolder(path.join(tmp, 'empty')), /empty: unknown model layout/],
    [
      'corrupt model.onnx',
      await brokenCopy('corrupt-onnx', (d) => fs.writeFileSync(path.join(d, 'onnx', 'model.onnx'), 'not a protobuf')),
      /model\.onnx: not a readable ONNX model/,
    ],
    [
      'truncated model.onnx',
      await brokenCopy('truncated-onnx', (d) => {
        const f = path.join(d, 'onnx', 'model.onnx');
        fs.truncateSync(f, Math.floor(fs.statSync(f).size / 3));
      }),
      /model\.onnx: not a readable ONNX model/,
    ],
    [
      'config.json not JSON',
      await brokenCopy('bad-config', (d) => fs.writeFileSync(path.join(d, 'config.json'), '{ not json')),
      /config\.json/,
    ],

    [
      'tokenizer.json missing',
      await brokenCopy('no-tokenizer', (d) => fs.rmSync(path.join(d, 'tokenizer.json'))),
      /tokenizer\.json/,
    ],
  ];
  // In parallel: each start pays for a Node + tsx boot.
  const results = await Promise.all(
    cases.map(async ([name, dir]) => {
      const proc = spawnServe(['--model', dir, '--port', '0', '--workers', '1', '--threads-per-worker', '1'], {
        SELAR_CACHE_DIR: path.join(tmp, 'cache'),
      });
      const killer = setTimeout(() => proc.child.kill('SIGKILL'), 45_000);
      const r = await proc.exited;
      clearTimeout(killer);
      return [name, r] as const;
    }),
  );
  for (const [i, [name, r]] of results.entries()) {
    t.ok(r.code !== null && r.code !== 0, `${name}: exits non-zero (code ${r.code}, signal ${r.signal})`);
    // The last word goes to stderr as `selar: <cause>`, after any structured log lines.
    const verdict = r.output.split('\n').find((l) => l.startsWith('selar: ')) ?? '';
    t.match(
      verdict,
      cases[i][2],
      `${name}: the message names the cause: ${verdict.slice(0, 300) || r.output.slice(-500)}`,
    );
    t.notMatch(r.output, /"msg":"listening"/, `${name}: never listened`);
  }
});
