import { createHash } from 'node:crypto';

/** First 6 and last 4 digits kept, the rest starred: the only form a PAN takes in receipts, logs and reports. */
export function maskPan(pan: string): string {
  if (pan.length <= 10) return '*'.repeat(pan.length);
  return pan.slice(0, 6) + '*'.repeat(pan.length - 10) + pan.slice(-4);
}

/**
 * A stable, non-reversible reference to a card, so that records from the fleet, the printers and the
 * issuer ledger can be joined on the card without any of them storing the PAN.
 */
export function cardRef(pan: string): string {
  return createHash('sha256').update('posfault-card:' + pan).digest('hex').slice(0, 16);
}

/** Masks every PAN-like digit run (13-19 digits) in free text, for log lines built from untrusted input. */
export function maskPansInText(text: string): string {
  return text.replace(/\b\d{13,19}\b/g, (m) => maskPan(m));
}
