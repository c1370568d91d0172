// The onnxruntime session options every decode worker uses. The benchmark's floor
// and its transformers.js rows open their sessions with the same ones, so the
// comparison is between loops, not between ORT settings.
import type * as ort from 'onnxruntime-node';

export function sessionOptions(intraOpThreads: number): ort.InferenceSession.SessionOptions {
  return {
    intraOpNumThreads: intraOpThreads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    // Idle intra-op threads spin by default: on a machine whose cores are shared (other
    // workers, the HTTP thread, other processes) that burns the cores the next step
    // needs. Measured by the benchmark: 1.2× on the demo model, up to 1.9× under load.
    // Session config entries go under `extra`; the binding flattens them to
    // "session.intra_op.allow_spinning".
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
}
