import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { describeEachBackend } from '../db/testing.ts';
import type { Queryable } from '../db/index.ts';
import {
  anchorSinkFor, appendAudit, AuditAnchorer, auditHead, auditKey, auditKeyId, CHAIN_KEYED_ACTION, exportAudit, FileAnchorSink, findAuditKey,
  GENESIS_HASH, legacyRowHash, loadAuditKey, purgeAudit, RefusalAggregator, REFUSALS_SUMMARY_ACTION, rowHash, setAuditKey, signAnchor, verifyAudit,
  type AuditEvent, type AuditRow,
} from './audit.ts';
import { loadAuthSettings } from './config.ts';

// The chain is keyed; this process's key (a server loads TWIN_AUDIT_KEY or <data dir>/audit.key).
setAuditKey(randomBytes(32));

const DAY = 86_400_000;

/** Writes n events with increasing times starting at `t0`. */
async function writeEvents(q: { transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> }, n: number, t0: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await q.transaction((tx) => appendAudit(tx, {
      action: i % 3 === 0 ? 'auth.login' : 'user.update', outcome: i % 5 === 0 ? 'failure' : 'success',
      actor: { kind: 'user', id: `u${i % 4}`, name: `user${i % 4}` }, object: `user:target${i}`, source: '10.0.0.1',
      detail: { i, tags: ['a', 'b'], nested: { z: 1, a: 'x' } },
    }, new Date(t0 + i * 1000)));
  }
}

