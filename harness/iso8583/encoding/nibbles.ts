// Lookup tables shared by the BCD encoders: a byte to its two characters, and a character to its nibble.

/** Byte → two digits, or null when a nibble is above 9. */
export const DIGIT_PAIRS: (string | null)[] = new Array(256).fill(null);
/** Byte → two track-2 characters (nibble D is the '=' separator), or null for any other nibble above 9. */
export const TRACK_PAIRS: (string | null)[] = new Array(256).fill(null);
/** Nibble → its digit (or '=' for D in track data), or null. */
export const DIGIT_OF: (string | null)[] = new Array(16).fill(null);
export const TRACK_OF: (string | null)[] = new Array(16).fill(null);

for (let n = 0; n < 10; n++) {
  DIGIT_OF[n] = String(n);
  TRACK_OF[n] = String(n);
}
TRACK_OF[0xd] = '=';
for (let b = 0; b < 256; b++) {
  const hi = b >> 4;
  const lo = b & 0xf;
  if (DIGIT_OF[hi] !== null && DIGIT_OF[lo] !== null) DIGIT_PAIRS[b] = DIGIT_OF[hi]! + DIGIT_OF[lo]!;
  if (TRACK_OF[hi] !== null && TRACK_OF[lo] !== null) TRACK_PAIRS[b] = TRACK_OF[hi]! + TRACK_OF[lo]!;
}

/** The nibble of a validated character: '0'-'9' → 0-9, '=' → 0xD. */
export function nibbleOf(code: number): number {
  return code === 0x3d ? 0xd : code - 0x30;
}
