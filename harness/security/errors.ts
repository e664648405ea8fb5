/**
 * Raised for bad keys, check-value mismatches and malformed PIN blocks. Messages name the problem and lengths
 * only, never key, PIN or PIN-block material.
 */
export class KeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyError';
  }
}

export function requireBuffer(value: unknown, what: string): asserts value is Buffer {
  if (!Buffer.isBuffer(value)) throw new TypeError(`${what} must be a Buffer`);
}
