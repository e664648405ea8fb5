/** The Luhn check digit for `body` (the PAN without its last digit). */
export function luhnCheckDigit(body: string): string {
  let sum = 0;
  let double = true; // the rightmost body digit is doubled once the check digit is appended
  for (let i = body.length - 1; i >= 0; i--) {
    let d = body.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return String((10 - (sum % 10)) % 10);
}

export function isLuhnValid(pan: string): boolean {
  return /^\d{2,19}$/.test(pan) && luhnCheckDigit(pan.slice(0, -1)) === pan.slice(-1);
}
