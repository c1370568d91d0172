// Prints the exported graph's interface, opset and the embedding Gather (the node the
// engine rewrites to feed inputs_embeds), using the vendored onnx.proto3.
// usage: node tools/demo-model/inspect_onnx.mjs MODEL_DIR
import fs from 'node:fs';
import path from 'node:path';
import protobuf from 'protobufjs';

const dir = process.argv[2];
const root = await protobuf.load(path.resolve('src/onnx/onnx.proto3'));
const Model = root.lookupType('onnx.ModelProto');
const m = Model.decode(fs.readFileSync(path.join(dir, 'onnx', 'model.onnx')));
const g = m.graph;
const elem = { 1: 'float32', 7: 'int64', 11: 'float64' };
const shape = (t) => t.type.tensorType.shape.dim.map((d) => d.dimParam || String(d.dimValue)).join(', ');
const desc = (v) => `${v.name} ${elem[v.type.tensorType.elemType] ?? v.type.tensorType.elemType} [${shape(v)}]`;
console.log(
  'opset',
  m.opsetImport.map((o) => `${o.domain || 'ai.onnx'}:${o.version}`).join(' '),
  'ir',
  String(m.irVersion),
);
console.log('inputs:\n  ' + g.input.map(desc).join('\n  '));
console.log('outputs:\n  ' + g.output.map(desc).join('\n  '));
const inits = new Map(g.initializer.map((t) => [t.name, t]));
for (const n of g.node.filter((n) => n.opType === 'Gather' && n.input[1] === 'input_ids')) {
  const w = inits.get(n.input[0]);
  console.log(`embedding: Gather node "${n.name}" data=${n.input[0]} dims=[${w?.dims.join(', ')}] -> ${n.output[0]}`);
}
const ops = {};
for (const n of g.node) ops[n.opType] = (ops[n.opType] ?? 0) + 1;
console.log('ops', JSON.stringify(ops));