describeEachBackend('audit chain', ({ db }) => {
  it('chains every row to the previous one and verifies from genesis', async () => {
    await writeEvents(db(), 40, Date.now() - 1000 * DAY);
    const r = await verifyAudit(db());
    expect(r).toMatchObject({ ok: true, rows: 40, from: { seq: 0, hash: GENESIS_HASH } });
    const rows = (await db().query<AuditRow>('SELECT * FROM audit_log ORDER BY seq')).rows;
    expect(rows[0]!.prev_hash).toBe(GENESIS_HASH);
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.prev_hash).toBe(rows[i - 1]!.hash);
    expect(rowHash(rows[7]!)).toBe(rows[7]!.hash);
  });

  it('refuses UPDATE, DELETE and TRUNCATE for the application', async () => {
    await expect(db().query("UPDATE audit_log SET outcome = 'success' WHERE seq = 1")).rejects.toThrow(/append-only/);
    await expect(db().query('DELETE FROM audit_log WHERE seq = 2')).rejects.toThrow(/append-only/);
    await expect(db().exec('TRUNCATE audit_log')).rejects.toThrow(/append-only/);
    await expect(db().query('DELETE FROM audit_checkpoint')).resolves.toBeDefined(); // no rows: nothing to refuse
    await expect(db().query("INSERT INTO audit_checkpoint (seq, hash, at, purged) VALUES (3, $1, now(), 3)", ['f'.repeat(64)]))
      .rejects.toThrow(/existing audit row/);
    expect((await verifyAudit(db())).ok).toBe(true);
  });

  it('detects each of 1,000 random mutations, deletions and reorderings (done with triggers disabled)', async () => {
    const rows = (await db().query<AuditRow>('SELECT * FROM audit_log ORDER BY seq')).rows;
    const n = rows.length;
    // The head is anchored off-host (what `twin audit export` prints), so cutting the tail is caught too.
    const anchors = [await auditHead(db())];
    const columns = ['at', 'actor_kind', 'actor_id', 'actor_name', 'action', 'object', 'outcome', 'source', 'detail', 'prev_hash', 'hash', 'key_id'] as const;
    const tamper = fc.oneof(
      fc.record({ op: fc.constant('mutate' as const), seq: fc.integer({ min: 1, max: n }), col: fc.constantFrom(...columns), salt: fc.integer({ min: 1, max: 1e6 }) }),
      fc.record({ op: fc.constant('delete' as const), seq: fc.integer({ min: 1, max: n }), count: fc.integer({ min: 1, max: 3 }) }),
      fc.record({ op: fc.constant('swap' as const), a: fc.integer({ min: 1, max: n }), b: fc.integer({ min: 1, max: n }) }).filter((s) => s.a !== s.b),
    );
    const samples = fc.sample(tamper, { numRuns: 1000, seed: 20261125 });
    expect(samples).toHaveLength(1000);
    let detected = 0;
    const seen = { mutate: 0, delete: 0, swap: 0 };
    for (const t of samples) {
      seen[t.op]++;
      const verdict = await db().transaction(async (tx) => {
        // As a superuser would: switch the append-only triggers off inside this transaction only.
        await tx.exec('ALTER TABLE audit_log DISABLE TRIGGER USER');
        if (t.op === 'mutate') {
          const r = rows[t.seq - 1]!;
          const sets: Record<(typeof columns)[number], [string, unknown]> = {
            at: ['at = at + ($2::int * interval \'1 millisecond\')', t.salt],
            actor_kind: ["actor_kind = CASE WHEN actor_kind = 'system' THEN 'user' ELSE 'system' END", null],
            actor_id: ['actor_id = coalesce(actor_id, \'\') || $2::text', t.salt],
            actor_name: ['actor_name = coalesce(actor_name, \'\') || $2::text', t.salt],
            action: ['action = action || $2::text', t.salt],
            object: ['object = coalesce(object, \'\') || $2::text', t.salt],
            outcome: ["outcome = CASE WHEN outcome = 'success' THEN 'denied' ELSE 'success' END", null],
            source: ['source = coalesce(source, \'\') || $2::text', t.salt],
            detail: ['detail = $2::text', JSON.stringify({ forged: t.salt })],
            prev_hash: ['prev_hash = $2', (BigInt(`0x${r.prev_hash}`) ^ BigInt(t.salt)).toString(16).padStart(64, '0')],
            hash: ['hash = $2', (BigInt(`0x${r.hash}`) ^ BigInt(t.salt)).toString(16).padStart(64, '0')],
            key_id: ["key_id = CASE WHEN $2::int % 2 = 0 THEN NULL ELSE lpad(to_hex($2::int), 16, '0') END", t.salt],
          };
          const [expr, v] = sets[t.col];
          await tx.query(`UPDATE audit_log SET ${expr} WHERE seq = $1`, v === null ? [t.seq] : [t.seq, v]);
        } else if (t.op === 'delete') {
          await tx.query('DELETE FROM audit_log WHERE seq >= $1 AND seq < $2', [t.seq, t.seq + t.count]);
        } else {
          // Reorder: the two rows trade places in the sequence.
          await tx.query('UPDATE audit_log SET seq = seq + 1000000 WHERE seq IN ($1, $2)', [t.a, t.b]);
          await tx.query('UPDATE audit_log SET seq = CASE WHEN seq = $1::bigint THEN $2::bigint ELSE $3::bigint END WHERE seq IN ($1, $4)',
            [t.a + 1000000, t.b, t.a, t.b + 1000000]);
        }
        const v = await verifyAudit(tx, { anchors });
        throw Object.assign(new Error('rollback'), { verdict: v });
      }).catch((e: { verdict?: Awaited<ReturnType<typeof verifyAudit>> }) => {
        if (!e.verdict) throw e;
        return e.verdict;
      });
      if (!verdict.ok) detected++;
      else throw new Error(`undetected tampering: ${JSON.stringify(t)}`);
    }
    expect(detected).toBe(1000);
    expect(Math.min(seen.mutate, seen.delete, seen.swap)).toBeGreaterThan(200);
    expect((await verifyAudit(db(), { anchors })).ok).toBe(true); // every change was rolled back
  });

  it('names the first broken row', async () => {
    await db().transaction(async (tx) => {
      await tx.exec('ALTER TABLE audit_log DISABLE TRIGGER USER');
      await tx.query("UPDATE audit_log SET object = 'user:mallory' WHERE seq = 17");
      const v = await verifyAudit(tx);
      expect(v).toMatchObject({ ok: false, brokenAt: 17 });
      await tx.exec('ALTER TABLE audit_log ENABLE TRIGGER USER');
      throw new Error('rollback');
    }).catch((e: Error) => expect(e.message).toBe('rollback'));
  });

  it('purges only rows past retention, through a checkpoint, and the chain still verifies', async () => {
    const before = await auditHead(db());
    // 40 rows were written ~1000 days ago; add 5 recent ones.
    await writeEvents(db(), 5, Date.now() - 1000);
    await expect(purgeAudit(db(), 100, new Date())).rejects.toThrow(/183/);
    const purged = await purgeAudit(db(), 183, new Date());
    expect(purged).toBe(40);
    const left = await db().query<{ n: number; min: number }>('SELECT count(*)::int AS n, min(seq)::int AS min FROM audit_log');
    expect(left.rows[0]).toEqual({ n: 6, min: 41 }); // 5 recent + the purge's own audit row
    const v = await verifyAudit(db(), { anchors: [before] });
    expect(v).toMatchObject({ ok: true, rows: 6, from: { seq: 40, hash: before.hash } });
    // The young rows stay protected even from a direct DELETE.
    await expect(db().query('DELETE FROM audit_log WHERE seq = 41')).rejects.toThrow(/append-only/);
    // New rows keep chaining after the purge.
    await writeEvents(db(), 2, Date.now());
    expect(await verifyAudit(db())).toMatchObject({ ok: true, rows: 8 });
  });

  it('exports JSON lines from which every hash can be recomputed off-host', async () => {
    const lines: string[] = [];
    const head = await exportAudit(db(), (l) => void lines.push(l));
    expect(head.rows).toBe(lines.length);
    let prev: string | undefined;
    for (const l of lines) {
      const r = JSON.parse(l) as AuditRow & { at: string };
      const row = { ...r, at: new Date(r.at) };
      expect(rowHash(row)).toBe(r.hash);
      if (prev) expect(r.prev_hash).toBe(prev);
      prev = r.hash;
    }
    expect(prev).toBe(head.hash);
  });
});

