/**
 * Renders /etc/pgbackrest/pgbackrest.conf for the twin's PostgreSQL (issue 21, R2/Y2): two
 * repositories, both encrypted (aes-256-cbc) and compressed (zstd): repo1 on the backup host,
 * repo2 the off-site copy (another host's disk mounted over NFS/SSHFS, or an S3 bucket: pass
 * --repo2-s3 BUCKET@ENDPOINT/REGION). WAL is pushed to both by archive_command; full and
 * differential backups run from the systemd timers in deploy/systemd/.
 *
 *   npx tsx deploy/pgbackrest/render.ts --pg-path /var/lib/postgresql/15/main --repo1 /var/lib/pgbackrest \
 *     --repo2 /mnt/offsite/pgbackrest --cipher-pass-file /etc/pgbackrest/cipher-pass > /etc/pgbackrest/pgbackrest.conf
 *
 * The drill (test/cluster/pgbackrest-drill.ts) renders the same text for its scratch cluster.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

/** What the configuration needs; defaults are the tested ones (docs/deployment.md). */
export interface PgbackrestOptions {
  readonly stanza?: string;
  /** The data folder of PostgreSQL on this host (pg1-path). */
  readonly pgPath: string;
  readonly pgPort?: number;
  /** Unix socket folder of PostgreSQL (Debian: /var/run/postgresql). */
  readonly pgSocketPath?: string;
  /** repo1: the local backup repository (posix path). */
  readonly repo1Path: string;
  /** repo2: the off-site copy: a posix path (a mounted remote disk) ... */
  readonly repo2Path?: string;
  /** ... or an S3-compatible bucket: { bucket, endpoint, region } (keys from the environment: PGBACKREST_REPO2_S3_KEY / _KEY_SECRET). */
  readonly repo2S3?: { readonly bucket: string; readonly endpoint: string; readonly region: string };
  /** Encryption passphrase of both repositories (keep it outside the repositories, 0600). */
  readonly cipherPass: string;
  /** Full backups kept per repository (differentials depend on them; WAL older than the oldest is expired). */
  readonly retentionFull?: number;
  readonly retentionDiff?: number;
  readonly processMax?: number;
  /** Folders for locks, logs and the async spool (default: Debian's). */
  readonly lockPath?: string;
  readonly logPath?: string;
  readonly spoolPath?: string;
  /** Log level written to the log file (default `info`). */
  readonly logLevelFile?: string;
}

const SAFE = /^[A-Za-z0-9_./:@+-]{1,400}$/;

