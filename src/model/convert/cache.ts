// Where derived files go and when they can be reused. The key covers the model file's
// real path, size and mtime and the converter version, so editing or replacing the
// model (or changing the converter) yields a fresh folder instead of stale output.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Bump when derived graphs change shape or meaning; old cache folders are then ignored. */
export const CONVERTER_VERSION = 6;

export function defaultCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SELAR_CACHE_DIR) return env.SELAR_CACHE_DIR;
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'selar-server');
}

export function sourceKey(modelPath: string, extra: string): string {
  const real = fs.realpathSync(modelPath);
  const st = fs.statSync(real);
  const h = crypto.createHash('sha256');
  h.update(JSON.stringify([real, st.size, st.mtimeMs, CONVERTER_VERSION, extra]));
  return h.digest('hex').slice(0, 24);
}

/** Writes via a temp file and rename, so a reader never sees half a file. */
export function writeFileAtomic(file: string, data: Uint8Array | string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/** File names of one derivation: fixed names in a cache folder, prefixed ones next to the model. */
export interface OutputLayout {
  dir: string;
  manifest: string;
  decoder: string;
  embeddingModel: string;
  embeddingTable: string;
}

export function cacheLayout(root: string, key: string): OutputLayout {
  const dir = path.join(root, key);
  return {
    dir,
    manifest: path.join(dir, 'manifest.json'),
    decoder: path.join(dir, 'decoder.onnx'),
    embeddingModel: path.join(dir, 'embedding.onnx'),
    embeddingTable: path.join(dir, 'embedding.bin'),
  };
}

export function inPlaceLayout(modelPath: string): OutputLayout {
  const dir = path.dirname(modelPath);
  const stem = path.basename(modelPath).replace(/\.onnx$/, '');
  return {
    dir,
    manifest: path.join(dir, `${stem}.selar-embeds.json`),
    decoder: path.join(dir, `${stem}.embeds.onnx`),
    embeddingModel: path.join(dir, `${stem}.embedding.onnx`),
    embeddingTable: path.join(dir, `${stem}.embedding.bin`),
  };
}

/** Files of a quantized variant: its own folder in the cache, or `stem.embeds.q4.*` next to the model. */
export interface QuantizedLayout {
  dir: string;
  manifest: string;
  decoder: string;
  data: string;
  embeddingModel: string;
}

export function quantizedCacheLayout(root: string, key: string): QuantizedLayout {
  const dir = path.join(root, key);
  return {
    dir,
    manifest: path.join(dir, 'manifest.json'),
    decoder: path.join(dir, 'decoder.onnx'),
    data: path.join(dir, 'decoder.onnx_data'),
    embeddingModel: path.join(dir, 'embedding.onnx'),
  };
}

export function quantizedInPlaceLayout(modelPath: string, tag: string): QuantizedLayout {
  const dir = path.dirname(modelPath);
  const stem = `${path.basename(modelPath).replace(/\.onnx$/, '')}.embeds.${tag}`;
  return {
    dir,
    manifest: path.join(dir, `${stem}.selar-embeds.json`),
    decoder: path.join(dir, `${stem}.onnx`),
    data: path.join(dir, `${stem}.onnx_data`),
    embeddingModel: path.join(dir, `${stem}.embedding.onnx`),
  };
}

export interface Manifest<T> {
  key: string;
  derived: T;
  files: string[];
}

/** The cached result when its key matches and every file it names still exists. */
export function readManifest<T>(file: string, key: string): T | undefined {
  let m: Manifest<T>;
  try {
    m = JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest<T>;
  } catch {
    return undefined;
  }
  if (m.key !== key || !m.files.every((f) => fs.existsSync(f))) return undefined;
  return m.derived;
}

export function writeManifest<T>(file: string, key: string, derived: T, files: string[]): void {
  writeFileAtomic(file, JSON.stringify({ key, derived, files } satisfies Manifest<T>, null, 2) + '\n');
}
