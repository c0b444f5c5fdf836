/**
 * Unpacks an uploaded tileset archive (zip, or 3tz: a zip with an `@3dtilesIndex1@` index) into a
 * folder, refusing what could escape it or exhaust the disk: absolute or `..` paths, too many files,
 * too many bytes once unpacked, folders nested deeper than the layer routes serve.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { unzipSync } from 'fflate';

/** Limits of one archive. */
export const ARCHIVE_LIMITS = {
  /** Upload size (the raw body). */
  maxBytes: 100 * 1024 * 1024,
  /** Sum of the unpacked file sizes. */
  maxUnpacked: 500 * 1024 * 1024,
  maxFiles: 20_000,
  /** Folder levels below the tileset's top folder (the file routes serve up to two). */
  maxDepth: 2,
} as const;

/** A refused archive, with a message for the person who uploaded it. */
export class ArchiveError extends Error {
  override name = 'ArchiveError';
}

/** Whether the bytes start like a zip (local file header, or an empty archive's end record). */
export const looksLikeZip = (b: Uint8Array): boolean =>
  b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && ((b[2] === 3 && b[3] === 4) || (b[2] === 5 && b[3] === 6));

/**
 * Unpacks `bytes` into `dir` (created). When every file sits in one top folder that holds
 * tileset.json (a zipped folder), that folder is the tileset's top. Returns the files written and
 * their total size.
 */
export async function unpackArchive(bytes: Uint8Array, dir: string): Promise<{ files: number; bytes: number }> {
  if (!looksLikeZip(bytes)) throw new ArchiveError('not a zip or 3tz archive (a zip starts with "PK"); zip the tileset folder, or export it as 3tz');
  let total = 0;
  let count = 0;
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, {
      filter: (f) => {
        if (f.name.endsWith('/')) return false;
        count++;
        total += f.originalSize;
        if (count > ARCHIVE_LIMITS.maxFiles) throw new ArchiveError(`the archive holds more than ${ARCHIVE_LIMITS.maxFiles} files`);
        if (total > ARCHIVE_LIMITS.maxUnpacked) throw new ArchiveError(`the archive unpacks to more than ${ARCHIVE_LIMITS.maxUnpacked / 1024 / 1024} MB`);
        return true;
      },
    });
  } catch (e) {
    if (e instanceof ArchiveError) throw e;
    throw new ArchiveError(`the archive cannot be read (${(e as Error).message}); it may be truncated or use an unsupported compression`);
  }
  const names = Object.keys(entries).filter((n) => n !== '@3dtilesIndex1@');
  for (const n of names) {
    if (n.startsWith('/') || n.includes('\\') || /^[A-Za-z]:/.test(n) || n.split('/').some((s) => s === '..' || s === '')) {
      throw new ArchiveError(`the archive entry ${JSON.stringify(n)} has an unsafe path (absolute, "..", or a backslash)`);
    }
  }
  // A zipped folder: strip the one top folder that holds tileset.json.
  let prefix = '';
  if (!names.includes('tileset.json')) {
    const tops = new Set(names.map((n) => n.split('/')[0]!));
    const top = [...tops][0];
    if (tops.size === 1 && top && names.includes(`${top}/tileset.json`)) prefix = `${top}/`;
  }
  const root = path.resolve(dir);
  await fs.mkdir(root, { recursive: true });
  let written = 0;
  for (const n of names) {
    const rel = n.slice(prefix.length);
    if (prefix && !n.startsWith(prefix)) continue;
    if (rel.split('/').length - 1 > ARCHIVE_LIMITS.maxDepth) {
      throw new ArchiveError(`${rel}: folders nest deeper than ${ARCHIVE_LIMITS.maxDepth} levels below the tileset; flatten the layout`);
    }
    const file = path.resolve(root, rel);
    if (!file.startsWith(root + path.sep)) throw new ArchiveError(`the archive entry ${JSON.stringify(n)} would be written outside the layer folder`);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, entries[n]!);
    written += entries[n]!.byteLength;
  }
  return { files: names.length, bytes: written };
}
