/**
 * Start-up faults of `twin serve` (issue 21): a busy port, an unreachable database or broker, a full
 * disk. The server says which, in one line naming the setting to look at, and exits non-zero, so
 * systemd (Restart=on-failure) or any supervisor restarts it and the operator reads why.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.ts';
import { StartupFault, redactUrl } from '../ingest/mqtt.ts';
import { dataDirOf } from '../backup/backup.ts';

/** Free space below this (MB, TWIN_MIN_FREE_MB, default 200) in the data folder refuses the start. */
export function minFreeMb(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.TWIN_MIN_FREE_MB ?? 200);
  return Number.isFinite(v) && v >= 0 ? v : 200;
}

/** The nearest existing folder of `p` (the data folder may not exist before the first start). */
function existing(p: string): string {
  let d = path.resolve(p);
  while (!fs.existsSync(d) && path.dirname(d) !== d) d = path.dirname(d);
  return d;
}

/** A full (or nearly full) disk under the data folder, as a message; null when there is room. */
export function diskFault(config: Config, env: NodeJS.ProcessEnv = process.env): string | null {
  const dir = existing(dataDirOf(config, env));
  const need = minFreeMb(env);
  try {
    const st = fs.statfsSync(dir);
    const free = (st.bavail * st.bsize) / 1e6;
    if (free < need) return `disk full: ${free.toFixed(0)} MB free under ${dir} (data folder), at least ${need} MB needed (TWIN_MIN_FREE_MB)`;
  } catch { /* statfs unsupported: the writes themselves will tell */ }
  return null;
}

/** One line saying what stopped the start, or null when the error is not a known fault (print its stack). */
export function describeStartupFault(err: unknown, config: Config): string | null {
  if (err instanceof StartupFault) return err.message;
  const e = err as NodeJS.ErrnoException & { address?: string; port?: number; syscall?: string };
  const code = e?.code;
  if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
    if (e.syscall === 'listen') {
      const why = code === 'EADDRINUSE' ? 'is already in use by another process' : code === 'EACCES' ? 'may not be opened by this user' : 'is not an address of this machine';
      return `HTTP port (PORT, HOST): ${e.address ?? config.host}:${e.port ?? config.port} ${why}`;
    }
  }
  if (code === 'ENOSPC') return `disk full: ${e.message}`;
  const dbCodes = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', '28P01', '3D000', '57P03', '28000'];
  const msg = String(e?.message ?? err);
  if ((code && dbCodes.includes(code)) || /connect ECONNREFUSED|getaddrinfo|Connection terminated|timeout expired|password authentication failed|does not exist|no reachable|read-write/i.test(msg)) {
    const where = config.db.backend === 'postgres' ? redactUrl(config.db.url) : config.db.dataDir;
    return `database (DATABASE_URL) ${where} is unreachable: ${msg.split('\n')[0]!.slice(0, 300)}`;
  }
  return null;
}
