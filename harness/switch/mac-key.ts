// The part of the MAK the dialect's MAC algorithm uses: the first 8 bytes for cup-ecb / x9.9, all 16 for x9.19.
export function macKey(mak: Buffer, keyBytes: 8 | 16): Buffer {
  return keyBytes === 8 && mak.length > 8 ? mak.subarray(0, 8) : mak;
}
