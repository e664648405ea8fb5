// A CUP sale 0200 as data, shared by the codec tests and bench/codec so both measure and check the same message.
import type { IsoMessage } from './types';

/** The PIN block the sample sale carries in field 52 (an arbitrary 8 bytes, not a real PIN). */
export const SAMPLE_PIN_BLOCK = Buffer.from('0123456789ABCDEF', 'hex');

/** A CUP sale 0200 per docs/pos-profile.md §1.2 (swipe with PIN), without field 64; a fresh copy each call. */
export function sampleCupSale(): IsoMessage {
  return {
    mti: '0200',
    fields: {
      2: '6222021234567890123',
      3: '000000',
      4: '000000010000',
      11: '000123',
      14: '2812',
      22: '021',
      25: '00',
      26: '12',
      41: '12345678',
      42: '123456789012345',
      49: '156',
      52: Buffer.from(SAMPLE_PIN_BLOCK),
      53: '2600000000000000',
      60: '22000001000',
    },
  };
}
