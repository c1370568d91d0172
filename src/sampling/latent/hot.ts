// Mode hot (ablation): inputs stay discrete; where the gate would fire, the visible
// token is drawn at hot_temperature instead (docs/api.md "Semantics" 7).
import { neverSoft, type LatentMethod, type MethodContext } from './method.js';

export function hotMethod({ params }: MethodContext): LatentMethod {
  return {
    redrawTemperature: (d) => (d.entropy >= params.entropyThreshold ? params.hotTemperature : null),
    wantsSoft: () => false,
    softInput: neverSoft('hot'),
  };
}
