// The SelarParams fields beyond SeLaR's own at the shipped --selar-* defaults (no think_end,
// no noise, Soft Thinking's knobs as its code ships them), for callers that build
// SelarParams without a serving context (bench, tests).
import type { SelarParams } from '../../engine/types.js';

export const SELAR_EXTRAS: Pick<
  SelarParams,
  'thinkEnd' | 'noise' | 'noiseTemperature' | 'noiseAlpha' | 'softThinking'
> = {
  thinkEnd: null,
  noise: 'none',
  noiseTemperature: 1,
  noiseAlpha: 1,
  softThinking: {
    maxTopk: 15,
    minP: 0,
    coldStopEntropy: 0,
    coldStopSteps: 256,
    afterThinking: { temperature: null, topP: null, topK: null, minP: null },
  },
};
