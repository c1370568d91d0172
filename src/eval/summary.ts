// The run's summary: what was run, on what, and the metrics per configuration.
// Written as summary.json; the Markdown table and the plot are rendered from it.
import type { DecodingConfig } from './configs.js';
import type { ConfigMetrics } from './metrics.js';

export interface EvalSummary {
  createdAt: string;
  /** The command line that reproduces the run (with the same --out it resumes). */
  command: string;
  model: string;
  /** "in-process (models/x)" or the server's base URL. */
  endpoint: string;
  dataset: { path: string; problems: number; bySteps: Record<string, number> };
  concurrency: number;
  configs: Array<Pick<DecodingConfig, 'name' | 'preset' | 'samples' | 'request'>>;
  metrics: ConfigMetrics[];
}
