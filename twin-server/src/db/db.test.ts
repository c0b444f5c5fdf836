import { describe, expect, it } from 'vitest';
import { describeEachBackend } from './testing.ts';
import { listMigrations, migrate } from './migrate.ts';

describeEachBackend('db interface', ({ db, backend }) => {
  it('reports PostGIS and the migration level', async () => {
    const v = await db().versions();
    expect(v.postgis).toMatch(/^3\.\d+/);
    expect(v.postgres).toMatch(/^\d+/);
    expect(db().backend).toBe(backend);
    const status = await migrate(db());
    expect(status.level).toBe((await listMigrations()).at(-1)!.version);
    expect(status.level).toBe(status.latest);
  });

  it('parses int8 and numeric as numbers and timestamps as Date on both backends', async () => {
    const r = await db().query<{ a: number; b: number; t: Date }>(
      'SELECT 9007199254740991::int8 AS a, 12.50::numeric AS b, now() AS t',
    );
    expect(r.rows[0]).toMatchObject({ a: 9007199254740991, b: 12.5 });
    expect(r.rows[0]!.t).toBeInstanceOf(Date);
  });

  it('rolls back a failed transaction completely', async () => {
    await expect(
      db().transaction(async (tx) => {
        await tx.query("INSERT INTO twin_object (kind, name) VALUES ('zone', 'rollback-probe')");
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const r = await db().query("SELECT count(*)::int AS n FROM twin_object WHERE name = 'rollback-probe'");
    expect(r.rows[0]).toEqual({ n: 0 });
  });

  it('hands out idx from one sequence across kinds and releases it with the object', async () => {
    const r = await db().query<{ idx: number; kind: string }>(
      "INSERT INTO twin_object (kind, name) VALUES ('park', 'p'), ('enterprise', 'e') RETURNING idx, kind",
    );
    const [p, e] = r.rows;
    expect(e!.idx).toBeGreaterThan(p!.idx);
    await db().query(
      `INSERT INTO park (idx, code, city, origin, boundary) VALUES ($1, 'probe-park', 'Hangzhou',
        ST_SetSRID(ST_MakePoint(120.3, 30.3, 10), 4326),
        ST_MakeEnvelope(120.29, 30.29, 120.31, 30.31, 4326))`,
      [p!.idx],
    );
    // A kind table cannot claim an idx registered as another kind.
    await expect(
      db().query(
        `INSERT INTO park (idx, code, city, origin, boundary) VALUES ($1, 'probe-2', 'x',
          ST_SetSRID(ST_MakePoint(0, 0, 0), 4326), ST_MakeEnvelope(0, 0, 1, 1, 4326))`,
        [e!.idx],
      ),
    ).rejects.toThrow(/foreign key/i);
    await db().query('DELETE FROM park WHERE idx = $1', [p!.idx]);
    const left = await db().query('SELECT idx FROM twin_object WHERE idx = $1', [p!.idx]);
    expect(left.rows).toHaveLength(0);
  });
});

describe('migration files', () => {
  it('are numbered uniquely and named NNN_snake.sql', async () => {
    const list = await listMigrations();
    expect(list.length).toBeGreaterThan(0);
    expect(new Set(list.map((m) => m.version)).size).toBe(list.length);
  });
});
