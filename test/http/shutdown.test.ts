// Graceful shutdown on a listening server: in-flight streams finish within the drain
// deadline, stragglers are cut off with an error frame, then the engine closes.
import http from 'node:http';
import t from 'tap';
import { loadConfig } from '../../src/config.js';
import { startServer } from '../../src/server.js';
import { FakeEngine, type FakeEngineOptions } from '../support/fake-engine.js';
import { tinyTokenizer } from '../support/tiny-tokenizer.js';

async function start(engineOpts: FakeEngineOptions, drainMs: number) {
  const engine = new FakeEngine(engineOpts);
  const config = loadConfig(['--model', 'm', '--port', '0', '--drain-timeout-ms', String(drainMs)], {});
  const server = await startServer({ config, engine, tokenizer: tinyTokenizer() });
  return { engine, server };
}

/** Streams a chat completion; resolves with the whole body once the response ends. */
function stream(url: string, onFirstByte: () => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}/v1/chat/completions`,
      { method: 'POST', headers: { 'content-type': 'application/json' } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.once('data', onFirstByte);
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve(body));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ model: 'tiny', messages: [{ role: 'user', content: 'Hi' }], stream: true }));
  });
}

const tokens = (n: number) => () => Array.from({ length: n }, () => ({ id: 5, text: 'Hello' }));

t.test('in-flight streams finish, then the engine closes', async (t) => {
  const { engine, server } = await start({ script: tokens(5), tokenDelayMs: 20 }, 5000);
  let stopping: Promise<void> | null = null;
  const body = await stream(server.url, () => {
    stopping = server.shutdown();
  });
  t.ok(body.endsWith('"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n'), 'complete stream');
  t.equal(server.app.lifecycle.ready, false, '/ready reports 503 from the moment shutdown begins');
  await stopping;
  t.ok(engine.closed);
  t.equal(server.shutdown(), server.shutdown(), 'shutdown is idempotent');
});

t.test('past the drain deadline, generations are cut off with an error frame', async (t) => {
  const { engine, server } = await start({ script: tokens(1000), tokenDelayMs: 10 }, 50);
  let stopping: Promise<void> | null = null;
  const began = Date.now();
  const body = await stream(server.url, () => {
    stopping = server.shutdown();
  });
  t.match(
    body,
    new RegExp(
      String.raw`data: \{"error":\{"message":"The server is shutting down","type":"server_error","param":null,` +
        String.raw`"code":"shutting_down"\}\}\n\ndata: \[DONE\]\n\n$`,
    ),
  );
  await stopping;
  t.ok(Date.now() - began < 3000, 'did not wait for the whole generation');
  t.ok(engine.closed);
});
