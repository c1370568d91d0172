// One streaming chat request over a raw loopback socket, timed: time to the first
// data frame (the first token) and to the end. It may be told to disconnect early,
// either before the response starts or after a number of frames.
import http from 'node:http';

export type Disconnect = { afterFrames: number } | { afterMs: number } | null;

export interface Attempt {
  status: number | null;
  body: string;
  /** The stream ran to its end (the server closed it). */
  ended: boolean;
  /** We hung up on purpose. */
  disconnected: boolean;
  /** The request hit the client-side timeout: the server never finished it. */
  timedOut: boolean;
  error: string | null;
  ttftMs: number | null;
  totalMs: number;
}

export function streamChat(
  base: URL,
  agent: http.Agent,
  body: object,
  disconnect: Disconnect,
  timeoutMs: number,
): Promise<Attempt> {
  const started = performance.now();
  return new Promise((resolve) => {
    const a: Attempt = {
      status: null,
      body: '',
      ended: false,
      disconnected: false,
      timedOut: false,
      error: null,
      ttftMs: null,
      totalMs: 0,
    };
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      a.totalMs = performance.now() - started;
      resolve(a);
    };
    const hangUp = () => {
      a.disconnected = true;
      req.destroy();
      settle();
    };
    const req = http.request(
      {
        host: base.hostname,
        port: base.port,
        method: 'POST',
        path: '/v1/chat/completions',
        agent,
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        a.status = res.statusCode ?? null;
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          a.body += d;
          if (a.ttftMs === null && a.body.includes('data: ')) a.ttftMs = performance.now() - started;
          if (
            disconnect &&
            'afterFrames' in disconnect &&
            a.status === 200 &&
            a.body.split('\n\n').length - 1 >= disconnect.afterFrames
          )
            hangUp();
        });
        res.on('end', () => {
          a.ended = true;
          settle();
        });
        res.on('error', (e) => {
          a.error ??= e.message;
          settle();
        });
      },
    );
    const timer = setTimeout(() => {
      a.timedOut = true;
      req.destroy();
      settle();
    }, timeoutMs);
    req.on('error', (e) => {
      if (!a.disconnected) a.error ??= e.message;
      settle();
    });
    req.end(JSON.stringify(body));
    if (disconnect && 'afterMs' in disconnect) setTimeout(() => !settled && hangUp(), disconnect.afterMs);
  });
}
