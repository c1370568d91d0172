// Load-balancer behaviour, for real: two selar-server processes behind Debian's nginx
// running docker/nginx.conf (only addresses and file paths rewritten, see harness.ts).
// Shows that streams pass through frame by frame, that requests reach both
// instances, and that SIGTERM to one instance under load loses no request.
import t from 'tap';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { writeLlamaModel } from '../../src/modelgen/llama.js';
import {
  distMain,
  findNginx,
  freePort,
  metricSum,
  nginxTestConfig,
  postStream,
  readAccessLog,
  request,
  startNginx,
  startServer,
  streamProblems,
  waitListening,
  waitReady,
  type Proc,
  type Reply,
  type StreamReply,
} from './harness.js';

const nginx = findNginx();
if (!nginx) {
  t.plan(0, "nginx not found (/usr/sbin/nginx or PATH): scripts/ci-deps.sh installs Debian's nginx");
  process.exit(0);
}
if (!fs.existsSync(distMain)) {
  t.fail(`${distMain} is missing: run \`npm run build\` first (npm test does)`);
  process.exit(1);
}

const MODEL = 'tiny';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const chat = (maxTokens: number, stream: boolean) => ({
  model: MODEL,
  messages: [{ role: 'user', content: 'Count to one hundred.' }],
  max_tokens: maxTokens,
  ignore_eos: true,
  stream,
  ...(stream ? { stream_options: { include_usage: true } } : {}),
});

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'selar-nginx-'));
// nginx worker processes may run as another user (root's default is nobody).
fs.chmodSync(dir, 0o755);
const servers: Proc[] = [];
let proxy: Proc | null = null;

t.teardown(async () => {
  // SIGTERM, not SIGKILL: a server drains and exits, so V8 writes its coverage profile
  // (NODE_V8_COVERAGE, inherited); a killed one would drop what it covered from the suite's figures.
  await Promise.all([...servers.map((s) => s.stop('SIGTERM', 10_000)), proxy?.stop('SIGTERM', 3000)]);
  fs.rmSync(dir, { recursive: true, force: true });
});

// A decoder large enough that a long stream takes a second or more (so that frames,
// drain and readiness can be watched), small enough to build in about a second.
const modelDir = path.join(dir, MODEL);
await writeLlamaModel(modelDir, {
  hidden: 256,
  layers: 4,
  heads: 4,
  kvHeads: 2,
  intermediate: 512,
  vocab: 320,
  maxPositions: 1024,
  seed: 1,
});

const ports = [await freePort(), await freePort()];
const proxyPort = await freePort();
const env = {
  SELAR_CACHE_DIR: path.join(dir, 'cache'),
  SELAR_WORKERS: '1',
  SELAR_THREADS_PER_WORKER: '1',
  SELAR_LOG_LEVEL: 'warn',
  SELAR_DRAIN_TIMEOUT_MS: '60000',
};
// One after the other: the second finds the converted model in the shared cache.
for (const [i, port] of ports.entries()) {
  servers.push(startServer(`server ${i}`, modelDir, port, env));
  await waitReady(servers[i], port);
}

const confFile = path.join(dir, 'nginx.conf');
fs.writeFileSync(confFile, nginxTestConfig({ upstreamPorts: ports, listenPort: proxyPort, dir }));
const metrics = async (i: number) => (await request(ports[i], 'GET', '/metrics')).body;
const chatCount = (text: string, status = '200') =>
  metricSum(text, 'selar_requests_total', { route: '/v1/chat/completions', status });

t.test('nginx accepts the generated configuration', async (t) => {
  const r = spawnSync(nginx, ['-t', '-p', `${dir}/`, '-e', path.join(dir, 'error.log'), '-c', confFile], {
    encoding: 'utf8',
  });
  t.equal(r.status, 0, `nginx -t: ${r.stderr}`);
  proxy = startNginx(nginx, dir, confFile);
  await waitListening(proxy, proxyPort);
});

