// Retrieval reference numbers (field 37, an12): yddd + hh of the switch's start (UTC), then a 6-digit counter.
// The first run on a SAF file starts the counter at a seeded offset (deterministic per seed); the counter
// reserves numbers in blocks in the durable journal, so a restart on the same file continues past every number
// the previous run may have used. Unique within a run for a million requests (then the counter wraps).
import type { Prng } from '../security';

const BLOCK = 10_000;

export interface RrnReservations {
  /** Where a previous run stopped reserving, if there was one. */
  readonly rrnHighWater: number | undefined;
  /** Durably records that numbers below `next` are taken. */
  reserveRrns(next: number): void;
}

export class RrnGenerator {
  private readonly prefix: string;
  /** Monotonic count of numbers handed out (plus the starting offset); the RRN shows it modulo a million. */
  private count: number;
  private reservedUpTo: number;

  constructor(prng: Prng, start: Date, private readonly reservations?: RrnReservations) {
    const year = start.getUTCFullYear();
    const dayOfYear = Math.floor((start.getTime() - Date.UTC(year, 0, 1)) / 86_400_000) + 1;
    this.prefix = String(year % 10) + String(dayOfYear).padStart(3, '0') + String(start.getUTCHours()).padStart(2, '0');
    this.count = reservations?.rrnHighWater ?? prng.int(1_000_000);
    this.reservedUpTo = this.count;
  }

  next(): string {
    if (this.count >= this.reservedUpTo && this.reservations !== undefined) {
      this.reservedUpTo = this.count + BLOCK;
      this.reservations.reserveRrns(this.reservedUpTo);
    }
    const n = this.count++ % 1_000_000;
    return this.prefix + String(n).padStart(6, '0');
  }
}
