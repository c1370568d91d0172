// Device selection for onnxruntime-node sessions. `cuda` must work or fail loudly;
// `auto` falls back to CPU with a warning (ORT refuses to create a session when the
// CUDA provider libraries are missing, even with 'cpu' listed after it).
import type * as ort from 'onnxruntime-node';

export interface DeviceChoice {
  device: 'cpu' | 'cuda' | 'auto';
  deviceId: number;
}

export function parseDevice(spec: string): DeviceChoice {
  const m = /^(cpu|cuda|auto)(?::(\d+))?$/.exec(spec.trim());
  if (!m) throw new Error(`invalid device "${spec}": expected cpu, cuda, cuda:N or auto`);
  const device = m[1] as DeviceChoice['device'];
  if (device === 'cpu' && m[2] !== undefined) throw new Error(`invalid device "${spec}": cpu takes no index`);
  return { device, deviceId: m[2] ? Number(m[2]) : 0 };
}

export function providersFor(choice: DeviceChoice): Array<ort.InferenceSession.ExecutionProviderConfig> {
  return choice.device === 'cpu' ? ['cpu'] : [{ name: 'cuda', deviceId: choice.deviceId }];
}

/**
 * Creates a session on the requested device. Returns the device actually used and,
 * for `auto` falling back to CPU, the reason as a warning.
 */
export async function createOnDevice<T>(
  choice: DeviceChoice,
  create: (providers: Array<ort.InferenceSession.ExecutionProviderConfig>) => Promise<T>,
): Promise<{ value: T; device: string; warning?: string }> {
  if (choice.device === 'cpu') return { value: await create(['cpu']), device: 'cpu' };
  try {
    return { value: await create(providersFor(choice)), device: `cuda:${choice.deviceId}` };
  } catch (err) {
    const reason = (err as Error).message.split('\n')[0];
    if (choice.device === 'cuda') {
      throw new Error(
        `CUDA execution provider unavailable for device cuda:${choice.deviceId}: ${reason}. ` +
          'Install onnxruntime-node with ONNXRUNTIME_NODE_INSTALL=cuda12 ' +
          'and make CUDA 12 + cuDNN 9 libraries loadable, or use --device cpu|auto.',
      );
    }
    return {
      value: await create(['cpu']),
      device: 'cpu',
      warning: `CUDA unavailable (${reason}); falling back to CPU`,
    };
  }
}