t.test('a streamed completion arrives frame by frame', async (t) => {
  const maxTokens = 600;
  const r = await postStream(proxyPort, '/v1/chat/completions', chat(maxTokens, true));
  t.same(streamProblems(r, maxTokens), [], 'complete stream through nginx');
  const frames = r.frames.length;
  const sorted = [...r.framesPerRead].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  const first = r.frames[0].t;
  const done = r.frames.at(-1)!.t;
  t.comment(
    `${frames} frames in ${r.framesPerRead.length} reads (median ${median}, max ${sorted.at(-1)} frames per read); ` +
      `first frame at ${first.toFixed(0)} ms, [DONE] at ${done.toFixed(0)} ms`,
  );
  // A buffering proxy hands frames on a buffer (or the whole response) at a time:
  // several kilobytes, a dozen or more frames per read, the first ones late.
  t.ok(r.framesPerRead.length >= frames / 4, 'frames arrive in many separate reads');
  t.ok(median <= 3, 'typically one frame per read');
  t.ok(first < done / 4, 'the first frame arrives early in the generation');
  const spread = r.frames.filter((f) => f.t < done / 2).length;
  t.ok(spread >= frames / 10, `frames arrive throughout (${spread} in the first half)`);
});

t.test('requests are spread over both instances', async (t) => {
  const before = await Promise.all([metrics(0), metrics(1)]);
  for (let i = 0; i < 8; i++) {
    const r = await request(proxyPort, 'POST', '/v1/chat/completions', chat(4, false));
    t.equal(r.status, 200, `request ${i}: ${r.body.slice(0, 200)}`);
  }
  const after = await Promise.all([metrics(0), metrics(1)]);
  const served = [0, 1].map((i) => chatCount(after[i]) - chatCount(before[i]));
  t.comment(`served: ${served.join(' / ')}`);
  t.equal(served[0] + served[1], 8, 'every request reached an instance once');
  t.ok(served[0] >= 2 && served[1] >= 2, 'both instances served requests');
});

