/**
 * The audit trail (Y4 security audit): append-only, hash-chained rows. Each row's hash is
 * sha256(previous hash + the row's canonical content), so verification from a checkpoint (or the
 * genesis hash) finds the first changed, missing or reordered row.
 */
import { createHash } from 'node:crypto';
import type { Db, Queryable } from '../db/index.ts';

export const GENESIS_HASH = '0'.repeat(64);

/** Serializes appends on PostgreSQL across nodes; PGlite serializes transactions anyway. */
const AUDIT_LOCK = 72007010;

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
}

/** JSON with object keys sorted at every level, so equal content always hashes the same. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v ?? null);
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
}

/** The hash of a row given its content and the previous row's hash. */
export function rowHash(r: Omit<AuditRow, 'hash'>): string {
  const content = JSON.stringify([
    r.seq, r.at.toISOString(), r.actor_kind, r.actor_id, r.actor_name, r.action, r.object, r.outcome, r.source, r.detail, r.prev_hash,
  ]);
  return createHash('sha256').update(content, 'utf8').digest('hex');
}

const COLUMNS = 'seq, at, actor_kind, actor_id, actor_name, action, object, outcome, source, detail, prev_hash, hash';

/**
 * Appends one event inside the caller's transaction (so an audited change and its audit row
 * commit or roll back together). Returns the stored row.
 */
export async function appendAudit(tx: Queryable, event: AuditEvent, at: Date): Promise<AuditRow> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK]);
  const last = await tx.query<{ seq: number; hash: string }>(
    `SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`,
  );
  let prev = last.rows[0];
  if (!prev) {
    const cp = await tx.query<{ seq: number; hash: string }>('SELECT seq, hash FROM audit_checkpoint ORDER BY seq DESC LIMIT 1');
    prev = cp.rows[0] ?? { seq: 0, hash: GENESIS_HASH };
  }
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
  };
  const row: AuditRow = { ...base, hash: rowHash(base) };
  await tx.query(
    `INSERT INTO audit_log (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [row.seq, row.at, row.actor_kind, row.actor_id, row.actor_name, row.action, row.object, row.outcome, row.source,
      row.detail, row.prev_hash, row.hash],
  );
  return row;
}

/** A known (seq, hash) pair kept off-host, e.g. the head printed by `twin audit export`. */
export interface AuditAnchor {
  readonly seq: number;
  readonly hash: string;
}

/** Result of a verification. */
export type VerifyResult =
  | { readonly ok: true; readonly rows: number; readonly head: AuditAnchor; readonly from: AuditAnchor }
  | { readonly ok: false; readonly rows: number; readonly brokenAt: number; readonly reason: string };

/**
 * Walks the chain from the latest checkpoint (or genesis) to the head, in pages. Anchors must
 * each be present with their hash (this catches truncation of the newest rows).
 */
export async function verifyAudit(q: Queryable, opts: { anchors?: readonly AuditAnchor[]; pageSize?: number } = {}): Promise<VerifyResult> {
  const pageSize = opts.pageSize ?? 5000;
  const cps = await q.query<{ seq: number; hash: string }>('SELECT seq, hash FROM audit_checkpoint ORDER BY seq');
  const cpBySeq = new Map(cps.rows.map((c) => [c.seq, c.hash]));
  const anchors = new Map((opts.anchors ?? []).map((a) => [a.seq, a.hash]));
  let expectedSeq: number | undefined;
  let prevHash: string | undefined;
  let from: AuditAnchor | undefined;
  let rows = 0;
  let after = 0;
  let last: AuditAnchor | undefined;
  const fail = (brokenAt: number, reason: string): VerifyResult => ({ ok: false, rows, brokenAt, reason });
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
      if (rowHash(r) !== r.hash) return fail(r.seq, `row ${r.seq} content does not match its hash`);
      const cp = cpBySeq.get(r.seq);
      if (cp !== undefined && cp !== r.hash) return fail(r.seq, `row ${r.seq} differs from its checkpoint`);
      const an = anchors.get(r.seq);
      if (an !== undefined && an !== r.hash) return fail(r.seq, `row ${r.seq} differs from the anchor`);
      anchors.delete(r.seq);
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
  for (const [seq] of anchors) {
    if (seq > floor) return fail(seq, `anchored row ${seq} is missing (the log was truncated)`);
  }
  if (!last) {
    const cp = [...cpBySeq].at(-1);
    const head = cp ? { seq: cp[0], hash: cp[1] } : { seq: 0, hash: GENESIS_HASH };
    return { ok: true, rows: 0, head, from: head };
  }
  return { ok: true, rows, head: last, from: from! };
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
