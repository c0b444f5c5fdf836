/**
 * The audit trail (Y4 security audit): append-only, hash-chained rows.
 *
 * Each row's hash covers the previous row's hash and the row's canonical content, so verification
 * from a checkpoint (or genesis) finds the first changed, missing or reordered row. Since
 * migration 053 the hash is an HMAC-SHA256 under the audit key (`TWIN_AUDIT_KEY` or
 * `<data dir>/audit.key`), a secret the database does not hold: a database superuser who edits rows
 * cannot recompute the chain. Rows written before that (key_id NULL) keep their keyless SHA-256;
 * the first keyed row after them is an `audit.chain.keyed` boundary row whose MAC covers the
 * legacy head, which pins the whole legacy segment. The head is also anchored off the database
 * (an append-only file by default, `TWIN_AUDIT_ANCHOR`), so cutting the newest rows is caught too.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Db, Queryable } from '../db/index.ts';

export const GENESIS_HASH = '0'.repeat(64);

/** Serializes appends on PostgreSQL across nodes; PGlite serializes transactions anyway. */
const AUDIT_LOCK = 72007010;

/** The row that opens the keyed segment after rows written with the keyless hash (before migration 053). */
export const CHAIN_KEYED_ACTION = 'audit.chain.keyed';
/** The per-source summary of refusals folded by the RefusalAggregator. */
export const REFUSALS_SUMMARY_ACTION = 'access.denied.repeated';

/** What happened, as the caller reports it. */
export interface AuditEvent {
  readonly action: string;
  readonly outcome: 'success' | 'failure' | 'denied';
  readonly actor?: { readonly kind: 'anonymous' | 'user' | 'device' | 'exchange' | 'system'; readonly id?: string | null; readonly name?: string | null };
  /** What was touched, e.g. `user:alice`, `GET /api/users`, `device:<id>`. */
  readonly object?: string | null;
  /** Source address of the request. */
  readonly source?: string | null;
  /** Extra facts; strings, numbers, booleans, null, arrays and objects of those. */
  readonly detail?: Record<string, unknown>;
}

/** One stored row. */
export interface AuditRow {
  readonly seq: number;
  readonly at: Date;
  readonly actor_kind: string;
  readonly actor_id: string | null;
  readonly actor_name: string | null;
  readonly action: string;
  readonly object: string | null;
  readonly outcome: string;
  readonly source: string | null;
  readonly detail: string;
  readonly prev_hash: string;
  readonly hash: string;
  /** Id of the audit key whose HMAC `hash` is; null for rows written with the keyless SHA-256 (before 053). */
  readonly key_id: string | null;
}

// ---- the audit key ------------------------------------------------------------------------------

/** The secret the chain is keyed with, and its public id (stored in each row, never the key). */
export interface AuditKey {
  readonly key: Buffer;
  readonly id: string;
}

/** The public id of a key: 16 hex characters of an HMAC under it (reveals nothing about the key). */
export function auditKeyId(key: Buffer): string {
  return createHmac('sha256', key).update('park-twin audit key id', 'utf8').digest('hex').slice(0, 16);
}

/** Parses a 32-byte key given as 64 hex characters or base64; throws with a clear message. */
export function parseAuditKey(text: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (key.length !== 32) throw new Error('TWIN_AUDIT_KEY must be 32 bytes (64 hex characters or base64)');
  return key;
}

/** The data folder the way the server resolves it (TWIN_DATA_DIR, default ./.twin-data). */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.TWIN_DATA_DIR?.trim() || './.twin-data');
}

/**
 * The audit key: TWIN_AUDIT_KEY when set; otherwise a key generated once into
 * `<dataDir>/audit.key` (mode 0600), like data.key. Two processes generating at the same moment
 * agree on one file (written aside, then linked into place). `warn` is told when a key is generated.
 */
export function loadAuditKey(envKey: string | undefined, dataDir: string, warn: (msg: string) => void): Buffer {
  if (envKey) return parseAuditKey(envKey);
  const file = path.join(dataDir, 'audit.key');
  if (fs.existsSync(file)) return parseAuditKey(fs.readFileSync(file, 'utf8'));
  return createAuditKeyFile(file, warn);
}

