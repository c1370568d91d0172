// Dependencies between the folders of src/ point one way: no two folders import each
// other (types included), so shared types live in the lower one.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';

const src = path.resolve(import.meta.dirname, '../src');

/** The folder of src/ a file belongs to ('config' for src/config.ts). */
const area = (file: string) => path.relative(src, file).split(path.sep)[0].replace(/\.ts$/, '');

function imports(): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>();
  const files = fs.readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  for (const rel of files) {
    // The playground's browser client is a separate program with its own tsconfig.
    if (rel.startsWith(path.join('playground', 'client'))) continue;
    const file = path.join(src, rel);
    for (const m of fs.readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)) {
      const [from, to] = [area(file), area(path.resolve(path.dirname(file), m[1]))];
      if (from === to) continue;
      if (!edges.has(from)) edges.set(from, new Set());
      edges.get(from)!.add(to);
    }
  }
  return edges;
}

t.test('no two folders of src/ import each other', async (t) => {
  const edges = imports();
  t.ok(edges.get('worker')?.has('engine'), 'the scan sees imports (worker uses the engine types)');
  const cycles: string[] = [];
  for (const [a, targets] of edges)
    for (const b of targets) if (a < b && edges.get(b)?.has(a)) cycles.push(`${a} <-> ${b}`);
  t.same(cycles, []);
});
