// The stage that forwards everything: noop, dialup on the data path, and a toxic whose toxicity draw missed.
import type { Hop, Stage } from './stage';

export function passThrough(out: Hop): Stage {
  let ended = false;
  return {
    write: (chunk, arrival) => { if (!ended) out.write(chunk, arrival); },
    end: () => { if (!ended) { ended = true; out.end(); } },
    update: () => undefined,
    remove: () => undefined,
    destroy: () => undefined,
  };
}
