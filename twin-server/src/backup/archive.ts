/**
 * The backup archive: one file holding a manifest and its entries (the database dump, the key
 * files, the audit anchors, uploaded files), each with its SHA-256 in the manifest.
 *
 * Layout (plain):      `PARKTWIN-BACKUP 1\n` `<manifest JSON>\n` `<entry bytes, in manifest order>`
 * Layout (encrypted):  `PARKTWIN-BACKUP 1 aes-256-gcm\n` `<{kdf, salt, iv} JSON>\n` `<ciphertext of the
 * plain layout><16-byte GCM tag>`, the key derived from TWIN_BACKUP_PASSPHRASE with scrypt.
 *
 * Any cut or flipped byte is found before anything is restored: a plain archive by its length and
 * checksums, an encrypted one by its authentication tag. The file is written aside and renamed
 * into place (mode 0600: it holds data.key and the audit key, which read the personal fields and
 * sign the audit chain).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const MAGIC = 'PARKTWIN-BACKUP 1';
const ENCRYPTED = `${MAGIC} aes-256-gcm`;
/** scrypt cost: 2^15 (32 MiB, ~0.1 s), the strength a passphrase needs against offline guessing. */
const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;

/** One stored file of an archive. */
export interface ManifestEntry {
  /** `database.pgdump`, `pgdata.tar.gz`, or `files/<path in the data folder>`. */
  readonly name: string;
  readonly size: number;
  readonly sha256: string;
  /** Key material or anything else that must be kept like a password (data.key, audit.key...). */
  readonly secret: boolean;
}

/** What a backup is of, and how to check it. */
export interface Manifest {
  readonly format: 1;
  readonly createdAt: string;
  readonly backend: 'pglite' | 'postgres';
  /** twin-server package version that wrote it. */
  readonly twinVersion: string;
  readonly postgres: string;
  readonly postgis: string;
  /** Migration level of the database at backup time, and the latest the code knew. */
  readonly migration: { readonly level: number; readonly latest: number };
  /** Where the keys came from: `file` (inside this archive) or `environment` (keep TWIN_DATA_KEY / TWIN_AUDIT_KEY yourself). */
  readonly keys: { readonly data: 'file' | 'environment' | 'missing'; readonly audit: 'file' | 'environment' | 'missing' };
  readonly entries: readonly ManifestEntry[];
}

/** An archive could not be used: corrupt, cut short, wrong passphrase, or not a backup at all. */
export class BackupError extends Error {
  override name = 'BackupError';
}

/** Entries with their bytes, ready to be written. */
export interface ArchiveInput {
  readonly manifest: Omit<Manifest, 'entries'>;
  readonly entries: readonly { readonly name: string; readonly data: Buffer; readonly secret: boolean }[];
}

const sha256 = (b: Buffer): string => crypto.createHash('sha256').update(b).digest('hex');

/** Serializes an archive (encrypted when `passphrase` is given). */
export function encodeArchive(input: ArchiveInput, passphrase?: string): { bytes: Buffer; manifest: Manifest } {
  const manifest: Manifest = {
    ...input.manifest,
    entries: input.entries.map((e) => ({ name: e.name, size: e.data.length, sha256: sha256(e.data), secret: e.secret })),
  };
  const plain = Buffer.concat([Buffer.from(`${MAGIC}\n${JSON.stringify(manifest)}\n`, 'utf8'), ...input.entries.map((e) => e.data)]);
  if (!passphrase) return { bytes: plain, manifest };
  const salt = crypto.randomBytes(16);
  const iv = crypto.randomBytes(12);
  const key = crypto.scryptSync(passphrase, salt, 32, SCRYPT);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  const head = Buffer.from(`${ENCRYPTED}\n${JSON.stringify({ kdf: 'scrypt', N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, salt: salt.toString('base64'), iv: iv.toString('base64') })}\n`, 'utf8');
  cipher.setAAD(head);
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return { bytes: Buffer.concat([head, body, cipher.getAuthTag()]), manifest };
}

