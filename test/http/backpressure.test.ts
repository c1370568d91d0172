// A client that stops reading stops its generation (the server waits for the socket
// to drain before pulling the next event) instead of buffering the whole output.
import http from 'node:http';
import t from 'tap';
import { testApp } from './helpers.js';

t.test('a paused reader pauses the generation', async (t) => {
  const big = 'x'.repeat(64 * 1024);
  const total = 400; // ~25 MiB of output: far beyond the socket buffers
  const { app } = await testApp(t, {
    engine: {
      model: { contextLength: 4096 },
      script: () => Array.from({ length: total }, () => ({ id: 5, text: big })),
    },
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const generated = () => app.metrics.generationTokens.get();

  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = http.request(
      `${url}/v1/chat/completions`,
      { method: 'POST', headers: { 'content-type': 'application/json' } },
      resolve,
    );
    req.on('error', reject);
    req.end(JSON.stringify({ model: 'tiny', messages: [{ role: 'user', content: 'Hi' }], stream: true }));
  });
  res.pause();
  await new Promise((r) => setTimeout(r, 300));
  const whilePaused = generated();
  t.ok(whilePaused < total, `generation paused at ${whilePaused} of ${total} tokens`);

  let bytes = 0;
  res.on('data', (c: Buffer) => {
    bytes += c.length;
  });
  res.resume();
  await new Promise((r) => res.on('end', r));
  t.equal(generated(), total, 'resumed to the end');
  t.ok(bytes > total * big.length);
});

t.test('a reader that never resumes is still cut off by the deadline', async (t) => {
  const big = 'x'.repeat(64 * 1024);
  const { app } = await testApp(t, {
    engine: { model: { contextLength: 4096 }, script: () => Array.from({ length: 400 }, () => ({ id: 5, text: big })) },
    argv: ['--deadline-ms', '200'],
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const req = http.request(
    `${url}/v1/chat/completions`,
    { method: 'POST', headers: { 'content-type': 'application/json' } },
    (res) => res.pause(),
  );
  req.on('error', () => undefined);
  req.end(JSON.stringify({ model: 'tiny', messages: [{ role: 'user', content: 'Hi' }], stream: true }));
  for (let i = 0; i < 100 && app.lifecycle.inFlight === 0; i++) await new Promise((r) => setTimeout(r, 10));
  t.equal(app.lifecycle.inFlight, 1);
  for (let i = 0; i < 200 && app.lifecycle.inFlight > 0; i++) await new Promise((r) => setTimeout(r, 10));
  t.equal(app.lifecycle.inFlight, 0, 'the handler let go of the slot');
  req.destroy();
});
