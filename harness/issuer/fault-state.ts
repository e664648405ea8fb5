// The faults in force right now, and their draws from the seeded PRNG.
import type { Prng } from '../security/prng';
import { drawLatency } from './latency';
import type { LatencySpec, MaintenanceMode } from './types';

export class FaultState {
  maintenance: MaintenanceMode | null = null;
  latency: LatencySpec | null = null;
  declineShare = 0;
  declineCode = '05';
  private readonly latencyDraws: Prng;
  private readonly declineDraws: Prng;

  constructor(prng: Prng) {
    this.latencyDraws = prng.fork('latency');
    this.declineDraws = prng.fork('declines');
  }

  /** ms to hold a request before handling it (0 without a latency fault). */
  nextDelay(): number {
    return this.latency ? drawLatency(this.latency, this.latencyDraws) : 0;
  }

  /** A decline code for this sale when the decline-share fault picks it, else null. */
  nextDecline(): string | null {
    if (this.declineShare <= 0) return null;
    return this.declineDraws.next() < this.declineShare ? this.declineCode : null;
  }

  /** The code every request is answered with in an answering maintenance mode, else null. */
  forcedCode(): string | null {
    if (this.maintenance === 'answer-91') return '91';
    if (this.maintenance === 'answer-96') return '96';
    return null;
  }
}
