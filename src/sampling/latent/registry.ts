// The latent-reasoning methods by `selar.mode`. A new method is a file implementing
// LatentMethod (method.ts) and one line here.
import type { SelarMode } from '../../engine/types.js';
import type { LatentMethod, MethodContext } from './method.js';
import { selarMethod } from './selar.js';
import { softMethod } from './soft.js';
import { randomMethod } from './random.js';
import { hotMethod } from './hot.js';
import { offMethod } from './off.js';
import { softThinkingMethod } from './soft-thinking.js';

export const latentMethods: Record<SelarMode, (ctx: MethodContext) => LatentMethod> = {
  selar: selarMethod,
  soft: softMethod,
  random: randomMethod,
  hot: hotMethod,
  off: offMethod,
  soft_thinking: softThinkingMethod,
};
