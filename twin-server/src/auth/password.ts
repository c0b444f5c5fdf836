/** Password hashing (argon2id via the maintained `argon2` binding) and the password policy. */
import { randomBytes, randomInt } from 'node:crypto';
import fs from 'node:fs';
import argon2 from 'argon2';

/** OWASP's argon2id baseline (19 MiB, 2 passes): strong and affordable on a 2-core server. */
const OPTIONS = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

/** Hashes a password with argon2id; the PHC string carries salt and parameters. */
export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, OPTIONS);
}

let dummy: Promise<string> | undefined;

/**
 * Verifies a password against a stored hash. With no hash (unknown user) it still spends the
 * same time on a dummy hash, so response times do not reveal which usernames exist.
 */
export async function verifyPassword(hash: string | null, password: string): Promise<boolean> {
  if (!hash) {
    dummy ??= hashPassword(randomBytes(16).toString('hex'));
    await argon2.verify(await dummy, password).catch(() => false);
    return false;
  }
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

/** Policy knobs (from AuthSettings). */
export interface PasswordPolicy {
  readonly minLength: number;
  readonly minClasses: number;
}

/** Character classes present: lower, upper, digit, other. */
export function characterClasses(pw: string): number {
  return [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((r) => r.test(pw)).length;
}

let common: Set<string> | undefined;

/** The shipped list of common passwords (common-passwords.txt), read once. */
function commonPasswords(): Set<string> {
  common ??= new Set(fs.readFileSync(new URL('./common-passwords.txt', import.meta.url), 'utf8')
    .split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')));
  return common;
}

const LEET: Record<string, string> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', '$': 's', '!': 'i' };

/**
 * Whether a password is a common one or a thin disguise of one: checked as typed (lower-cased),
 * with look-alike characters undone (`P@ssw0rd` is `password`), and with leading and trailing runs
 * of digits and symbols removed (`Qwerty123`, `!Dragon2024`), against a list of a few thousand
 * passwords shipped with the server (no network).
 */
export function isCommonPassword(pw: string): boolean {
  const list = commonPasswords();
  const lower = pw.toLowerCase();
  const unleet = (s: string) => s.replace(/[013457@$!]/g, (c) => LEET[c]!);
  const core = lower.replace(/^[^a-z]+|[^a-z]+$/g, '');
  const candidates = [lower, unleet(lower)];
  if ([...core].length >= 4) candidates.push(core, unleet(core));
  return candidates.some((c) => list.has(c));
}

/** Problems with a proposed password (empty when acceptable), as message keys a client can translate. */
export function passwordProblems(pw: string, username: string, policy: PasswordPolicy): string[] {
  const out: string[] = [];
  if ([...pw].length < policy.minLength) out.push(`at least ${policy.minLength} characters`);
  if ([...pw].length > 256) out.push('at most 256 characters');
  if (characterClasses(pw) < policy.minClasses) {
    out.push(`at least ${policy.minClasses} of: lower-case, upper-case, digits, symbols`);
  }
  if (username.length >= 3 && pw.toLowerCase().includes(username.toLowerCase())) out.push('must not contain the username');
  if (isCommonPassword(pw)) out.push('too common: it (or a thin disguise of it) is on the list of common passwords');
  return out;
}

/** A random password that satisfies the strictest policy (all four classes, 20 characters). */
export function generatePassword(): string {
  const sets = ['abcdefghijkmnpqrstuvwxyz', 'ABCDEFGHJKLMNPQRSTUVWXYZ', '23456789', '-_.!@#%+='];
  const all = sets.join('');
  const chars = sets.map((s) => s[randomInt(s.length)]!);
  while (chars.length < 20) chars.push(all[randomInt(all.length)]!);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}
