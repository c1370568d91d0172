// The input/output contract of an Optimum decoder export (input_ids,
// attention_mask, position_ids, past_key_values.N.key/value in; logits and
// present.N.key/value out), shared by every generated model.
import { DataType } from '../onnx/proto.js';
import type { GraphBuilder } from './graph.js';

export type ModelDtype = 'float32' | 'float16';

export function elemType(dtype: ModelDtype): number {
  return dtype === 'float16' ? DataType.FLOAT16 : DataType.FLOAT;
}

export interface DecoderIoSpec {
  layers: number;
  kvHeads: number;
  headDim: number;
  vocab: number;
  dtype: ModelDtype;
  logitsType: number;
}

export function declareDecoderInputs(b: GraphBuilder, spec: DecoderIoSpec): void {
  b.input('input_ids', DataType.INT64, ['batch_size', 'sequence_length']);
  b.input('attention_mask', DataType.INT64, ['batch_size', 'total_sequence_length']);
  b.input('position_ids', DataType.INT64, ['batch_size', 'sequence_length']);
  for (let i = 0; i < spec.layers; i++) {
    for (const kind of ['key', 'value']) {
      b.input(`past_key_values.${i}.${kind}`, elemType(spec.dtype), [
        'batch_size',
        spec.kvHeads,
        'past_sequence_length',
        spec.headDim,
      ]);
    }
  }
}

export function declareDecoderOutputs(b: GraphBuilder, spec: DecoderIoSpec): void {
  b.output('logits', spec.logitsType, ['batch_size', 'sequence_length', spec.vocab]);
  for (let i = 0; i < spec.layers; i++) {
    for (const kind of ['key', 'value']) {
      b.output(`present.${i}.${kind}`, elemType(spec.dtype), [
        'batch_size',
        spec.kvHeads,
        'past_sequence_length + sequence_length',
        spec.headDim,
      ]);
    }
  }
}

export interface SequenceDims {
  /** Batch size as a 1-element int64 tensor, ready to Concat into a shape. */
  batch: string;
  /** Sequence length (new tokens) as a 1-element int64 tensor. */
  seq: string;
  /** Sequence length as an int64 scalar. */
  seqScalar: string;
}

/**
 * Batch and sequence sizes read from Shape(input_ids), the way torch exports
 * read them: a converter to inputs_embeds has to rewrite this Shape node.
 */
export function sequenceDimsFromInputIds(b: GraphBuilder): SequenceDims {
  const shape = b.op('/model/Shape', 'Shape', ['input_ids']);
  const batchScalar = b.op('/model/Gather', 'Gather', [shape, b.int64([0], [])], { axis: 0 });
  const seqScalar = b.op('/model/Gather', 'Gather', [shape, b.int64([1], [])], { axis: 0 });
  const batch = b.op('/model/Unsqueeze', 'Unsqueeze', [batchScalar, b.int64([0])]);
  const seq = b.op('/model/Unsqueeze', 'Unsqueeze', [seqScalar, b.int64([0])]);
  return { batch, seq, seqScalar };
}
