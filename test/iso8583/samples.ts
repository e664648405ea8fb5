// Hand-built messages shared by the codec, framing, fuzz and CLI tests.
import type { IsoMessage } from '../../harness/iso8583';
import { SAMPLE_PIN_BLOCK, sampleCupSale } from '../../harness/iso8583/sample-sale';

export const PIN_BLOCK = SAMPLE_PIN_BLOCK;

/** A CUP sale 0200 per docs/pos-profile.md §1.2 (swipe with PIN), without field 64 (shared with bench/codec). */
export const cupSale = sampleCupSale;

/** The CUP sale body, written out by hand field by field (MAC bytes AA.. as a stand-in). */
export const CUP_SALE_HEX = [
  '0200', //                               MTI, BCD
  '702404C000C09811', //                   bitmap: 2 3 4 | 11 14 | 22 | 25 26 | - | 41 42 | 49 52 53 | 60 64
  '19' + '62220212345678901230', //        2: LL BCD 19, PAN left-aligned, trailing pad nibble 0
  '000000', //                             3
  '000000010000', //                       4
  '000123', //                             11
  '2812', //                               14
  '0210', //                               22: "021" left-aligned
  '00', //                                 25
  '12', //                                 26
  '3132333435363738', //                   41: "12345678" ASCII
  '313233343536373839303132333435', //     42: "123456789012345" ASCII
  '313536', //                             49: "156"
  '0123456789ABCDEF', //                   52: PIN block
  '2600000000000000', //                   53
  '0011' + '220000010000', //              60: LLL BCD 011, "22000001000" left-aligned
  'AAAAAAAAAAAAAAAA', //                   64: MAC
].join('');

/** A generic ISO 8583:1987 ASCII 0200 with a secondary bitmap (field 90). */
export function genericRequest(): IsoMessage {
  return {
    mti: '0200',
    fields: {
      2: '4761739001010119',
      3: '000000',
      4: '000000005000',
      7: '1121130455',
      11: '000042',
      28: 'D00000150',
      35: '4761739001010119=2212',
      41: 'TERM0001',
      42: 'MERCHANT0000001',
      49: '156',
      52: Buffer.from(PIN_BLOCK),
      90: '020000004111211304550000012345600000000000',
    },
  };
}

export const GENERIC_REQUEST_TEXT = [
  '0200',
  'F220001020C09000', //            primary: 1 (secondary) 2 3 4 7 | 11 | - | 28 | 35 | 41 42 | 49 52 | -
  '0000004000000000', //            secondary: 90
  '16' + '4761739001010119', //     2: LL ASCII
  '000000',
  '000000005000',
  '1121130455',
  '000042',
  'D00000150', //                   28: x+n8
  '21' + '4761739001010119=2212', // 35: LL z
  'TERM0001',
  'MERCHANT0000001',
  '156',
].join('');
// ...then the 8 binary bytes of field 52, then field 90 as 42 ASCII digits.
export const GENERIC_REQUEST_TAIL = '020000004111211304550000012345600000000000';
