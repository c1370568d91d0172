// Opening a derived model whose weights stay in the user's external-data file.
// ORT resolves `location` against the model file's folder and refuses escapes, so a
// graph in the cache folder is loaded from bytes with the external-data folder given
// explicitly (session config `session.model_external_initializers_file_folder_path`).
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';

export interface SessionSource {
  decoderPath: string;
  externalDataDir: string | null;
}

const FOLDER_KEY = 'model_external_initializers_file_folder_path';

export async function createSession(
  source: SessionSource,
  options: ort.InferenceSession.SessionOptions = {},
): Promise<ort.InferenceSession> {
  const { decoderPath, externalDataDir } = source;
  if (externalDataDir === null || path.resolve(path.dirname(decoderPath)) === path.resolve(externalDataDir)) {
    return ort.InferenceSession.create(decoderPath, options);
  }
  const extra = (options.extra ?? {}) as Record<string, unknown>;
  const session = (extra.session ?? {}) as Record<string, unknown>;
  const merged: ort.InferenceSession.SessionOptions = {
    ...options,
    extra: { ...extra, session: { ...session, [FOLDER_KEY]: path.resolve(externalDataDir) } },
  };
  // The graph itself is small (weights are external), so reading it into memory is cheap.
  return ort.InferenceSession.create(fs.readFileSync(decoderPath), merged);
}
