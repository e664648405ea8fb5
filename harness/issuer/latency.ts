// Delay draws for the latency fault, from the issuer's seeded PRNG.
import type { Prng } from '../security/prng';
import type { LatencySpec } from './types';

/** A standard normal draw (Box-Muller; the second value is discarded to keep the stream simple). */
function standardNormal(prng: Prng): number {
  const u = 1 - prng.next(); // (0, 1]
  const v = prng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** One delay in ms, never negative. */
export function drawLatency(spec: LatencySpec, prng: Prng): number {
  switch (spec.kind) {
    case 'fixed':
      return spec.ms;
    case 'uniform':
      return spec.minMs + prng.next() * (spec.maxMs - spec.minMs);
    case 'normal':
      return Math.max(0, spec.meanMs + spec.stdDevMs * standardNormal(prng));
    case 'lognormal':
      return spec.medianMs * Math.exp(spec.sigma * standardNormal(prng));
  }
}
