// setTimeout for any delay an attribute can hold. Node fires a delay above 2^31-1 ms (about 24.8 days) after 1 ms,
// with a TimeoutOverflowWarning, so a "hold for a very long time" toxic would act at once; this re-arms instead.
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface LongTimer {
  clear(): void;
}

export function setLongTimeout(fn: () => void, ms: number): LongTimer {
  const due = Date.now() + Math.max(0, ms);
  let timer: NodeJS.Timeout;
  const arm = (wait: number): void => {
    timer = setTimeout(() => {
      const left = due - Date.now();
      if (left > 0) arm(left);
      else fn();
    }, Math.min(Math.max(0, wait), MAX_TIMER_MS));
  };
  arm(ms);
  return { clear: () => clearTimeout(timer) };
}
