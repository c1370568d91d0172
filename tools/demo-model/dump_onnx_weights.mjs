// Writes the initializers of an exported demo model as raw float32 files plus an index,
// so ckpt_from_onnx.py can rebuild the PyTorch checkpoint (and training can continue
// from the committed model without the original checkpoint).
// usage: node tools/demo-model/dump_onnx_weights.mjs MODEL_DIR OUT_DIR
import fs from 'node:fs';
import path from 'node:path';
import protobuf from 'protobufjs';

const [dir, out] = process.argv.slice(2);
const root = await protobuf.load(path.resolve('src/onnx/onnx.proto3'));
const g = root.lookupType('onnx.ModelProto').decode(fs.readFileSync(path.join(dir, 'onnx', 'model.onnx'))).graph;
// torch.onnx names transposed Linear weights "onnx::MatMul_N"; the consuming node's name
// (/model/layers.0/self_attn/q_proj/MatMul) says which parameter it was.
const consumer = new Map();
for (const n of g.node) for (const i of n.input) if (!consumer.has(i)) consumer.set(i, n);
fs.mkdirSync(out, { recursive: true });
const index = [];
for (const t of g.initializer) {
  if (t.dims.length === 0 || t.dataType !== 1) continue;
  const node = consumer.get(t.name);
  const linear = node?.opType === 'MatMul' && /^\/model\/(.+)\/MatMul$/.exec(node.name);
  const param = linear ? `${linear[1].replaceAll('/', '.')}.weight` : t.name.replace(/^model\./, '');
  const file = `${index.length}.f32`;
  fs.writeFileSync(path.join(out, file), t.rawData);
  index.push({ param, dims: t.dims.map(Number), transposed: Boolean(linear), file });
}
fs.writeFileSync(path.join(out, 'index.json'), JSON.stringify(index, null, 1));
console.log(`${index.length} tensors -> ${out}`);
