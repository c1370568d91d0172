// A tiny OpenAI-compatible HTTP server for the harness tests: lists one model,
// answers chat completions with a scripted reply, and records every request.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedReply {
  content: string;
  reasoning?: string;
  completionTokens: number;
  softTokens?: number;
  finishReason?: string;
  /** Answer with this HTTP status and an OpenAI error body instead. */
  status?: number;
}

export interface RecordedRequest {
  body: Record<string, any>;
  authorization: string | undefined;
}

export interface FakeOpenAi {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startFakeOpenAi(
  reply: (body: Record<string, any>) => ScriptedReply,
  model = 'fake-model',
): Promise<FakeOpenAi> {
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method === 'GET' && req.url === '/v1/models')
        return send(200, { object: 'list', data: [{ id: model, object: 'model' }] });
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions')
        return send(404, { error: { message: 'not found' } });
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      requests.push({ body, authorization: req.headers.authorization });
      const r = reply(body);
      if (r.status)
        return send(r.status, {
          error: { message: `scripted ${r.status}`, type: 'invalid_request_error', param: null, code: null },
        });
      send(200, {
        id: `chatcmpl-${requests.length}`,
        object: 'chat.completion',
        created: 0,
        model,
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: r.content,
              ...(r.reasoning !== undefined ? { reasoning_content: r.reasoning } : {}),
            },
            finish_reason: r.finishReason ?? 'stop',
          },
        ],
        usage: {
          prompt_tokens: 12,
          completion_tokens: r.completionTokens,
          total_tokens: 12 + r.completionTokens,
          ...(r.softTokens !== undefined
            ? { completion_tokens_details: { reasoning_tokens: 0, soft_tokens: r.softTokens } }
            : {}),
        },
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
