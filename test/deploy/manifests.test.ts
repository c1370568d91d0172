// The deployment files agree with the code: every SELAR_* variable they set exists,
// probes hit the real routes, grace periods outlast the drain, the autoscaler's
// metric is one the server exports, and the images copy every file read at run time.
// (Schema validation and linting are described in docs/deployment.md.)
import t from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { ConfigSchema, envName } from '../../src/config.js';
import { ServerMetrics } from '../../src/http/metrics.js';
import type { Engine } from '../../src/engine/types.js';
import { repoRoot } from './harness.js';

const read = (p: string) => fs.readFileSync(path.join(repoRoot, p), 'utf8');
/** Variables the server reads outside the config schema. */
const EXTRA_ENV = new Set(['SELAR_CACHE_DIR']);
const knownEnv = new Set([...Object.keys(ConfigSchema.properties).map(envName), ...EXTRA_ENV]);
const drainMs = (env: Record<string, string>) => Number(env.SELAR_DRAIN_TIMEOUT_MS ?? 30_000);

interface Instruction {
  op: string;
  args: string;
}
function dockerfile(p: string): Instruction[] {
  const joined = read(p)
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  return joined.map((l) => ({ op: l.split(/\s+/)[0].toUpperCase(), args: l.slice(l.indexOf(' ') + 1).trim() }));
}
const finalStage = (ins: Instruction[]) => ins.slice(ins.map((i) => i.op).lastIndexOf('FROM'));
function envOf(ins: Instruction[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of ins.filter((x) => x.op === 'ENV')) for (const m of i.args.matchAll(/(\w+)=(\S+)/g)) out[m[1]] = m[2];
  return out;
}

/** Repository files that dist/ reads at run time (`new URL('../../X', import.meta.url)`). */
function runtimeFiles(): string[] {
  const found = new Set<string>();
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(path.join(repoRoot, dir), { withFileTypes: true })) {
      const rel = path.join(dir, e.name);
      if (e.isDirectory()) walk(rel);
      else if (rel.endsWith('.ts')) {
        for (const m of read(rel).matchAll(/new URL\('((?:\.\.\/)+[^']+)', import\.meta\.url\)/g)) {
          // Resolved from where the compiled file sits: dist/ mirrors src/.
          const target = path.relative(
            repoRoot,
            path.resolve(repoRoot, 'dist', path.relative('src', path.dirname(rel)), m[1]),
          );
          if (!target.startsWith('dist') && !/\.[jt]s$/.test(target)) found.add(target);
        }
      }
    }
  };
  walk('src');
  return [...found];
}

for (const file of ['Dockerfile', 'docker/Dockerfile.cuda']) {
  t.test(file, async (t) => {
    const all = dockerfile(file);
    const last = finalStage(all);
    const env = envOf(last);
    for (const k of Object.keys(env).filter((k) => k.startsWith('SELAR_')))
      t.ok(knownEnv.has(k), `${k} is a server setting`);
    t.equal(env.SELAR_HOST, '0.0.0.0', 'listens on all interfaces');
    t.match(env.SELAR_MODEL, /^\/app\/models\/selar-demo$/, 'the bundled demo model is the default');
    t.ok(fs.existsSync(path.join(repoRoot, 'models/selar-demo')), 'the demo model folder exists');
    const user = last.filter((i) => i.op === 'USER').at(-1)?.args ?? 'root';
    t.match(user, /^[1-9]\d*(:\d+)?$/, 'runs as a numeric non-root user (runAsNonRoot can check it)');
    t.match(last.find((i) => i.op === 'HEALTHCHECK')?.args ?? '', /\/health/, 'HEALTHCHECK on /health');
    t.match(last.find((i) => i.op === 'ENTRYPOINT')?.args ?? '', /tini/, 'tini is PID 1');
    t.match(
      last.find((i) => i.op === 'EXPOSE')?.args ?? '',
      new RegExp(`^${env.SELAR_PORT}$`),
      'EXPOSE matches SELAR_PORT',
    );
    const copies = last
      .filter((i) => i.op === 'COPY' && !i.args.startsWith('--from'))
      .map((i) => i.args.split(/\s+/)[0]);
    for (const f of runtimeFiles())
      t.ok(
        copies.some((c) => f === c || f.startsWith(`${c}/`)),
        `copies ${f} (read at run time)`,
      );
    const stages = all.filter((i) => i.op === 'FROM').length;
    t.ok(stages >= 3, 'multi-stage');
    t.match(
      all
        .filter((i) => i.op === 'RUN' && /npm ci/.test(i.args))
        .map((i) => i.args)
        .join('\n'),
      /--omit=dev/,
      'production dependencies installed separately',
    );
    if (file.endsWith('.cuda')) {
      t.equal(env.SELAR_DEVICE, 'cuda', 'SELAR_DEVICE=cuda by default');
      t.ok(
        all.some((i) => i.op === 'ENV' && /ONNXRUNTIME_NODE_INSTALL=cuda12/.test(i.args)),
        'installs the CUDA provider',
      );
    }
    // Every path the images COPY from the build context is let through .dockerignore.
    const allowed = read('.dockerignore')
      .split('\n')
      .filter((l) => l.startsWith('!'))
      .map((l) => l.slice(1).replace(/\/$/, ''));
    for (const src of all
      .filter((i) => i.op === 'COPY' && !i.args.startsWith('--from'))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1))) {
      t.ok(
        allowed.some((a) => src === a || src.startsWith(`${a}/`)),
        `.dockerignore lets ${src} through`,
      );
    }
  });
}