t.test('stored responses are per process; X-Session-Affinity keeps a conversation on one instance', async (t) => {
  const respond = (port: number, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    request(port, 'POST', '/v1/responses', { model: MODEL, input: 'Hi', max_output_tokens: 4, ...body }, headers);
  const direct = JSON.parse((await respond(ports[0], {})).body) as { id: string };
  t.equal(
    (await request(ports[0], 'GET', `/v1/responses/${direct.id}`)).status,
    200,
    'stored on the instance that made it',
  );
  t.equal((await request(ports[1], 'GET', `/v1/responses/${direct.id}`)).status, 404, 'unknown to the other instance');

  const responsesCount = (text: string) =>
    metricSum(text, 'selar_requests_total', { route: '/v1/responses', status: '200' });
  const before = await Promise.all([metrics(0), metrics(1)]).then((m) => m.map(responsesCount));
  const affinity = { 'x-session-affinity': 'conversation-42' };
  let previous: string | null = null;
  for (let turn = 0; turn < 8; turn++) {
    const r = await respond(proxyPort, previous ? { previous_response_id: previous } : {}, affinity);
    t.equal(r.status, 200, `turn ${turn}: ${r.body.slice(0, 200)}`);
    previous = (JSON.parse(r.body) as { id: string }).id;
  }
  t.equal(
    (await request(proxyPort, 'GET', `/v1/responses/${previous}`, undefined, affinity)).status,
    200,
    'GET through nginx',
  );
  const after = await Promise.all([metrics(0), metrics(1)]).then((m) => m.map(responsesCount));
  const served = [0, 1].map((i) => after[i] - before[i]);
  t.comment(`conversation turns served: ${served.join(' / ')}`);
  t.ok(served.includes(8) && served.includes(0), 'every turn reached the same instance');
});

t.test('SIGTERM under load: streams drain, traffic moves, no request fails', async (t) => {
  const [A, B] = [0, 1];
  const longTokens = 600;
  // Long streams on both instances (least_conn alternates between them).
  const long: Promise<StreamReply>[] = [];
  for (let i = 0; i < 6; i++) long.push(postStream(proxyPort, '/v1/chat/completions', chat(longTokens, true)));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const running = await Promise.all([metrics(A), metrics(B)]).then((m) =>
      m.map((x) => metricSum(x, 'selar_running_requests')),
    );
    if (running[A] > 0 && running[B] > 0) break;
    if (Date.now() > deadline) throw new Error(`streams never ran on both instances: ${running}`);
    await sleep(20);
  }

  // Steady traffic from two clients, short streamed and plain requests in turn.
  let stopLoad = false;
  const loadResults: Array<{ kind: string; problems: string[] }> = [];
  const client = async (c: number) => {
    for (let i = 0; !stopLoad; i++) {
      try {
        if ((i + c) % 2 === 0) {
          const r = await postStream(proxyPort, '/v1/chat/completions', chat(24, true));
          loadResults.push({ kind: 'stream', problems: streamProblems(r, 24) });
        } else {
          const r: Reply = await request(proxyPort, 'POST', '/v1/chat/completions', chat(8, false));
          const ok = r.status === 200 && JSON.parse(r.body).usage?.completion_tokens === 8;
          loadResults.push({ kind: 'json', problems: ok ? [] : [`status ${r.status}: ${r.body.slice(0, 200)}`] });
        }
      } catch (err) {
        loadResults.push({ kind: 'error', problems: [String(err)] });
      }
    }
  };
  const clients = [client(0), client(1)];
  await sleep(300);

  const sigAt = Date.now();
  servers[A].child.kill('SIGTERM');
  // Readiness of the draining instance, straight from the instance.
  const readiness: string[] = [];
  while (servers[A].alive && Date.now() - sigAt < 60_000) {
    try {
      const r = await request(ports[A], 'GET', '/ready');
      readiness.push(`${r.status} ${JSON.parse(r.body).status}`);
    } catch {
      readiness.push('refused');
    }
    await sleep(25);
  }
  const exit = await servers[A].exited;
  const exitedAt = Date.now();
  // Keep the traffic going past nginx's fail_timeout (5 s), so that the stopped
  // instance is tried again and found refusing connections.
  await sleep(6000);
  stopLoad = true;
  await Promise.all(clients);
  const longResults = await Promise.all(long);

  t.same(exit, { code: 0, signal: null }, 'the instance exited cleanly after draining');
  const distinct = [...new Set(readiness)];
  t.comment(
    `drain took ${exitedAt - sigAt} ms; /ready answers while draining: ${distinct.join(', ')} ` +
      `(${readiness.length} polls)`,
  );
  t.ok(readiness.includes('503 draining'), '/ready answered 503 (draining) after SIGTERM');
  // The signal is handled on the server's next event-loop turn: a poll already on its
  // way may still see 200, but once /ready has said no it must never say yes again.
  const firstNo = readiness.findIndex((r) => !r.startsWith('200'));
  t.ok(
    firstNo >= 0 && !readiness.slice(firstNo).some((r) => r.startsWith('200')),
    '/ready stayed not-ready from then on',
  );

  for (const [i, r] of longResults.entries())
    t.same(streamProblems(r, longTokens), [], `long stream ${i} completed with every frame and [DONE]`);

  const failed = loadResults.filter((r) => r.problems.length > 0);
  t.comment(
    `${loadResults.length} requests under load (${loadResults.filter((r) => r.kind === 'stream').length} streamed)`,
  );
  t.ok(loadResults.length >= 20, 'enough requests were made during the exercise');
  t.same(failed, [], 'no client request failed');

  // nginx's view: every request that arrived after SIGTERM was served by B; attempts
  // on A were refused (503 while draining, 502 = connection refused after exit) and
  // were few: one failure takes A out of rotation for fail_timeout.
  const addrA = `127.0.0.1:${ports[A]}`;
  const addrB = `127.0.0.1:${ports[B]}`;
  const after = readAccessLog(path.join(dir, 'access.log')).filter(
    (l) => l.start > sigAt + 100 && l.request.startsWith('POST'),
  );
  const triesOnA = after.flatMap((l) =>
    l.upstreams.map((u, k) => ({ u, s: l.upstreamStatuses[k] })).filter((x) => x.u === addrA),
  );
  t.comment(
    `after SIGTERM: ${after.length} requests; ${triesOnA.length} attempts on the stopped instance ` +
      `(${triesOnA.map((x) => x.s).join(', ') || 'none'}), each retried on the other`,
  );
  t.ok(after.length >= 20, 'nginx logged the requests made after SIGTERM');
  t.ok(
    after.every((l) => l.status === 200 && l.upstreams.at(-1) === addrB),
    'every request after SIGTERM was served by the other instance',
  );
  t.ok(
    triesOnA.every((x) => x.s === '503' || x.s === '502'),
    'the stopped instance served no new request',
  );
  const windows = Math.ceil((Date.now() - sigAt) / 5000);
  t.ok(
    triesOnA.length <= 2 * windows + 2,
    `nginx stopped sending to it (${triesOnA.length} attempts in ${windows} fail_timeout windows)`,
  );
});
