/**
 * Unified social credit codes (统一社会信用代码, GB 32100-2015): 18 characters = registration
 * authority (1), entity type (1), division code (6), organization code with its GB 11714 check
 * character (9), and a final mod-31 check character.
 */
import type { Rng } from './prng.ts';

const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY'; // 31 characters: no I, O, S, V, Z
const W18 = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const W9 = [3, 7, 9, 10, 5, 8, 4, 2];

/** GB 11714 value of an organization-code character: digits 0-9, letters A=10 .. Z=35. */
const orgValue = (c: string): number => (c >= '0' && c <= '9' ? c.charCodeAt(0) - 48 : c.charCodeAt(0) - 55);

function orgCheck(body8: string): string {
  let s = 0;
  for (let i = 0; i < 8; i++) s += W9[i]! * orgValue(body8[i]!);
  const c = 11 - (s % 11);
  return c === 11 ? '0' : c === 10 ? 'X' : String(c);
}

function usccCheck(first17: string): string {
  let s = 0;
  for (let i = 0; i < 17; i++) s += W18[i]! * ALPHABET.indexOf(first17[i]!);
  const c = 31 - (s % 31);
  return ALPHABET[c === 31 ? 0 : c]!;
}

/** True when the code has the right alphabet and both check characters match. */
export function isValidUscc(code: string): boolean {
  if (!/^[0-9A-HJ-NPQRTUWXY]{18}$/.test(code)) return false;
  if (orgCheck(code.slice(8, 16)) !== code[16]) return false;
  return usccCheck(code.slice(0, 17)) === code[17];
}

/** A fresh valid code for a company (91 = industrial-and-commercial, enterprise) in `division`. */
export function makeUscc(rng: Rng, division: string): string {
  // New-style organization codes start with MA plus six characters from the credit-code alphabet.
  let body = 'MA';
  for (let i = 0; i < 6; i++) body += ALPHABET[rng.int(0, i < 1 ? 9 : 30)]!;
  const first17 = `91${division}${body}${orgCheck(body)}`;
  return first17 + usccCheck(first17);
}