/** Splits the first `n` lines off `buf` (each at most `max` bytes); null when they are not there. */
function lines(buf: Buffer, n: number, max: number): { lines: string[]; rest: number } | null {
  const out: string[] = [];
  let at = 0;
  for (let i = 0; i < n; i++) {
    const nl = buf.indexOf(10, at);
    if (nl < 0 || nl - at > max) return null;
    out.push(buf.subarray(at, nl).toString('utf8'));
    at = nl + 1;
  }
  return { lines: out, rest: at };
}

/** True when the file starts like an encrypted archive (restore then needs the passphrase). */
export function isEncrypted(bytes: Buffer): boolean {
  return bytes.subarray(0, ENCRYPTED.length + 1).toString('utf8') === `${ENCRYPTED}\n`;
}

/**
 * Parses and checks an archive completely: magic, manifest, every entry's length and SHA-256 (or
 * the GCM tag). Throws BackupError naming what is wrong; never returns a partly valid archive.
 */
export function decodeArchive(bytes: Buffer, passphrase?: string): { manifest: Manifest; entries: Map<string, Buffer> } {
  let plain = bytes;
  if (isEncrypted(bytes)) {
    if (!passphrase) throw new BackupError('the archive is encrypted: set TWIN_BACKUP_PASSPHRASE to the passphrase it was made with');
    const l = lines(bytes, 2, 4096);
    if (!l) throw new BackupError('the archive header is damaged');
    let p: { N: number; r: number; p: number; salt: string; iv: string };
    try {
      p = JSON.parse(l.lines[1]!) as typeof p;
    } catch {
      throw new BackupError('the archive header is damaged');
    }
    if (bytes.length < l.rest + 16) throw new BackupError('the archive is cut short');
    const key = crypto.scryptSync(passphrase, Buffer.from(p.salt, 'base64'), 32, { N: p.N, r: p.r, p: p.p, maxmem: SCRYPT.maxmem * 2 });
    const decipher = crypto.createDecipheriv('aes-256-gcm', key, Buffer.from(p.iv, 'base64'));
    decipher.setAAD(bytes.subarray(0, l.rest));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    try {
      plain = Buffer.concat([decipher.update(bytes.subarray(l.rest, bytes.length - 16)), decipher.final()]);
    } catch {
      throw new BackupError('the archive does not authenticate: wrong passphrase, or the file is corrupt or cut short');
    }
  } else if (bytes.subarray(0, MAGIC.length + 1).toString('utf8') !== `${MAGIC}\n`) {
    throw new BackupError('not a Park Twin backup (no PARKTWIN-BACKUP header)');
  }
  const l = lines(plain, 2, 16 * 1024 * 1024);
  if (!l) throw new BackupError('the archive is cut short inside its manifest');
  let manifest: Manifest;
  try {
    manifest = JSON.parse(l.lines[1]!) as Manifest;
  } catch {
    throw new BackupError('the manifest is not valid JSON (the archive is corrupt)');
  }
  if (manifest.format !== 1 || !Array.isArray(manifest.entries)) throw new BackupError(`unknown manifest format ${String(manifest.format)}`);
  const expected = manifest.entries.reduce((n, e) => n + e.size, 0);
  const have = plain.length - l.rest;
  if (have < expected) throw new BackupError(`the archive is cut short: ${have} of ${expected} bytes of entries present`);
  if (have > expected) throw new BackupError(`the archive has ${have - expected} bytes more than its manifest lists`);
  const entries = new Map<string, Buffer>();
  let at = l.rest;
  for (const e of manifest.entries) {
    const data = plain.subarray(at, at + e.size);
    at += e.size;
    if (sha256(data) !== e.sha256) throw new BackupError(`entry ${e.name} is corrupt (SHA-256 mismatch)`);
    if (e.name.includes('..') || path.isAbsolute(e.name)) throw new BackupError(`entry ${e.name} has an unsafe name`);
    entries.set(e.name, data);
  }
  return { manifest, entries };
}

/** Writes `bytes` to `file` with mode 0600: aside first, fsynced, then renamed into place. */
export function writeSecretFile(file: string, bytes: Buffer): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.partial-${process.pid}`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, bytes);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
}
