// Character sets of the content types. Each check returns the index of the first character not allowed, or -1.
import type { ContentType } from './types';

export type ContentCheck = (value: string, from: number) => number;

const digits: ContentCheck = (v, from) => {
  for (let i = from; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return i;
  }
  return -1;
};

const track: ContentCheck = (v, from) => {
  for (let i = from; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if ((c < 0x30 || c > 0x39) && c !== 0x3d) return i;
  }
  return -1;
};

const alphanumeric: ContentCheck = (v, from) => {
  for (let i = from; i < v.length; i++) {
    const c = v.charCodeAt(i);
    const ok = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x20;
    if (!ok) return i;
  }
  return -1;
};

const printable: ContentCheck = (v, from) => {
  for (let i = from; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return i;
  }
  return -1;
};

/** The check for a text content type (x+n's digits after the sign are checked as n). */
export function contentCheck(type: Exclude<ContentType, 'b'>): ContentCheck {
  switch (type) {
    case 'n':
    case 'x+n':
      return digits;
    case 'z':
      return track;
    case 'an':
      return alphanumeric;
    case 'ans':
      return printable;
  }
}

export const CHARSET_TEXT: Record<Exclude<ContentType, 'b'>, string> = {
  n: 'digits 0-9',
  'x+n': "'C' or 'D' then digits 0-9",
  z: "digits 0-9 and '='",
  an: 'letters, digits and space',
  ans: 'printable ASCII (0x20-0x7E)',
};

/** How a character shows in an error: printable as itself, anything else as a code. */
export function describeChar(value: string, index: number): string {
  const c = value.charCodeAt(index);
  return c >= 0x20 && c <= 0x7e ? `'${value[index]}'` : `0x${c.toString(16).padStart(2, '0')}`;
}
