// Device selection: `cuda` fails loudly without a usable CUDA provider, `auto` falls
// back to the CPU with a warning, and bad specs are rejected. Runs against the real
// onnxruntime-node (which has no CUDA provider on these machines).
import t from 'tap';
import * as ort from 'onnxruntime-node';
import { createOnDevice, parseDevice, providersFor } from '../../src/worker/execution-providers.js';
import { llamaModel } from '../support/models.js';

t.test('device specs', async (t) => {
  t.same(parseDevice('cpu'), { device: 'cpu', deviceId: 0 });
  t.same(parseDevice('cuda'), { device: 'cuda', deviceId: 0 });
  t.same(parseDevice('cuda:3'), { device: 'cuda', deviceId: 3 });
  t.same(parseDevice('auto'), { device: 'auto', deviceId: 0 });
  for (const bad of ['gpu', 'cuda:', 'cuda:x', 'cpu:1', ''])
    t.throws(() => parseDevice(bad), { message: /invalid device/ }, bad);
  t.same(providersFor(parseDevice('cuda:2')), [{ name: 'cuda', deviceId: 2 }]);
  t.same(providersFor(parseDevice('cpu')), ['cpu']);
});

t.test('cuda without a usable provider fails; auto falls back to cpu', async (t) => {
  const model = `${await llamaModel()}/onnx/model.onnx`;
  const create = (executionProviders: ort.InferenceSession.ExecutionProviderConfig[]) =>
    ort.InferenceSession.create(model, { executionProviders });
  let cudaWorks = true;
  try {
    await create([{ name: 'cuda', deviceId: 0 }]);
  } catch {
    cudaWorks = false;
  }
  if (cudaWorks) {
    t.skip('this machine has a working CUDA provider', () => {});
    return;
  }
  await t.rejects(createOnDevice(parseDevice('cuda'), create), {
    message: /CUDA execution provider unavailable for device cuda:0.*ONNXRUNTIME_NODE_INSTALL=cuda12/s,
  });
  const auto = await createOnDevice(parseDevice('auto'), create);
  t.equal(auto.device, 'cpu');
  t.match(auto.warning, /CUDA unavailable .*falling back to CPU/);
  t.ok(auto.value.inputNames.includes('input_ids'));
  const cpu = await createOnDevice(parseDevice('cpu'), create);
  t.equal(cpu.device, 'cpu');
  t.equal(cpu.warning, undefined);
});
