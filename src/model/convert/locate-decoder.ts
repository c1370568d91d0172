// Which ONNX file in a model folder is the decoder: onnxruntime-genai folders name it
// in genai_config.json; Optimum folders keep onnx/model{_dtype}.onnx or, in the split
// form, onnx/decoder_model_merged{_dtype}.onnx.
import fs from 'node:fs';
import path from 'node:path';
import { ModelLoadError } from '../../errors.js';

function genaiDecoder(dir: string): string | undefined {
  const configFile = path.join(dir, 'genai_config.json');
  if (!fs.existsSync(configFile)) return undefined;
  let config: { model?: { decoder?: { filename?: unknown } } };
  try {
    config = JSON.parse(fs.readFileSync(configFile, 'utf8'));
  } catch (e) {
    throw new ModelLoadError(`invalid JSON (${(e as Error).message})`, configFile);
  }
  const name = config.model?.decoder?.filename;
  if (typeof name !== 'string') throw new ModelLoadError('model.decoder.filename is missing', configFile);
  const file = path.join(dir, name);
  if (!fs.existsSync(file))
    throw new ModelLoadError(`decoder file ${name} named in genai_config.json is missing`, file);
  return file;
}

/** `dtype` selects a variant: fp32 (or none) is model.onnx, q4 is model_q4.onnx, and so on. */
export function locateDecoder(dirOrFile: string, dtype?: string): string {
  const target = path.resolve(dirOrFile);
  if (!fs.existsSync(target)) throw new ModelLoadError('model folder not found', target);
  if (fs.statSync(target).isFile()) return target;
  const genai = genaiDecoder(target);
  if (genai) return genai;
  const suffix = dtype && dtype !== 'fp32' ? `_${dtype}` : '';
  const candidates = [`model${suffix}.onnx`, `decoder_model_merged${suffix}.onnx`, `decoder_model${suffix}.onnx`];
  for (const sub of ['onnx', '.']) {
    for (const name of candidates) {
      const file = path.join(target, sub, name);
      if (fs.existsSync(file)) return file;
    }
  }
  const onnxDir = path.join(target, 'onnx');
  const present = fs.existsSync(onnxDir) ? fs.readdirSync(onnxDir).filter((f) => f.endsWith('.onnx')) : [];
  throw new ModelLoadError(
    `no decoder for dtype ${dtype ?? 'fp32'} (looked for onnx/${candidates.join(', onnx/')}; found ` +
      `${present.length ? present.join(', ') : 'no .onnx files'})`,
    target,
  );
}