/** Rows as a superuser sees them, oldest first. */
async function allRows(q: Queryable): Promise<AuditRow[]> {
  return (await q.query<AuditRow>('SELECT * FROM audit_log ORDER BY seq')).rows;
}

/**
 * What a database superuser can do without the audit key: rewrite rows from `fromSeq` on
 * (`change` edits one of them) and recompute every hash with the keyless SHA-256 of the old code,
 * setting key_id NULL so the rows claim to be from before the keyed chain. Triggers off, inside tx.
 */
async function rewriteKeyless(tx: Queryable, fromSeq: number, change: (r: AuditRow) => Partial<AuditRow>, toSeq = Infinity): Promise<AuditRow[]> {
  await tx.exec('ALTER TABLE audit_log DISABLE TRIGGER USER');
  const rows = await allRows(tx);
  let prev = rows.find((r) => r.seq === fromSeq - 1)?.hash ?? GENESIS_HASH;
  const forged: AuditRow[] = [];
  for (const r of rows.filter((x) => x.seq >= fromSeq && x.seq <= toSeq)) {
    const f = { ...r, ...change(r), prev_hash: prev, key_id: null };
    const hash = legacyRowHash(f);
    await tx.query('UPDATE audit_log SET object = $2, detail = $3, prev_hash = $4, hash = $5, key_id = NULL WHERE seq = $1',
      [r.seq, f.object, f.detail, f.prev_hash, hash]);
    forged.push({ ...f, hash });
    prev = hash;
  }
  return forged;
}

/** Runs `fn` in a transaction that is always rolled back; returns what fn returned. */
async function rolledBack<T>(q: { transaction<R>(fn: (tx: Queryable) => Promise<R>): Promise<R> }, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  let out: T | undefined;
  await q.transaction(async (tx) => {
    out = await fn(tx);
    throw new Error('rollback');
  }).catch((e: Error) => {
    if (e.message !== 'rollback') throw e;
  });
  return out!;
}

