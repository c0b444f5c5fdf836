import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { characterClasses, generatePassword, hashPassword, passwordProblems, verifyPassword } from './password.ts';
import { DataCipher, loadDataKey, parseDataKey } from './crypto.ts';
import { permissionsFor, roleConflict, ROLES } from './roles.ts';
import { ACTIONS, MODULES } from './types.ts';

const policy = { minLength: 8, minClasses: 3 };

describe('password policy and hashing', () => {
  it('requires 8+ characters, 3 classes, and no username inside', () => {
    expect(passwordProblems('Ab1!', 'alice', policy)).toEqual(['at least 8 characters']);
    expect(passwordProblems('abcdefgh1', 'alice', policy)).toHaveLength(1);
    expect(passwordProblems('xALICEx-9', 'alice', policy)).toEqual(['must not contain the username']);
    expect(passwordProblems('Quiet-River-42', 'alice', policy)).toEqual([]);
    expect(characterClasses('aA1-')).toBe(4);
  });

  it('generates passwords that satisfy the strictest policy', () => {
    for (let i = 0; i < 200; i++) {
      const pw = generatePassword();
      expect(pw).toHaveLength(20);
      expect(passwordProblems(pw, 'sysadmin', { minLength: 20, minClasses: 4 })).toEqual([]);
    }
  });

  it('hashes with argon2id and verifies only the right password', async () => {
    const h = await hashPassword('Quiet-River-42');
    expect(h).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect(await verifyPassword(h, 'Quiet-River-42')).toBe(true);
    expect(await verifyPassword(h, 'Quiet-River-43')).toBe(false);
    expect(await verifyPassword(null, 'anything')).toBe(false);
    expect(await verifyPassword('not a hash', 'anything')).toBe(false);
  });
});

describe('field encryption', () => {
  it('round-trips, binds the field identity, and rejects a wrong key or a flipped bit', () => {
    const c = new DataCipher(Buffer.alloc(32, 7));
    const a = c.encrypt('13812345678', 'app_user.phone:1');
    expect(a).not.toBe(c.encrypt('13812345678', 'app_user.phone:1')); // random IV
    expect(c.decrypt(a, 'app_user.phone:1')).toBe('13812345678');
    expect(() => c.decrypt(a, 'app_user.phone:2')).toThrow();
    expect(() => new DataCipher(Buffer.alloc(32, 8)).decrypt(a, 'app_user.phone:1')).toThrow();
    const raw = Buffer.from(a.slice(3), 'base64');
    raw[raw.length - 1]! ^= 1;
    expect(() => c.decrypt(`v1:${raw.toString('base64')}`, 'app_user.phone:1')).toThrow();
  });

  it('reads TWIN_DATA_KEY as hex or base64, or generates a 0600 key file once with a warning', () => {
    expect(parseDataKey('ab'.repeat(32))).toHaveLength(32);
    expect(parseDataKey(Buffer.alloc(32, 1).toString('base64'))).toHaveLength(32);
    expect(() => parseDataKey('short')).toThrow(/32 bytes/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'twin-key-'));
    const warnings: string[] = [];
    const k1 = loadDataKey(undefined, dir, (m) => warnings.push(m));
    const k2 = loadDataKey(undefined, dir, (m) => warnings.push(m));
    expect(k1.equals(k2)).toBe(true);
    expect(warnings).toHaveLength(1);
    expect(fs.statSync(path.join(dir, 'data.key')).mode & 0o777).toBe(0o600);
    fs.rmSync(dir, { recursive: true });
  });
});

describe('role table', () => {
  it('uses only the shared permission vocabulary and separates the administrators', () => {
    const all = new Set(MODULES.flatMap((m) => ACTIONS.map((a) => `${m}:${a}`)));
    for (const r of ROLES) for (const p of r.permissions) expect(all.has(p), `${r.id}: ${p}`).toBe(true);
    const sys = permissionsFor(['system_admin']);
    const sec = permissionsFor(['security_admin']);
    const aud = permissionsFor(['auditor']);
    expect([...sys].some((p) => p.startsWith('audit:'))).toBe(false);
    expect([...sec].some((p) => p.startsWith('audit:') || p.startsWith('system:'))).toBe(false);
    expect([...aud]).toEqual(['audit:read']);
    expect(roleConflict(['system_admin', 'auditor'])).toMatch(/separated/);
    expect(roleConflict(['auditor', 'maintenance'])).toMatch(/no other role/);
    expect(roleConflict(['maintenance', 'investment'])).toBeNull();
    expect(roleConflict(['root'])).toMatch(/unknown/);
  });
});
