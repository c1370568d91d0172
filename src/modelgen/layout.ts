// The Hugging Face Optimum folder layout shared by every generated model:
// config.json, generation_config.json, tokenizer files at the top, the graph
// (and its external data) under onnx/.
import fs from 'node:fs';
import path from 'node:path';
import { encodeModel, type ModelProto } from '../onnx/proto.js';
import { ExternalDataWriter } from './graph.js';

export interface OptimumPaths {
  dir: string;
  modelPath: string;
  dataPath: string;
}

export function optimumPaths(dir: string): OptimumPaths {
  const onnxDir = path.join(dir, 'onnx');
  return { dir, modelPath: path.join(onnxDir, 'model.onnx'), dataPath: path.join(onnxDir, 'model.onnx_data') };
}

/** Creates the folder and, when asked, the external data file, removing a stale one otherwise. */
export function startModelFolder(paths: OptimumPaths, externalData: boolean): ExternalDataWriter | null {
  fs.mkdirSync(path.dirname(paths.modelPath), { recursive: true });
  if (externalData) return new ExternalDataWriter(paths.dataPath);
  fs.rmSync(paths.dataPath, { force: true });
  return null;
}

export function writeJson(file: string, value: unknown): void {
  fs.writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
}

export function finishModelFolder(paths: OptimumPaths, model: ModelProto, external: ExternalDataWriter | null): void {
  external?.close();
  fs.writeFileSync(paths.modelPath, encodeModel(model));
}