describeEachBackend('keyed audit chain and off-database anchors', ({ db }) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-anchor-'));
  const sink = new FileAnchorSink(path.join(dir, 'audit-anchors.jsonl'));

  it('starts a keyed segment after legacy rows with a boundary row that pins them', async () => {
    // Rows as the code before migration 061 wrote them: keyless SHA-256, key_id NULL.
    let prev = GENESIS_HASH;
    for (let seq = 1; seq <= 6; seq++) {
      const base = { seq, at: new Date(Date.now() - 86_400_000 + seq * 1000), actor_kind: 'system', actor_id: null, actor_name: 'old', action: 'legacy.event',
        object: `o${seq}`, outcome: 'success', source: null, detail: '{}', prev_hash: prev };
      const hash = legacyRowHash(base);
      await db().query(`INSERT INTO audit_log (seq, at, actor_kind, actor_id, actor_name, action, object, outcome, source, detail, prev_hash, hash)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`, [seq, base.at, 'system', null, 'old', 'legacy.event', base.object, 'success', null, '{}', prev, hash]);
      prev = hash;
    }
    expect(await verifyAudit(db())).toMatchObject({ ok: true, rows: 6, legacyRows: 6 });
    const anchorer = new AuditAnchorer(db(), sink, { intervalMs: 3_600_000, clock: Date.now, onError: (e) => { throw e; } });
    await anchorer.start(); // first start after the migration: opens the keyed segment at once and anchors it
    await anchorer.stop();
    const rows = await allRows(db());
    expect(rows).toHaveLength(7);
    expect(rows[6]).toMatchObject({ seq: 7, action: CHAIN_KEYED_ACTION, prev_hash: prev, key_id: auditKey().id });
    expect(JSON.parse(rows[6]!.detail)).toMatchObject({ legacyHead: { seq: 6, hash: prev } });
    await writeEvents(db(), 10, Date.now());
    const v = await verifyAudit(db(), { sink });
    expect(v).toMatchObject({ ok: true, rows: 17, legacyRows: 6, anchors: 1 });
    // A legacy row rewritten with its whole legacy chain recomputed no longer meets the boundary row.
    const legacyRewrite = await rolledBack(db(), async (tx) => {
      await rewriteKeyless(tx, 3, (r) => (r.seq === 3 ? { object: 'o3-forged' } : {}), 6);
      const chainedOnly = await verifyAudit(tx); // the boundary row still names the old legacy head
      // Pointing the boundary at the new legacy head breaks its MAC, which needs the key.
      const newHead = (await allRows(tx))[5]!.hash;
      await tx.query('UPDATE audit_log SET prev_hash = $2, detail = $3 WHERE seq = $1', [7, newHead, JSON.stringify({ keyId: auditKey().id, legacyHead: { hash: newHead, seq: 6 } })]);
      return { chainedOnly, repointed: await verifyAudit(tx) };
    });
    expect(legacyRewrite.chainedOnly).toMatchObject({ ok: false, brokenAt: 7 });
    expect(legacyRewrite.repointed).toMatchObject({ ok: false, brokenAt: 7 });
    expect((legacyRewrite.repointed as { reason: string }).reason).toMatch(/HMAC/);
  });

  it('detects a superuser rewrite recomputed with the keyless hash (must show 5)', async () => {
    const rows = await allRows(db());
    const target = rows[11]!; // a keyed row in the middle
    // 1. Change one row and recompute every later hash the old way: the chain is self-consistent,
    //    so the old keyless verification would pass it; the keyed verification does not.
    const partial = await rolledBack(db(), async (tx) => {
      const forged = await rewriteKeyless(tx, target.seq, (r) => (r.seq === target.seq ? { object: 'user:nobody' } : {}));
      for (let i = 1; i < forged.length; i++) expect(forged[i]!.prev_hash).toBe(forged[i - 1]!.hash); // consistent forgery
      return verifyAudit(tx);
    });
    console.log(`[must show 5] change row ${target.seq} + recompute ${rows.length - target.seq + 1} hashes keylessly -> verify: ${JSON.stringify(partial)}`);
    expect(partial).toMatchObject({ ok: false, brokenAt: target.seq });
    expect((partial as { reason: string }).reason).toMatch(/keyless hash after the chain was keyed/);

    // 2. The same with the row's key id kept: its HMAC does not match.
    const keptId = await rolledBack(db(), async (tx) => {
      await tx.exec('ALTER TABLE audit_log DISABLE TRIGGER USER');
      const f = { ...target, object: 'user:nobody' };
      await tx.query('UPDATE audit_log SET object = $2, hash = $3 WHERE seq = $1', [target.seq, f.object, legacyRowHash(f)]);
      return verifyAudit(tx);
    });
    expect(keptId).toMatchObject({ ok: false, brokenAt: target.seq });
    expect((keptId as { reason: string }).reason).toMatch(/HMAC/);

    // 3. The whole chain rewritten as if it had never been keyed: only the anchors off the
    //    database can tell, and they do.
    const whole = await rolledBack(db(), async (tx) => {
      await rewriteKeyless(tx, 1, (r) => (r.seq === target.seq ? { object: 'user:nobody' } : {}));
      await tx.query('UPDATE audit_log SET key_id = NULL');
      return { withSink: await verifyAudit(tx, { sink }), withoutSink: await verifyAudit(tx) };
    });
    console.log(`[must show 5] whole chain rewritten keylessly -> verify with the anchor file: ${JSON.stringify(whole.withSink)}`);
    expect(whole.withoutSink).toMatchObject({ ok: true }); // what the database alone can say
    expect(whole.withSink).toMatchObject({ ok: false });
    expect((whole.withSink as { reason: string }).reason).toMatch(/anchor/);
    expect(await verifyAudit(db(), { sink })).toMatchObject({ ok: true });
  });

  it('detects truncation of the newest rows through the anchor sink (must show 5)', async () => {
    const anchorer = new AuditAnchorer(db(), sink, { intervalMs: 3_600_000, clock: Date.now, onError: (e) => { throw e; } });
    await anchorer.start();
    const head = await auditHead(db());
    expect((await sink.read()).at(-1)).toMatchObject({ seq: head.seq, hash: head.hash, keyId: auditKey().id });
    const cut = await rolledBack(db(), async (tx) => {
      await tx.exec('ALTER TABLE audit_log DISABLE TRIGGER USER');
      await tx.query('DELETE FROM audit_log WHERE seq > $1', [head.seq - 3]);
      return { withSink: await verifyAudit(tx, { sink }), withoutSink: await verifyAudit(tx) };
    });
    console.log(`[must show 5] last 3 rows deleted -> verify with the anchor file: ${JSON.stringify(cut.withSink)}`);
    expect(cut.withoutSink).toMatchObject({ ok: true }); // a clean cut leaves a valid shorter chain
    expect(cut.withSink).toMatchObject({ ok: false, brokenAt: head.seq });
    expect((cut.withSink as { reason: string }).reason).toMatch(/truncated/);
    // A forged anchor line (not signed with the key) is refused, not trusted.
    const forgedSink = new FileAnchorSink(path.join(dir, 'forged.jsonl'));
    await forgedSink.append({ ...signAnchor(head, new Date()), mac: 'f'.repeat(64) });
    expect(await verifyAudit(db(), { sink: forgedSink })).toMatchObject({ ok: false });
    // The anchorer writes only when the head moved.
    const lines = (await sink.read()).length;
    expect(await anchorer.anchorNow()).toBeNull();
    await writeEvents(db(), 1, Date.now());
    expect(await anchorer.anchorNow()).toMatchObject({ seq: head.seq + 1 });
    expect((await sink.read()).length).toBe(lines + 1);
    await anchorer.stop();
  });

  it('refuses a chain verified with another key, and a checkpoint no purge row confirms', async () => {
    const other = { key: randomBytes(32), id: '' };
    other.id = auditKeyId(other.key);
    expect(await verifyAudit(db(), { key: other })).toMatchObject({ ok: false, brokenAt: 7 });
    // A superuser deletes young rows and forges a checkpoint so the rest still chains.
    const rows = await allRows(db());
    const forged = await rolledBack(db(), async (tx) => {
      await tx.exec('ALTER TABLE audit_log DISABLE TRIGGER USER');
      await tx.exec('ALTER TABLE audit_checkpoint DISABLE TRIGGER USER');
      await tx.query('INSERT INTO audit_checkpoint (seq, hash, at, purged) VALUES ($1, $2, now(), $3)', [rows[9]!.seq, rows[9]!.hash, rows[9]!.seq]);
      await tx.query('DELETE FROM audit_log WHERE seq <= $1', [rows[9]!.seq]);
      return verifyAudit(tx);
    });
    expect(forged).toMatchObject({ ok: false, brokenAt: rows[9]!.seq });
    expect((forged as { reason: string }).reason).toMatch(/not confirmed by its audit.purge row/);
  });
});

