// Real processes for the deployment tests: selar-server instances (dist/cli/main.js),
// Debian's nginx running the repository's docker/nginx.conf, and a small HTTP/SSE
// client that records when each frame arrived. Every child is killed at teardown.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';

export const repoRoot = path.resolve(import.meta.dirname, '../..');
export const distMain = path.join(repoRoot, 'dist/cli/main.js');
export const nginxConfSource = path.join(repoRoot, 'docker/nginx.conf');

export function findNginx(): string | null {
  const candidates = [
    '/usr/sbin/nginx',
    ...(process.env.PATH ?? '')
      .split(':')
      .filter(Boolean)
      .map((d) => path.join(d, 'nginx')),
  ];
  return candidates.find((c) => fs.existsSync(c) && spawnSync(c, ['-v']).status === 0) ?? null;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Replaces exactly one match, so a drifting docker/nginx.conf fails the test loudly. */
function replaceEach(
  text: string,
  re: RegExp,
  replacement: (m: RegExpMatchArray) => string,
  what: string,
  count = 1,
): string {
  const matches = [...text.matchAll(new RegExp(re.source, re.flags.includes('g') ? re.flags : re.flags + 'g'))];
  if (matches.length !== count)
    throw new Error(`docker/nginx.conf: expected ${count} ${what}, found ${matches.length}`);
  let out = text;
  for (const m of matches.reverse()) out = out.slice(0, m.index) + replacement(m) + out.slice(m.index! + m[0].length);
  return out;
}

/**
 * docker/nginx.conf with loopback addresses: each `server selar:8000 PARAMS;` line
 * becomes one line per instance with the same PARAMS, `listen 8080` becomes the
 * test port, logs/pid/temp files go under `dir`. Nothing else changes.
 */
export function nginxTestConfig(opts: {
  upstreamPorts: number[];
  listenPort: number;
  dir: string;
  source?: string;
}): string {
  let conf = opts.source ?? fs.readFileSync(nginxConfSource, 'utf8');
  // Two upstream blocks (least_conn, and the affinity hash) list the same replicas.
  conf = replaceEach(
    conf,
    /^(\s*)server selar:8000((?: [^;\n]+)?);$/m,
    (m) => opts.upstreamPorts.map((p) => `${m[1]}server 127.0.0.1:${p}${m[2]};`).join('\n'),
    '`server selar:8000` lines',
    2,
  );
  conf = replaceEach(
    conf,
    /^(\s*)listen 8080;$/m,
    (m) => `${m[1]}listen 127.0.0.1:${opts.listenPort};`,
    '`listen 8080;` line',
  );
  conf = replaceEach(
    conf,
    /access_log \/var\/log\/nginx\/access\.log selar;/,
    () => `access_log ${path.join(opts.dir, 'access.log')} selar;`,
    'access_log line',
  );
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((k) => `    ${k}_temp_path ${path.join(opts.dir, `${k}_temp`)};`)
    .join('\n');
  conf = replaceEach(conf, /^http \{$/m, (m) => `${m[0]}\n${temp}`, '`http {` line');
  return `pid ${path.join(opts.dir, 'nginx.pid')};\nerror_log ${path.join(opts.dir, 'error.log')} warn;\n${conf}`;
}

/** Direct children of `pid` (nginx's workers), read from /proc. */
function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // the process went away while we looked
    }
  }
  return out;
}

export class Proc {
  output = '';
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    const keep = (d: Buffer) => {
      this.output = (this.output + d.toString()).slice(-20_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) =>
      child.on('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      }),
    );
  }

  get alive(): boolean {
    return this.exitInfo === null;
  }

  /** Sends `signal`, waits up to `graceMs`, then SIGKILLs the process and its direct children. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<void> {
    if (!this.alive) return;
    const kids = childPids(this.child.pid!);
    this.child.kill(signal);
    const timedOut = await Promise.race([this.exited.then(() => false), sleep(graceMs).then(() => true)]);
    if (timedOut) this.child.kill('SIGKILL');
    for (const k of kids) {
      try {
        process.kill(k, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await this.exited;
  }
}

const children = new Set<Proc>();
function killAllSync(): void {
  for (const p of children) if (p.alive) p.child.kill('SIGKILL');
}
process.on('exit', killAllSync);

export function track(p: Proc): Proc {
  children.add(p);
  return p;
}

/** Environment for a server: the parent's, minus any SELAR_* setting, plus `extra`. */
export function serverEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SELAR_')));
  return { ...env, ...extra };
}

