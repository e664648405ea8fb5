// Date and time fields as the switch writes them (UTC, so runs compare across machines).
function two(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

/** Field 7: MMDDhhmmss. */
export function transmissionDateTime(d: Date): string {
  return two(d.getUTCMonth() + 1) + two(d.getUTCDate()) + two(d.getUTCHours()) + two(d.getUTCMinutes()) + two(d.getUTCSeconds());
}

/** Field 12: hhmmss. */
export function localTime(d: Date): string {
  return two(d.getUTCHours()) + two(d.getUTCMinutes()) + two(d.getUTCSeconds());
}

/** Field 13 / 15: MMDD. */
export function monthDay(d: Date): string {
  return two(d.getUTCMonth() + 1) + two(d.getUTCDate());
}