/** The audit key from TWIN_AUDIT_KEY or an existing `<dataDir>/audit.key`, never a new one (verification). */
export function findAuditKey(envKey: string | undefined, dataDir: string): Buffer | undefined {
  if (envKey) return parseAuditKey(envKey);
  const file = path.join(dataDir, 'audit.key');
  return fs.existsSync(file) ? parseAuditKey(fs.readFileSync(file, 'utf8')) : undefined;
}

function createAuditKeyFile(file: string, warn: (msg: string) => void): Buffer {
  const dataDir = path.dirname(file);
  fs.mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  fs.writeFileSync(tmp, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    fs.linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return parseAuditKey(fs.readFileSync(file, 'utf8')); // another process made it first
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  warn(`TWIN_AUDIT_KEY is not set: generated the audit chain key in ${file}; back it up off the database host (without it the chain cannot be verified), or set TWIN_AUDIT_KEY`);
  return key;
}

let currentKey: AuditKey | undefined;

/** Makes `key` the process's audit key (the CLI and tests; a server uses ensureAuditKey). */
export function setAuditKey(key: Buffer): AuditKey {
  if (key.length !== 32) throw new Error('the audit key is 32 bytes');
  currentKey = { key: Buffer.from(key), id: auditKeyId(key) };
  return currentKey;
}

/** The process's audit key; `load` supplies it the first time (later calls keep the first key). */
export function ensureAuditKey(load: () => Buffer): AuditKey {
  return currentKey ?? setAuditKey(load());
}

/** The process's audit key, loaded from TWIN_AUDIT_KEY or `<TWIN_DATA_DIR>/audit.key` if nobody set one. */
export function auditKey(): AuditKey {
  return ensureAuditKey(() => loadAuditKey(process.env.TWIN_AUDIT_KEY?.trim() || undefined, defaultDataDir(),
    (m) => process.stderr.write(`warning: ${m}\n`)));
}

// ---- hashing ----------------------------------------------------------------------------------

/** JSON with object keys sorted at every level, so equal content always hashes the same. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v ?? null);
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
}

type Hashable = Omit<AuditRow, 'hash' | 'key_id'> & { readonly key_id?: string | null };

const fieldsOf = (r: Hashable) => [
  r.seq, r.at.toISOString(), r.actor_kind, r.actor_id, r.actor_name, r.action, r.object, r.outcome, r.source, r.detail, r.prev_hash,
];

/** The keyless SHA-256 of rows written before migration 053 (anyone, a forger included, can compute it). */
export function legacyRowHash(r: Hashable): string {
  return createHash('sha256').update(JSON.stringify(fieldsOf(r)), 'utf8').digest('hex');
}

/**
 * The hash of a row given its content and the previous row's hash: the keyless SHA-256 for rows
 * without a key id, otherwise HMAC-SHA256 under the audit key (which must be the one named).
 */
export function rowHash(r: Hashable, key: AuditKey = auditKey()): string {
  if (r.key_id == null) return legacyRowHash(r);
  if (r.key_id !== key.id) throw new Error(`row ${r.seq} was written with audit key ${r.key_id}, not the configured key ${key.id}`);
  return createHmac('sha256', key.key).update(JSON.stringify(['v2', r.key_id, ...fieldsOf(r)]), 'utf8').digest('hex');
}

const COLUMNS = 'seq, at, actor_kind, actor_id, actor_name, action, object, outcome, source, detail, prev_hash, hash, key_id';

interface Head {
  readonly seq: number;
  readonly hash: string;
  /** False when the newest row carries the keyless hash (written before 053). */
  readonly keyed: boolean;
}

async function headFor(tx: Queryable): Promise<Head> {
  const last = await tx.query<{ seq: number; hash: string; key_id: string | null }>('SELECT seq, hash, key_id FROM audit_log ORDER BY seq DESC LIMIT 1');
  const r = last.rows[0];
  if (r) return { seq: r.seq, hash: r.hash, keyed: r.key_id !== null };
  const cp = await tx.query<{ seq: number; hash: string }>('SELECT seq, hash FROM audit_checkpoint ORDER BY seq DESC LIMIT 1');
  return { ...(cp.rows[0] ?? { seq: 0, hash: GENESIS_HASH }), keyed: true };
}

async function insertRow(tx: Queryable, key: AuditKey, prev: { seq: number; hash: string }, event: AuditEvent, at: Date): Promise<AuditRow> {
  const clip = (s: string | null | undefined, n: number) => (s == null ? null : s.slice(0, n));
  const base = {
    seq: prev.seq + 1,
    at: new Date(Math.floor(at.getTime())),
    actor_kind: event.actor?.kind ?? 'anonymous',
    actor_id: clip(event.actor?.id, 100),
    actor_name: clip(event.actor?.name, 100),
    action: event.action.slice(0, 100),
    object: clip(event.object, 300),
    outcome: event.outcome,
    source: clip(event.source, 100),
    detail: canonicalJson(event.detail ?? {}),
    prev_hash: prev.hash,
    key_id: key.id,
  };
  const row: AuditRow = { ...base, hash: rowHash(base, key) };
  await tx.query(
    `INSERT INTO audit_log (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
    [row.seq, row.at, row.actor_kind, row.actor_id, row.actor_name, row.action, row.object, row.outcome, row.source,
      row.detail, row.prev_hash, row.hash, row.key_id],
  );
  return row;
}

/** The boundary row that opens the keyed segment: its MAC covers the legacy head it names. */
function boundaryEvent(legacyHead: { seq: number; hash: string }, key: AuditKey): AuditEvent {
  return {
    action: CHAIN_KEYED_ACTION, outcome: 'success', actor: { kind: 'system', name: 'audit-key' }, object: 'audit_log',
    detail: { legacyHead: { seq: legacyHead.seq, hash: legacyHead.hash }, keyId: key.id },
  };
}

/**
 * Appends one event inside the caller's transaction (so an audited change and its audit row
 * commit or roll back together). Returns the stored row. After rows with the keyless hash, a
 * boundary row (`audit.chain.keyed`) goes first.
 */
export async function appendAudit(tx: Queryable, event: AuditEvent, at: Date): Promise<AuditRow> {
  const key = auditKey();
  await tx.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK]);
  const head = await headFor(tx);
  const prev = head.keyed ? head : await insertRow(tx, key, head, boundaryEvent(head, key), at);
  return insertRow(tx, key, prev, event, at);
}

/**
 * Opens the keyed segment now if the newest row still carries the keyless hash (first start after
 * migration 053), so the legacy rows are pinned at once rather than at the next audited action.
 * Returns whether a boundary row was written.
 */
export async function ensureKeyedChain(db: Db, at: Date): Promise<boolean> {
  const key = auditKey();
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK]);
    const h = await headFor(tx);
    if (h.keyed) return false;
    await insertRow(tx, key, h, boundaryEvent(h, key), at);
    return true;
  });
}

/** A known (seq, hash) pair kept off the database, e.g. the head printed by `twin audit export`. */
export interface AuditAnchor {
  readonly seq: number;
  readonly hash: string;
}

// ---- anchors off the database -------------------------------------------------------------------

/** One anchor as the sink keeps it: the head at a time, signed with the audit key. */
export interface AnchorRecord extends AuditAnchor {
  readonly at: string;
  readonly keyId: string;
  readonly mac: string;
}

/** Where heads are anchored off the database (TWIN_AUDIT_ANCHOR). */
export interface AnchorSink {
  /** For messages, e.g. the file name. */
  readonly description: string;
  append(record: AnchorRecord): Promise<void>;
  /** Every anchor, oldest first; throws on a line it cannot read. */
  read(): Promise<AnchorRecord[]>;
}

function anchorMac(key: AuditKey, a: AuditAnchor, at: string): string {
  return createHmac('sha256', key.key).update(`park-twin audit anchor|${a.seq}|${a.hash}|${at}`, 'utf8').digest('hex');
}

/** An anchor record for `head`, signed with the audit key. */
export function signAnchor(head: AuditAnchor, at: Date, key: AuditKey = auditKey()): AnchorRecord {
  const iso = at.toISOString();
  return { seq: head.seq, hash: head.hash, at: iso, keyId: key.id, mac: anchorMac(key, head, iso) };
}

/**
 * The default sink: a JSON-lines file opened for append only (O_APPEND, 0600, fsynced per line).
 * Put it on storage the database administrator cannot write (another host's mount, a WORM volume,
 * `chattr +a`), so a superuser of the database cannot rewrite both.
 */
export class FileAnchorSink implements AnchorSink {
  constructor(readonly file: string) {}

  get description(): string {
    return this.file;
  }

  /** Appends one line and syncs it to disk. */
  async append(record: AnchorRecord): Promise<void> {
    await fs.promises.mkdir(path.dirname(this.file), { recursive: true });
    const fh = await fs.promises.open(this.file, 'a', 0o600);
    try {
      await fh.appendFile(`${JSON.stringify(record)}\n`, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
  }

  /** Every anchor in the file (none when it does not exist yet). */
  async read(): Promise<AnchorRecord[]> {
    let text: string;
    try {
      text = await fs.promises.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const out: AnchorRecord[] = [];
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!.trim();
      if (!line) continue;
      let r: Partial<AnchorRecord> | undefined;
      try {
        r = JSON.parse(line) as Partial<AnchorRecord>;
      } catch {
        r = undefined;
      }
      if (!r || !Number.isSafeInteger(r.seq) || typeof r.hash !== 'string' || !/^[0-9a-f]{64}$/.test(r.hash)
        || typeof r.at !== 'string' || typeof r.keyId !== 'string' || typeof r.mac !== 'string') {
        // A torn last line (crash mid-write) is skipped; damage anywhere else is reported.
        if (i >= lines.length - 2 && !text.endsWith('\n')) continue;
        throw new Error(`${this.file} line ${i + 1} is not an audit anchor`);
      }
      out.push(r as AnchorRecord);
    }
    return out;
  }
}

/**
 * The sink named by TWIN_AUDIT_ANCHOR: unset means `<dataDir>/audit-anchors.jsonl`, `off`
 * disables anchoring (truncation of the newest rows then goes unnoticed), anything else is a
 * file path.
 */
export function anchorSinkFor(setting: string | undefined, dataDir: string): AnchorSink | null {
  const s = setting?.trim();
  if (s === 'off') return null;
  return new FileAnchorSink(s ? path.resolve(s.startsWith('file:') ? s.slice(5) : s) : path.join(dataDir, 'audit-anchors.jsonl'));
}

/**
 * Anchors the head off the database: at start (after opening the keyed segment if needed),
 * every `intervalMs` when the head moved, and at stop.
 */
export class AuditAnchorer {
  #timer: NodeJS.Timeout | undefined;
  #last: AuditAnchor | undefined;
  #busy: Promise<AuditAnchor | null> | null = null;

  constructor(
    readonly db: Db,
    readonly sink: AnchorSink,
    readonly opts: { readonly intervalMs: number; readonly clock: () => number; readonly onError: (err: unknown) => void },
  ) {}

  /** Opens the keyed segment if needed, anchors the head and starts the timer. */
  async start(): Promise<void> {
    await ensureKeyedChain(this.db, new Date(this.opts.clock()));
    // An unwritable sink is reported (and retried by the timer) but does not keep the server down.
    const known = await this.sink.read().catch((err: unknown) => {
      this.opts.onError(err);
      return [];
    });
    this.#last = known.at(-1);
    await this.anchorNow().catch(this.opts.onError);
    this.#timer = setInterval(() => {
      this.anchorNow().catch(this.opts.onError);
    }, this.opts.intervalMs);
    this.#timer.unref();
  }

  /** Writes the head to the sink unless it is already the last anchor there; returns what it wrote. */
  anchorNow(): Promise<AuditAnchor | null> {
    this.#busy ??= (async () => {
      try {
        const head = await auditHead(this.db);
        if (head.seq === 0 || (this.#last && this.#last.seq === head.seq && this.#last.hash === head.hash)) return null;
        await this.sink.append(signAnchor(head, new Date(this.opts.clock())));
        this.#last = head;
        return head;
      } finally {
        this.#busy = null;
      }
    })();
    return this.#busy;
  }

  /** Stops the timer and anchors the final head (best effort). */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.anchorNow().catch(this.opts.onError);
  }
}

// ---- verification -------------------------------------------------------------------------------

/** Result of a verification. */
export type VerifyResult =
  | {
    readonly ok: true; readonly rows: number; readonly head: AuditAnchor; readonly from: AuditAnchor;
    /** Rows still carrying the keyless hash (before 053; pinned by the boundary row). */
    readonly legacyRows: number;
    /** Anchors checked (given and from the sink). */
    readonly anchors: number;
  }
  | { readonly ok: false; readonly rows: number; readonly brokenAt: number; readonly reason: string };

/**
 * Walks the chain from the latest checkpoint (or genesis) to the head, in pages, checking each
 * row's HMAC under the audit key (keyless SHA-256 only for the legacy rows before the boundary
 * row). Anchors, given and read from `sink`, must each be present with their hash: this catches
 * truncation of the newest rows and a chain recomputed with the keyless hash. A checkpoint the
 * walk starts from must be confirmed by its `audit.purge` row.
 */
export async function verifyAudit(q: Queryable, opts: { anchors?: readonly AuditAnchor[]; sink?: AnchorSink | null; pageSize?: number; key?: AuditKey } = {}): Promise<VerifyResult> {
  const pageSize = opts.pageSize ?? 5000;
  const key = opts.key ?? auditKey();
  let rows = 0;
  const fail = (brokenAt: number, reason: string): VerifyResult => ({ ok: false, rows, brokenAt, reason });
  const anchors = new Map<number, { hash: string; where: string }>();
  for (const a of opts.anchors ?? []) anchors.set(a.seq, { hash: a.hash, where: 'the given anchor' });
  if (opts.sink) {
    let sunk: AnchorRecord[];
    try {
      sunk = await opts.sink.read();
    } catch (err) {
      return fail(0, `the anchor sink cannot be read: ${(err as Error).message}`);
    }
    for (const a of sunk) {
      if (a.keyId !== key.id || !sameHex(a.mac, anchorMac(key, a, a.at))) {
        return fail(a.seq, `the anchor of row ${a.seq} in ${opts.sink.description} is not signed with the configured audit key`);
      }
      const had = anchors.get(a.seq);
      if (had && had.hash !== a.hash) return fail(a.seq, `${opts.sink.description} holds two different anchors for row ${a.seq}`);
      anchors.set(a.seq, { hash: a.hash, where: opts.sink.description });
    }
  }
  const anchorCount = anchors.size;
  const cps = await q.query<{ seq: number; hash: string }>('SELECT seq, hash FROM audit_checkpoint ORDER BY seq');
  const cpBySeq = new Map(cps.rows.map((c) => [c.seq, c.hash]));
  let expectedSeq: number | undefined;
  let prevHash: string | undefined;
  let from: AuditAnchor | undefined;
  let after = 0;
  let last: AuditAnchor | undefined;
  let legacyRows = 0;
  let keyed = false;
  let checkpointConfirmed = false;
  for (;;) {
    const page = await q.query<AuditRow>(`SELECT ${COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2`, [after, pageSize]);
    for (const r of page.rows) {
      if (expectedSeq === undefined) {
        // The first kept row chains to genesis (seq 1) or to the checkpoint just before it.
        const start = r.seq === 1 ? GENESIS_HASH : cpBySeq.get(r.seq - 1);
        if (start === undefined) return fail(r.seq, `rows before ${r.seq} are missing and no checkpoint covers them`);
        from = { seq: r.seq - 1, hash: start };
        prevHash = start;
        expectedSeq = r.seq;
      }
      if (r.seq !== expectedSeq) return fail(expectedSeq, `row ${expectedSeq} is missing (next row is ${r.seq})`);
      if (r.prev_hash !== prevHash) return fail(r.seq, `row ${r.seq} does not chain to the previous row`);
      if (r.key_id === null) {
        if (keyed) return fail(r.seq, `row ${r.seq} carries the keyless hash after the chain was keyed (rewritten without the audit key)`);
        if (legacyRowHash(r) !== r.hash) return fail(r.seq, `row ${r.seq} content does not match its hash`);
        legacyRows++;
      } else {
        if (r.key_id !== key.id) return fail(r.seq, `row ${r.seq} was written with audit key ${r.key_id}, not the configured key ${key.id} (TWIN_AUDIT_KEY / audit.key)`);
        if (!keyed && legacyRows > 0) {
          // Legacy rows end at a boundary row naming their head; its MAC pins the whole legacy segment.
          const d = parseDetail(r.detail) as { legacyHead?: { seq?: unknown; hash?: unknown } } | null;
          if (r.action !== CHAIN_KEYED_ACTION || d?.legacyHead?.seq !== r.seq - 1 || d.legacyHead.hash !== r.prev_hash) {
            return fail(r.seq, `row ${r.seq} starts the keyed chain without a boundary row naming the legacy head`);
          }
        }
        if (!sameHex(rowHash(r, key), r.hash)) return fail(r.seq, `row ${r.seq} content does not match its hash (HMAC under the audit key)`);
        keyed = true;
      }
      const cp = cpBySeq.get(r.seq);
      if (cp !== undefined && cp !== r.hash) return fail(r.seq, `row ${r.seq} differs from its checkpoint`);
      const an = anchors.get(r.seq);
      if (an !== undefined && an.hash !== r.hash) return fail(r.seq, `row ${r.seq} differs from its anchor in ${an.where}`);
      anchors.delete(r.seq);
      if (from && from.seq > 0 && r.action === 'audit.purge' && r.object === `audit_log<=${from.seq}`
        && (parseDetail(r.detail) as { checkpoint?: unknown } | null)?.checkpoint === from.hash) checkpointConfirmed = true;
      prevHash = r.hash;
      expectedSeq = r.seq + 1;
      last = { seq: r.seq, hash: r.hash };
      rows++;
    }
    if (page.rows.length < pageSize) break;
    after = page.rows.at(-1)!.seq;
  }
  // Anchors not met: rows at or after them vanished (anchors older than the checkpoint were purged legitimately).
  const floor = from?.seq ?? Math.max(0, ...cpBySeq.keys());
  for (const [seq, a] of [...anchors].sort((x, y) => x[0] - y[0])) {
    if (seq > floor) return fail(seq, `row ${seq}, anchored in ${a.where}, is missing (the log was truncated)`);
  }
  if (from && from.seq > 0 && !checkpointConfirmed) {
    return fail(from.seq, `the checkpoint at row ${from.seq} is not confirmed by its audit.purge row (rows before it may have been deleted)`);
  }
  if (!last) {
    const cp = [...cpBySeq].at(-1);
    const head = cp ? { seq: cp[0], hash: cp[1] } : { seq: 0, hash: GENESIS_HASH };
    return { ok: true, rows: 0, head, from: head, legacyRows, anchors: anchorCount };
  }
  return { ok: true, rows, head: last, from: from!, legacyRows, anchors: anchorCount };
}

function parseDetail(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

function sameHex(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** The newest row (seq and hash), to anchor off-host. */
export async function auditHead(q: Queryable): Promise<AuditAnchor> {
  const r = await q.query<AuditAnchor>('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
  if (r.rows[0]) return r.rows[0];
  const cp = await q.query<AuditAnchor>('SELECT seq, hash FROM audit_checkpoint ORDER BY seq DESC LIMIT 1');
  return cp.rows[0] ?? { seq: 0, hash: GENESIS_HASH };
}

/** Search filters of the audit panel and API. */
export interface AuditQuery {
  readonly from?: Date;
  readonly to?: Date;
  readonly actor?: string;
  readonly action?: string;
  readonly outcome?: 'success' | 'failure' | 'denied';
  /** Substring of the object or source. */
  readonly text?: string;
  /** Rows with seq below this (paging backwards from the newest). */
  readonly before?: number;
  readonly limit?: number;
}

/** Newest-first search; every filter is a bound parameter. */
export async function searchAudit(q: Queryable, f: AuditQuery): Promise<AuditRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, v: unknown) => {
    params.push(v);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (f.from) add('at >= ?', f.from);
  if (f.to) add('at < ?', f.to);
  if (f.actor) add('actor_name = ?', f.actor);
  if (f.action) add("action LIKE ? || '%'", f.action.replace(/[\\%_]/g, (c) => `\\${c}`));
  if (f.outcome) add('outcome = ?', f.outcome);
  if (f.text) {
    params.push(`%${f.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    where.push(`(object LIKE $${params.length} OR source LIKE $${params.length} OR detail LIKE $${params.length})`);
  }
  if (f.before) add('seq < ?', f.before);
  params.push(Math.min(Math.max(f.limit ?? 100, 1), 1000));
  const r = await q.query<AuditRow>(
    `SELECT ${COLUMNS} FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT $${params.length}`,
    params,
  );
  return r.rows;
}

/** One exported line: the row as stored, `at` in ISO form, so the hash can be recomputed off-host. */
export function exportLine(r: AuditRow): string {
  return JSON.stringify({ ...r, at: r.at.toISOString() });
}

/**
 * Streams the rows (oldest first, from `afterSeq`) as JSON lines to `write`, then returns the head
 * to anchor. Pages keep memory flat on large logs.
 */
export async function exportAudit(q: Queryable, write: (line: string) => void | Promise<void>, afterSeq = 0): Promise<AuditAnchor & { rows: number }> {
  let after = afterSeq;
  let rows = 0;
  for (;;) {
    const page = await q.query<AuditRow>(`SELECT ${COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT 2000`, [after]);
    for (const r of page.rows) await write(exportLine(r));
    rows += page.rows.length;
    if (page.rows.length < 2000) break;
    after = page.rows.at(-1)!.seq;
  }
  return { ...(await auditHead(q)), rows };
}

/**
 * Retention: deletes rows older than `retentionDays` (never fewer than 183; the trigger enforces
 * the floor too) after writing a checkpoint at the last purged row, so the chain still verifies.
 * The purge itself is audited. Returns how many rows went.
 */
export async function purgeAudit(db: Db, retentionDays: number, now: Date): Promise<number> {
  if (retentionDays < 183) throw new Error('audit retention is at least 183 days');
  const cutoff = new Date(now.getTime() - retentionDays * 86_400_000);
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK]);
    // Never purge the newest row: the chain needs a head to continue from.
    const r = await tx.query<{ seq: number; hash: string }>(
      `SELECT seq, hash FROM audit_log WHERE at < $1 AND seq < (SELECT max(seq) FROM audit_log) ORDER BY seq DESC LIMIT 1`,
      [cutoff],
    );
    const last = r.rows[0];
    if (!last) return 0;
    const n = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log WHERE seq <= $1', [last.seq]);
    const purged = n.rows[0]?.n ?? 0;
    await tx.query('INSERT INTO audit_checkpoint (seq, hash, at, purged) VALUES ($1, $2, $3, $4)', [last.seq, last.hash, now, purged]);
    await tx.query('DELETE FROM audit_log WHERE seq <= $1', [last.seq]);
    await appendAudit(tx, {
      action: 'audit.purge', outcome: 'success', actor: { kind: 'system', name: 'retention' },
      object: `audit_log<=${last.seq}`, detail: { purged, retentionDays, checkpoint: last.hash },
    }, now);
    return purged;
  });
}

