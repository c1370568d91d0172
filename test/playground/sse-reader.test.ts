// The page's SSE reader, fed byte streams cut at awkward places.
import t from 'tap';
import { sseData } from '../../src/playground/client/sse-reader.js';

function streamOf(parts: Array<string | Uint8Array>): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return new ReadableStream({
    start(c) {
      for (const p of parts) c.enqueue(typeof p === 'string' ? enc.encode(p) : p);
      c.close();
    },
  });
}

async function all(parts: Array<string | Uint8Array>): Promise<string[]> {
  const out: string[] = [];
  for await (const d of sseData(streamOf(parts))) out.push(d);
  return out;
}

t.test('frames split anywhere come out whole, comments skipped', async (t) => {
  const text = ': ping\n\ndata: {"a":1}\n\ndata: {"b":"x y"}\n\n: ping\n\ndata: [DONE]\n\n';
  for (let cut = 0; cut <= text.length; cut++) {
    t.same(await all([text.slice(0, cut), text.slice(cut)]), ['{"a":1}', '{"b":"x y"}', '[DONE]'], `cut at ${cut}`);
  }
});

t.test('a multi-byte character split across reads is decoded once whole', async (t) => {
  const bytes = new TextEncoder().encode('data: "σ→∞"\n\n');
  t.same(await all([bytes.slice(0, 8), bytes.slice(8, 9), bytes.slice(9)]), ['"σ→∞"']);
});

t.test('CRLF, CR and multi-line data', async (t) => {
  t.same(await all(['data: a\r\ndata: b\r\n\r\ndata: c\r\rdata:d\n\n']), ['a\nb', 'c', 'd']);
  // A \r\n cut between its two characters is still one line end, not a blank line.
  t.same(await all(['data: a\r', '\ndata: b\r\n\r\n']), ['a\nb']);
});

t.test('a last event without its blank line is still delivered; events without data are not', async (t) => {
  t.same(await all(['event: x\n\ndata: tail']), ['tail']);
  t.same(await all(['']), []);
});
