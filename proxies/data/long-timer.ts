// setTimeout for any delay an attribute can hold. Node fires a delay above 2^31-1 ms (about 24.8 days) after 1 ms,
// with a TimeoutOverflowWarning, so a "hold for a very long time" toxic would act at once; this re-arms instead.
import { performance } from 'node:perf_hooks';

export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface LongTimer {
  clear(): void;
}

export function setLongTimeout(fn: () => void, ms: number): LongTimer {
  // The monotonic clock: a wall-clock step (NTP) must not stretch or cut a toxic's delay.
  const due = performance.now() + Math.max(0, ms);
  let timer: NodeJS.Timeout;
  const arm = (wait: number): void => {
    timer = setTimeout(() => {
      const left = due - performance.now();
      // Node may wake a fraction of a millisecond early (its loop clock is in whole ms): that counts as due.
      if (left >= 1) arm(left);
      else fn();
    }, Math.min(Math.max(0, wait), MAX_TIMER_MS));
  };
  arm(ms);
  return { clear: () => clearTimeout(timer) };
}
