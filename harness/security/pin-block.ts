// ISO 9564-1 format 0 (ANSI X9.8) PIN blocks, the content of field 52 (cup-pos.md §3.2, 53.1 = `2`).
import { desDecrypt, desEncrypt } from './des';
import { KeyError, requireBuffer } from './errors';

const PIN_PATTERN = /^\d{4,12}$/;
const PAN_PATTERN = /^\d{8,19}$/;

/** The PAN field: 0000 and the 12 rightmost PAN digits before the check digit (left-padded with zeros). */
function panField(pan: string): Buffer {
  if (typeof pan !== 'string' || !PAN_PATTERN.test(pan)) throw new KeyError('PAN must be 8 to 19 digits');
  const digits = pan.slice(0, -1).slice(-12).padStart(12, '0');
  return Buffer.from('0000' + digits, 'hex');
}

/** The clear format 0 block: (0, PIN length, PIN, F padding) XOR the PAN field. */
export function clearPinBlock(pin: string, pan: string): Buffer {
  if (typeof pin !== 'string' || !PIN_PATTERN.test(pin)) throw new KeyError('PIN must be 4 to 12 digits');
  const block = Buffer.from(('0' + pin.length.toString(16) + pin).padEnd(16, 'F'), 'hex');
  const field = panField(pan);
  for (let i = 0; i < 8; i++) block[i] ^= field[i];
  return block;
}

/** Reads the PIN out of a clear block, or throws KeyError('malformed PIN block') without saying more. */
function pinFromClearBlock(clear: Buffer, pan: string): string {
  const field = panField(pan);
  const nibbles = Buffer.allocUnsafe(8);
  for (let i = 0; i < 8; i++) nibbles[i] = clear[i] ^ field[i];
  const text = nibbles.toString('hex').toUpperCase();
  nibbles.fill(0);
  const length = parseInt(text[1], 16);
  const ok =
    text[0] === '0' &&
    length >= 4 &&
    length <= 12 &&
    /^\d+$/.test(text.slice(2, 2 + length)) &&
    /^F*$/.test(text.slice(2 + length));
  if (!ok) throw new KeyError('malformed PIN block (wrong key, wrong PAN or not format 0)');
  return text.slice(2, 2 + length);
}

function requireBlock(block: Buffer): void {
  requireBuffer(block, 'PIN block');
  if (block.length !== 8) throw new KeyError(`PIN block must be 8 bytes, got ${block.length}`);
}

/** Field 52: the format 0 block for `pin` and `pan`, encrypted under the PIK (8 or 16 bytes, ECB). */
export function encodePinBlock(pin: string, pan: string, pik: Buffer): Buffer {
  const clear = clearPinBlock(pin, pan);
  const encrypted = desEncrypt(pik, clear);
  clear.fill(0);
  return encrypted;
}

/** The PIN inside an encrypted format 0 block; throws KeyError when the clear block is malformed. */
export function decodePinBlock(block: Buffer, pan: string, pik: Buffer): string {
  requireBlock(block);
  const clear = desDecrypt(pik, block);
  try {
    return pinFromClearBlock(clear, pan);
  } finally {
    clear.fill(0);
  }
}

/**
 * Re-encrypts a PIN block from one key to another (the switch's PIK → ZPK step), after checking that the
 * clear block is a well-formed format 0 block for `pan`.
 */
export function translatePinBlock(block: Buffer, pan: string, fromKey: Buffer, toKey: Buffer): Buffer {
  requireBlock(block);
  const clear = desDecrypt(fromKey, block);
  try {
    pinFromClearBlock(clear, pan);
    return desEncrypt(toKey, clear);
  } finally {
    clear.fill(0);
  }
}