// ---- refusal floods -----------------------------------------------------------------------------

/** Settings of the RefusalAggregator. */
export interface RefusalAggregatorOptions {
  /** Refusals per source and window written as rows of their own; the rest are counted. */
  readonly perSource: number;
  readonly windowMs: number;
  /** Distinct sources tracked per window; refusals from further sources share one `*` window. */
  readonly maxSources?: number;
  readonly clock: () => number;
  /** Appends one row (the caller's own transaction and clock). */
  readonly write: (event: AuditEvent) => Promise<void>;
}

interface RefusalWindow {
  readonly start: number;
  last: number;
  written: number;
  folded: number;
  readonly object: string | null;
  readonly kinds: Map<string, number>;
  sources: number;
}

const MAX_KINDS = 40;

/**
 * Keeps anonymous refusal floods (unauthenticated WebSocket upgrades, 401s, rate limits) from
 * flooding the audit trail: per source and window, the first `perSource` refusals are written as
 * they happen (so the first occurrence is always recorded), the rest are counted and written as
 * one `access.denied.repeated` row per source when the window ends, with the count and a
 * breakdown by action, object and reason.
 */
export class RefusalAggregator {
  readonly #windows = new Map<string, RefusalWindow>();
  readonly #maxSources: number;
  #lastSweep = 0;