describe('audit key files and refusal folding (no database)', () => {
  it('generates the key once (0600), agrees across concurrent starts, and verification never invents one', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-key-'));
    const warnings: string[] = [];
    expect(findAuditKey(undefined, dir)).toBeUndefined();
    const keys = Array.from({ length: 5 }, () => loadAuditKey(undefined, dir, (m) => warnings.push(m)));
    for (const k of keys) expect(k.equals(keys[0]!)).toBe(true);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/generated the audit chain key/);
    expect(fs.statSync(path.join(dir, 'audit.key')).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(dir)).toEqual(['audit.key']);
    expect(findAuditKey(undefined, dir)!.equals(keys[0]!)).toBe(true);
    const hex = randomBytes(32).toString('hex');
    expect(loadAuditKey(hex, dir, () => {}).toString('hex')).toBe(hex);
    expect(() => loadAuthSettings({ TWIN_AUDIT_KEY: 'short' })).toThrow(/TWIN_AUDIT_KEY=\(hidden\): .*32 bytes/);
    expect(loadAuthSettings({ TWIN_AUDIT_ANCHOR: 'off' })).toMatchObject({ auditAnchor: 'off', auditAnchorSeconds: 60, auditRefusalsPerMinute: 10 });
    expect(anchorSinkFor('off', dir)).toBeNull();
    expect(anchorSinkFor(undefined, dir)?.description).toBe(path.join(dir, 'audit-anchors.jsonl'));
  });

  it('folds refusals per source and window, writes the first ones at once, and bounds the sources it tracks', async () => {
    let now = 1_000_000;
    const written: AuditEvent[] = [];
    const agg = new RefusalAggregator({ perSource: 3, windowMs: 60_000, maxSources: 2, clock: () => now, write: async (e) => { written.push(e); } });
    const refuse = (source: string, reason = 'no-credential') => agg.record({ action: 'access.denied', outcome: 'denied', object: 'WS /ws', source, detail: { reason } });
    expect(RefusalAggregator.applies({ action: 'access.denied', outcome: 'denied', actor: { kind: 'user', id: 'u' } })).toBe(false);
    expect(RefusalAggregator.applies({ action: 'auth.login', outcome: 'failure' })).toBe(false);
    for (let i = 0; i < 100; i++) await refuse('10.0.0.1', i % 2 ? 'no-credential' : 'origin-not-allowed');
    expect(written).toHaveLength(3);
    expect(written[0]!.detail).toEqual({ reason: 'origin-not-allowed' }); // the very first one, as it came
    await refuse('10.0.0.2');
    await refuse('10.0.0.3'); // a third source in this window: counted under '*', nothing written now
    await refuse('10.0.0.4');
    expect(written).toHaveLength(4);
    expect(agg.pending).toBe(97 + 2);
    now += 30_000;
    expect(await agg.flush()).toBe(0); // the minute is not over
    now += 30_000;
    expect(await agg.flush()).toBe(2);
    const summaries = written.slice(4);
    expect(summaries.map((e) => [e.action, e.source, e.detail?.count])).toEqual([
      [REFUSALS_SUMMARY_ACTION, '10.0.0.1', 97],
      [REFUSALS_SUMMARY_ACTION, null, 2],
    ]);
    expect(summaries[0]!.detail?.kinds).toEqual({ 'access.denied WS /ws (no-credential)': 49, 'access.denied WS /ws (origin-not-allowed)': 48 });
    expect(summaries[1]!.detail).toMatchObject({ overflow: true, refusals: 2 });
    // A new minute: the source's first refusal is written again.
    await refuse('10.0.0.1');
    expect(written).toHaveLength(7);
    expect(agg.pending).toBe(0);
  });
});
