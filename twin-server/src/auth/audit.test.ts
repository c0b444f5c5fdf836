import { expect, it } from 'vitest';
import fc from 'fast-check';
import { describeEachBackend } from '../db/testing.ts';
import type { Queryable } from '../db/index.ts';
import { appendAudit, auditHead, exportAudit, GENESIS_HASH, purgeAudit, rowHash, verifyAudit, type AuditRow } from './audit.ts';

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
    const columns = ['at', 'actor_kind', 'actor_id', 'actor_name', 'action', 'object', 'outcome', 'source', 'detail', 'prev_hash', 'hash'] as const;
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
