// Mode off: plain decoding, every input is the visible token's embedding.
import { neverSoft, type LatentMethod } from './method.js';

export function offMethod(): LatentMethod {
  return { wantsSoft: () => false, softInput: neverSoft('off') };
}
