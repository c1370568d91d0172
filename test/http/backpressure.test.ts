// A client that stops reading stops its generation (the server waits for the socket
// to drain before pulling the next event) instead of buffering the whole output.
import http from 'node:http';
import t from 'tap';
import { testApp } from './helpers.js';

t.test('a paused reader pauses the generation', async (t) => {
  const big = 'x'.repeat(64 * 1024);
  const total = 400; // ~25 MiB of output: far beyond the socket buffers
  const { app } = await testApp(t, { engine: { model: { contextLength: 4096 }, script: () => Array.from({ length: total }, () => ({ id: 5, text: big })) } });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const generated = () => app.metrics.generationTokens.get();

  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = http.request(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' } }, resolve);
    req.on('error', reject);
    req.end(JSON.stringify({ model: 'tiny', messages: [{ role: 'user', content: 'Hi' }], stream: true }));
  });
  res.pause();
  await new Promise((r) => setTimeout(r, 300));
  const whilePaused = generated();
  t.ok(whilePaused < total, `generation paused at ${whilePaused} of ${total} tokens`);

  let bytes = 0;
  res.on('data', (c: Buffer) => { bytes += c.length; });
  res.resume();
  await new Promise((r) => res.on('end', r));
  t.equal(generated(), total, 'resumed to the end');
  t.ok(bytes > total * big.length);
});
