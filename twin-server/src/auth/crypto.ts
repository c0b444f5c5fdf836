/**
 * Field encryption for sensitive personal data (Y2, Y4): AES-256-GCM with a random 96-bit IV and
 * the field's identity as associated data, so a ciphertext cannot be moved to another row.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const PREFIX = 'v1:';

/** Parses a 32-byte key given as 64 hex characters or base64; throws with a clear message. */
export function parseDataKey(text: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (key.length !== 32) throw new Error('TWIN_DATA_KEY must be 32 bytes (64 hex characters or base64)');
  return key;
}

/**
 * The data key: TWIN_DATA_KEY when set; otherwise a key generated once into `<dataDir>/data.key`
 * (mode 0600) so the embedded default runs with no setup. `warn` is told when that happens.
 */
export function loadDataKey(envKey: string | undefined, dataDir: string, warn: (msg: string) => void): Buffer {
  if (envKey) return parseDataKey(envKey);
  const file = path.join(dataDir, 'data.key');
  if (fs.existsSync(file)) return parseDataKey(fs.readFileSync(file, 'utf8'));
  fs.mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  fs.writeFileSync(file, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  warn(`TWIN_DATA_KEY is not set: generated a data key in ${file}; back it up, or set TWIN_DATA_KEY in production`);
  return key;
}

/** Encrypts and decrypts personal fields. */
export class DataCipher {
  readonly #key: Buffer;
  /** Short fingerprint of the key, for logs (never the key). */
  readonly keyId: string;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error('AES-256-GCM needs a 32-byte key');
    this.#key = Buffer.from(key);
    this.keyId = createHash('sha256').update(key).digest('hex').slice(0, 8);
  }

  /** `v1:` + base64(iv | tag | ciphertext); `aad` names the field, e.g. `app_user.phone:<id>`. */
  encrypt(plaintext: string, aad: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.#key, iv);
    c.setAAD(Buffer.from(aad, 'utf8'));
    const ct = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
    return PREFIX + Buffer.concat([iv, c.getAuthTag(), ct]).toString('base64');
  }

  /** Decrypts; throws when the ciphertext, its field binding or the key is wrong. */
  decrypt(stored: string, aad: string): string {
    if (!stored.startsWith(PREFIX)) throw new Error('unknown ciphertext format');
    const raw = Buffer.from(stored.slice(PREFIX.length), 'base64');
    if (raw.length < 28) throw new Error('ciphertext too short');
    const d = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, 12));
    d.setAAD(Buffer.from(aad, 'utf8'));
    d.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8');
  }
}

/** sha256 hex of a secret, for storing tokens and codes without the secret itself. */
export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** A URL-safe random secret of `bytes` bytes. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
