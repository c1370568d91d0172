// Writes a quantized export in the form the Hub's q4 exports take (Optimum /
// transformers.js `onnx/model_q4.onnx`): input_ids in, MatMulNBits weights, and the
// embedding lookup a com.microsoft GatherBlockQuantized over a block-quantized table
// (sharing the LM head's scales where the two are tied). The model generator uses it to
// make such folders for tests and benchmarks; the server's own path is quantizeDecoder.
import path from 'node:path';
import { DataType, encodeModel, readModel } from '../../onnx/proto.js';
import type { TensorProto } from '../../onnx/proto.js';
import { attrInt, initializer, intAttr, removeDeadCode } from '../convert/graph.js';
import { dimsOf, hasExternalData } from '../convert/tensor-data.js';
import { writeFileAtomic } from '../convert/cache.js';
import type { QuantizeSpec } from '../convert/types.js';
import { blockFor } from './blockwise.js';
import { quantizeMatMuls, quantizedTensors, type Quantized } from './quantize-decoder.js';
import { DataFileWriter, relocateWeights, tensorFloats } from './weights.js';

const MS = 'com.microsoft';

export interface QuantizedExport {
  matmulsQuantized: number;
  matmulsKept: number;
  /** Embedding lookups turned into GatherBlockQuantized. */
  gathersQuantized: number;
}

export function writeQuantizedExport(srcFile: string, outFile: string, spec: QuantizeSpec): QuantizedExport {
  const model = readModel(srcFile);
  const dataDir = path.dirname(srcFile);
  const external = hasExternalData(model.graph);
  const { done, quantized, kept } = quantizeMatMuls(model, dataDir, spec, srcFile);
  const graph = model.graph;
  let gathers = 0;
  for (const n of graph.node) {
    if (n.opType !== 'Gather' || (n.domain && n.domain !== 'ai.onnx') || attrInt(n, 'axis', 0) !== 0) continue;
    const t = initializer(graph, n.input[0]);
    if (!t || (t.dataType !== DataType.FLOAT && t.dataType !== DataType.FLOAT16)) continue;
    const [rows, dim] = dimsOf(t);
    const block = blockFor(dim, spec.blockSize);
    if (dimsOf(t).length !== 2 || block === null) continue;
    let q: Quantized | undefined = done.get(t);
    if (!q || q.weight.n !== rows) {
      const w = { tensor: t, rowsFirst: true, k: dim, n: rows };
      q = quantizedTensors(
        `${t.name}_gather`,
        w,
        tensorFloats(t, dataDir, srcFile),
        { ...spec, blockSize: block },
        t.dataType === DataType.FLOAT16,
      );
      graph.initializer.push(q.scales, ...(q.zeroPoints ? [q.zeroPoints] : []));
    }
    const data: TensorProto = {
      name: `${t.name}_gather_Q${spec.bits}`,
      dims: [rows, (dim * spec.bits) / 8],
      dataType: DataType.UINT8,
      rawData: q.weight.data,
    };
    graph.initializer.push(data);
    n.opType = 'GatherBlockQuantized';
    n.domain = MS;
    n.input = [data.name!, n.input[1], q.scales.name!, ...(q.zeroPoints ? [q.zeroPoints.name!] : [])];
    n.attribute = [
      intAttr('gather_axis', 0),
      intAttr('quantize_axis', 1),
      intAttr('block_size', dim / q.weight.kBlocks),
      intAttr('bits', spec.bits),
    ];
    gathers++;
  }
  removeDeadCode(graph);
  if (external) {
    const writer = new DataFileWriter(`${outFile}_data`);
    try {
      relocateWeights(graph, writer, dataDir, srcFile, new Set());
    } finally {
      writer.close();
    }
  }
  writeFileAtomic(outFile, encodeModel(model));
  return { matmulsQuantized: quantized, matmulsKept: kept, gathersQuantized: gathers };
}