  constructor(readonly opts: RefusalAggregatorOptions) {
    this.#maxSources = opts.maxSources ?? 5000;
  }

  /** Whether an event is one this aggregator takes: a refusal of an anonymous caller. */
  static applies(e: AuditEvent): boolean {
    return e.outcome === 'denied' && (e.actor?.kind ?? 'anonymous') === 'anonymous' && e.action !== REFUSALS_SUMMARY_ACTION;
  }

  /** Counts one refusal; writes it if the source is still within its allowance for the window. */
  async record(e: AuditEvent): Promise<void> {
    const now = this.opts.clock();
    if (now - this.#lastSweep >= 1000) {
      this.#lastSweep = now;
      await this.flush();
    }
    let key = e.source ?? 'unknown';
    let w = this.#windows.get(key);
    if (!w && this.#windows.size >= this.#maxSources) {
      key = '*';
      w = this.#windows.get(key);
    }
    if (!w) {
      w = { start: now, last: now, written: 0, folded: 0, object: e.object ?? null, kinds: new Map(), sources: 0 };
      this.#windows.set(key, w);
    }
    w.last = now;
    if (key === '*') w.sources++;
    if (w.written < this.opts.perSource && key !== '*') {
      w.written++;
      await this.opts.write(e);
      return;
    }
    w.folded++;
    const reason = typeof e.detail?.reason === 'string' ? e.detail.reason.slice(0, 40) : '';
    let kind = `${e.action} ${e.object ?? '-'}${reason ? ` (${reason})` : ''}`.slice(0, 200);
    if (!w.kinds.has(kind) && w.kinds.size >= MAX_KINDS) kind = 'other';
    w.kinds.set(kind, (w.kinds.get(kind) ?? 0) + 1);
  }

  /** Writes the summary of every window that has ended (every window with `all`); returns rows written. */
  async flush(all = false): Promise<number> {
    const now = this.opts.clock();
    let n = 0;
    for (const [source, w] of [...this.#windows]) {
      if (!all && now - w.start < this.opts.windowMs) continue;
      this.#windows.delete(source);
      if (w.folded === 0) continue;
      await this.opts.write({
        action: REFUSALS_SUMMARY_ACTION, outcome: 'denied', actor: { kind: 'anonymous' }, object: w.object,
        source: source === '*' ? null : source,
        detail: {
          count: w.folded, writtenSeparately: w.written, windowStart: new Date(w.start).toISOString(), lastAt: new Date(w.last).toISOString(),
          windowSeconds: Math.round(this.opts.windowMs / 1000), kinds: Object.fromEntries(w.kinds),
          ...(source === '*' ? { overflow: true, refusals: w.sources } : {}),
        },
      });
      n++;
    }
    return n;
  }

  /** Refusals counted but not yet written (for tests and shutdown). */
  get pending(): number {
    let n = 0;
    for (const w of this.#windows.values()) n += w.folded;
    return n;
  }
}