t.test('compose', async (t) => {
  const base = parse(read('docker/compose.yaml'));
  const cuda = parse(read('docker/compose.cuda.yaml'));
  for (const svc of [base.services.selar, cuda.services.selar]) {
    for (const k of Object.keys(svc.environment ?? {})) t.ok(knownEnv.has(k), `${k} is a server setting`);
  }
  const nginxConf = read('docker/nginx.conf');
  t.match(nginxConf, /^\s*server selar:8000 /m, 'nginx upstream is the `selar` service on the image port');
  t.ok(
    base.services.nginx.volumes.some((v: string) => v.startsWith('./nginx.conf:/etc/nginx/nginx.conf')),
    'nginx runs docker/nginx.conf',
  );
  const grace = Number(/^(\d+)s$/.exec(base.services.selar.stop_grace_period)?.[1]);
  t.ok(
    grace * 1000 >
      drainMs({
        SELAR_DRAIN_TIMEOUT_MS: String(base.services.selar.environment.SELAR_DRAIN_TIMEOUT_MS).replace(
          /^\$\{[^:]+:-(\d+)\}$/,
          '$1',
        ),
      }),
    'stop_grace_period outlasts the drain',
  );
  t.equal(cuda.services.selar.build.dockerfile, 'docker/Dockerfile.cuda');
  t.ok(
    cuda.services.selar.deploy.resources.reservations.devices[0].capabilities.includes('gpu'),
    'CUDA replicas reserve a GPU',
  );
});

t.test('kubernetes', async (t) => {
  const docs = fs
    .readdirSync(path.join(repoRoot, 'docker/k8s'))
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => parseAllDocuments(read(`docker/k8s/${f}`)).map((d) => ({ file: f, obj: d.toJS() })));
  const deployments = docs.filter((d) => d.obj.kind === 'Deployment');
  t.same(deployments.map((d) => d.file).sort(), ['deployment-cuda.yaml', 'deployment.yaml']);
  const image = envOf(finalStage(dockerfile('Dockerfile')));
  for (const { file, obj } of deployments) {
    const pod = obj.spec.template.spec;
    const c = pod.containers[0];
    const env = Object.fromEntries(c.env.map((e: { name: string; value?: string }) => [e.name, e.value ?? '']));
    for (const k of Object.keys(env)) t.ok(knownEnv.has(k), `${file}: ${k} is a server setting`);
    t.equal(c.readinessProbe.httpGet.path, '/ready', `${file}: readiness on /ready`);
    t.equal(c.livenessProbe.httpGet.path, '/health', `${file}: liveness on /health`);
    t.equal(c.ports[0].containerPort, Number(image.SELAR_PORT), `${file}: port is the image's SELAR_PORT`);
    const preStop = Number(c.lifecycle.preStop.exec.command[1]);
    t.ok(
      pod.terminationGracePeriodSeconds >= preStop + drainMs(env) / 1000 + 5,
      `${file}: grace period covers preStop + drain`,
    );
    t.equal(pod.securityContext.runAsNonRoot, true, `${file}: non-root`);
    t.same(
      obj.spec.selector.matchLabels,
      Object.fromEntries(
        Object.entries(obj.spec.template.metadata.labels).filter(([k]) => k in obj.spec.selector.matchLabels),
      ),
      `${file}: selector matches the pod labels`,
    );
    if (file.includes('cuda')) {
      t.equal(c.resources.limits['nvidia.com/gpu'], 1, `${file}: requests one GPU`);
      t.equal(env.SELAR_DEVICE, 'cuda', `${file}: SELAR_DEVICE=cuda`);
    }
  }
  const service = docs.find((d) => d.obj.kind === 'Service')!.obj;
  for (const { obj } of deployments) {
    const labels = obj.spec.template.metadata.labels;
    t.ok(
      Object.entries(service.spec.selector).every(([k, v]) => labels[k] === v),
      `the Service selects ${obj.metadata.name}'s pods`,
    );
  }
  const fakeEngine = {
    stats: () => ({ queued: 0, running: 0, queueCapacity: 1, readyWorkers: 1, failedWorkers: 0 }),
  } as unknown as Engine;
  const exported = new ServerMetrics(fakeEngine).registry.render();
  for (const { file, obj } of docs.filter((d) => d.obj.kind === 'HorizontalPodAutoscaler')) {
    t.ok(
      deployments.some((d) => d.obj.metadata.name === obj.spec.scaleTargetRef.name),
      `${file}: targets a Deployment defined here`,
    );
    for (const m of obj.spec.metrics.filter((x: { type: string }) => x.type === 'Pods')) {
      t.match(
        exported,
        new RegExp(`^${m.pods.metric.name} `, 'm'),
        `${file}: ${m.pods.metric.name} is exported on /metrics`,
      );
    }
  }
});