/** Returns the pgbackrest.conf text; throws on a value the INI format would not carry safely. */
export function renderPgbackrestConfig(o: PgbackrestOptions): string {
  const stanza = o.stanza ?? 'twin';
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(stanza)) throw new Error(`bad stanza name ${JSON.stringify(stanza)}`);
  for (const [k, v] of Object.entries({ pgPath: o.pgPath, repo1Path: o.repo1Path, repo2Path: o.repo2Path, pgSocketPath: o.pgSocketPath, lockPath: o.lockPath, logPath: o.logPath, spoolPath: o.spoolPath })) {
    if (v !== undefined && !SAFE.test(v)) throw new Error(`bad ${k}: ${JSON.stringify(v)}`);
  }
  if (!/^[\x21-\x7e]{16,200}$/.test(o.cipherPass)) throw new Error('cipher passphrase: 16-200 printable characters, no spaces');
  if (o.repo2Path && o.repo2S3) throw new Error('repo2 is either a path or an S3 bucket');
  const g: string[] = [
    '[global]',
    '# repo1: the backup host\'s disk',
    `repo1-path=${o.repo1Path}`,
    `repo1-retention-full=${o.retentionFull ?? 2}`,
    `repo1-retention-diff=${o.retentionDiff ?? 7}`,
    'repo1-cipher-type=aes-256-cbc',
    `repo1-cipher-pass=${o.cipherPass}`,
  ];
  if (o.repo2Path || o.repo2S3) {
    g.push('# repo2: the off-site copy (WAL is archived to both; backups are taken to each by its own timer)');
    if (o.repo2Path) g.push(`repo2-path=${o.repo2Path}`);
    else {
      const s3 = o.repo2S3!;
      for (const v of [s3.bucket, s3.endpoint, s3.region]) if (!SAFE.test(v)) throw new Error(`bad S3 setting ${JSON.stringify(v)}`);
      g.push('repo2-type=s3', 'repo2-path=/pgbackrest', `repo2-s3-bucket=${s3.bucket}`, `repo2-s3-endpoint=${s3.endpoint}`, `repo2-s3-region=${s3.region}`);
    }
    g.push(`repo2-retention-full=${o.retentionFull ?? 2}`, `repo2-retention-diff=${o.retentionDiff ?? 7}`, 'repo2-cipher-type=aes-256-cbc', `repo2-cipher-pass=${o.cipherPass}`);
  }
  g.push(
    '# zstd is fast and small; full backups read the whole cluster, so use a few processes',
    'compress-type=zst',
    `process-max=${o.processMax ?? 2}`,
    '# a backup starts at once (a checkpoint now) instead of at the next scheduled checkpoint',
    'start-fast=y',
    `log-level-file=${o.logLevelFile ?? 'info'}`,
  );
  if (o.lockPath) g.push(`lock-path=${o.lockPath}`);
  if (o.logPath) g.push(`log-path=${o.logPath}`);
  if (o.spoolPath) g.push(`spool-path=${o.spoolPath}`);
  g.push('', '[global:archive-push]',
    '# WAL is pushed asynchronously from a spool folder, so a slow repository does not hold up the archiver;',
    '# archive-get stays synchronous (an async get waits 60 s for a segment that does not exist at the end of a recovery)',
    'archive-async=y',
    '# past this much WAL waiting, segments are dropped (archiving reports an error) instead of filling the disk',
    'archive-push-queue-max=4GiB');
  const s = [`[${stanza}]`, `pg1-path=${o.pgPath}`];
  if (o.pgPort) s.push(`pg1-port=${o.pgPort}`);
  if (o.pgSocketPath) s.push(`pg1-socket-path=${o.pgSocketPath}`);
  return `# Written by deploy/pgbackrest/render.ts (Park Twin): docs/deployment.md, "Backups of PostgreSQL".\n${g.join('\n')}\n\n${s.join('\n')}\n`;
}

/** The postgresql.conf lines that archive WAL to pgBackRest (RPO of a lost database host: archive_timeout at most). */
export function archiveSettings(stanza = 'twin', configFile?: string): string {
  const cfg = configFile ? ` --config=${configFile}` : '';
  return `wal_level = replica
archive_mode = on
archive_command = 'pgbackrest${cfg} --stanza=${stanza} archive-push %p'
archive_timeout = 60
max_wal_senders = 10
`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === fs.realpathSync(process.argv[1])) {
  const args = process.argv.slice(2);
  const val = (name: string): string | undefined => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const need = (name: string): string => {
    const v = val(name);
    if (!v) {
      console.error(`--${name} is needed`);
      process.exit(2);
    }
    return v;
  };
  const passFile = need('cipher-pass-file');
  const s3 = val('repo2-s3');
  const m = s3 ? /^([^@]+)@([^/]+)\/(.+)$/.exec(s3) : null;
  if (s3 && !m) {
    console.error('--repo2-s3 BUCKET@ENDPOINT/REGION');
    process.exit(2);
  }
  process.stdout.write(renderPgbackrestConfig({
    stanza: val('stanza') ?? 'twin',
    pgPath: need('pg-path'),
    ...(val('pg-port') ? { pgPort: Number(val('pg-port')) } : {}),
    pgSocketPath: val('pg-socket-path') ?? '/var/run/postgresql',
    repo1Path: need('repo1'),
    ...(val('repo2') ? { repo2Path: val('repo2')! } : {}),
    ...(m ? { repo2S3: { bucket: m[1]!, endpoint: m[2]!, region: m[3]! } } : {}),
    cipherPass: fs.readFileSync(passFile, 'utf8').trim(),
    ...(val('retention-full') ? { retentionFull: Number(val('retention-full')) } : {}),
  }));
}