export function startServer(name: string, modelDir: string, port: number, env: Record<string, string>): Proc {
  const child = spawn(
    process.execPath,
    [distMain, 'serve', '--model', modelDir, '--host', '127.0.0.1', '--port', String(port)],
    {
      cwd: repoRoot,
      env: serverEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return track(new Proc(name, child));
}

export function startNginx(bin: string, dir: string, confFile: string): Proc {
  const child = spawn(bin, ['-p', `${dir}/`, '-e', path.join(dir, 'error.log'), '-c', confFile, '-g', 'daemon off;'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return track(new Proc('nginx', child));
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export function request(
  port: number,
  method: string,
  urlPath: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: urlPath,
        agent: false,
        headers: {
          ...headers,
          ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/** Polls GET /ready until 200, failing early when the process dies. */
export async function waitReady(p: Proc, port: number, timeoutMs = 120_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (!p.alive) throw new Error(`${p.name} exited before it was ready (${JSON.stringify(p.exitInfo)}):\n${p.output}`);
    try {
      if ((await request(port, 'GET', '/ready')).status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${p.name} not ready after ${timeoutMs} ms:\n${p.output}`);
}

export async function waitListening(p: Proc, port: number, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (!p.alive) throw new Error(`${p.name} exited (${JSON.stringify(p.exitInfo)}):\n${p.output}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`${p.name} not listening on ${port} after ${timeoutMs} ms:\n${p.output}`);
}

export interface Frame {
  /** ms since the request was sent */
  t: number;
  data: string;
}

export interface StreamReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  frames: Frame[];
  /** SSE data frames completed by each socket read that completed any */
  framesPerRead: number[];
  /** ms from sending to the end of the response */
  totalMs: number;
  /** the body when the reply was not an event stream */
  body: string;
}

/** POSTs a streamed request and timestamps every `data:` frame as it completes. */
export function postStream(port: number, urlPath: string, body: unknown): Promise<StreamReply> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const t0 = performance.now();
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: urlPath,
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
      },
      (res) => {
        const out: StreamReply = {
          status: res.statusCode ?? 0,
          headers: res.headers,
          frames: [],
          framesPerRead: [],
          totalMs: 0,
          body: '',
        };
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          const t = performance.now() - t0;
          out.body += chunk;
          buf += chunk;
          let n = 0;
          let end: number;
          while ((end = buf.indexOf('\n\n')) >= 0) {
            const event = buf.slice(0, end);
            buf = buf.slice(end + 2);
            const lines = event
              .split('\n')
              .filter((l) => l.startsWith('data: '))
              .map((l) => l.slice(6));
            if (lines.length) {
              out.frames.push({ t, data: lines.join('\n') });
              n++;
            }
          }
          if (n) out.framesPerRead.push(n);
        });
        res.on('end', () => {
          out.totalMs = performance.now() - t0;
          resolve(out);
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/** Problems with a streamed chat completion that should have run to max_tokens; [] when none. */
export function streamProblems(r: StreamReply, maxTokens: number): string[] {
  const problems: string[] = [];
  if (r.status !== 200) return [`status ${r.status}: ${r.body.slice(0, 300)}`];
  if (!String(r.headers['content-type']).startsWith('text/event-stream'))
    problems.push(`content-type ${r.headers['content-type']}`);
  const last = r.frames.at(-1);
  if (last?.data !== '[DONE]') problems.push(`last frame is not [DONE]: ${last?.data.slice(0, 200)}`);
  let finish: string | null = null;
  let usage: { completion_tokens?: number } | null = null;
  for (const f of r.frames.slice(0, -1)) {
    let chunk: {
      error?: unknown;
      choices?: Array<{ finish_reason?: string | null }>;
      usage?: { completion_tokens?: number } | null;
    };
    try {
      chunk = JSON.parse(f.data);
    } catch {
      problems.push(`not JSON: ${f.data.slice(0, 200)}`);
      continue;
    }
    if (chunk.error) problems.push(`error frame: ${JSON.stringify(chunk.error)}`);
    for (const c of chunk.choices ?? []) if (c.finish_reason) finish = c.finish_reason;
    if (chunk.usage) usage = chunk.usage;
  }
  if (finish !== 'length') problems.push(`finish_reason ${finish}`);
  if (usage?.completion_tokens !== maxTokens)
    problems.push(`completion_tokens ${usage?.completion_tokens}, expected ${maxTokens}`);
  return problems;
}

/** Sum of a Prometheus counter's samples whose labels include every `labels` pair. */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-z_:][a-z0-9_:]*)(\{[^}]*\})? (\S+)$/i.exec(line);
    if (!m || m[1] !== name) continue;
    if (Object.entries(labels).every(([k, v]) => (m[2] ?? '').includes(`${k}="${v}"`))) sum += Number(m[3]);
  }
  return sum;
}

export interface AccessLine {
  /** epoch ms when nginx received the request */
  start: number;
  status: number;
  request: string;
  upstreams: string[];
  upstreamStatuses: string[];
}

/** Parses docker/nginx.conf's `selar` log format. */
export function readAccessLog(file: string): AccessLine[] {
  if (!fs.existsSync(file)) return [];
  const out: AccessLine[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /"([^"]*)" (\d+) \d+ rt=([\d.]+) msec=([\d.]+) upstream=(.+?) upstream_status=(.+?) id=/.exec(line);
    if (!m) continue;
    out.push({
      request: m[1],
      status: Number(m[2]),
      start: (Number(m[4]) - Number(m[3])) * 1000,
      upstreams: m[5].split(', '),
      upstreamStatuses: m[6].split(', '),
    });
  }
  return out;
}
