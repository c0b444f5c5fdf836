import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openPglite } from '../db/pglite.ts';
import { createTestDb, type TestDb } from '../db/testing.ts';
import type { Db } from '../db/types.ts';
import { GOOD_FILE, countRows, createTestPark, goodCollection } from '../import/fixtures/park.ts';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/twin.mjs');

/** Each CLI run boots Node, tsx and (embedded mode) PGlite with PostGIS from disk: tens of seconds on a busy machine. */
const SLOW = 240_000;

interface Run { code: number; stdout: string; stderr: string }

/** Runs `twin <args>` as a real child process with the given database settings. */
function twin(env: Record<string, string>, ...args: string[]): Promise<Run> {
  const base = { ...process.env };
  delete base.DATABASE_URL;
  delete base.TWIN_DATA_DIR;
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...base, TWIN_LOG_LEVEL: 'silent', ...env }, timeout: 120_000 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }));
  });
}

for (const backend of ['pglite', 'postgres'] as const) {
  const unavailable = backend === 'postgres' && inject('pgMissing') !== null;
  describe.skipIf(unavailable)(`twin import buildings [${backend}]`, () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'twin-import-cli-'));
    const badFile = path.join(tmp, 'bad.geojson');
    let env: Record<string, string>;
    let pgTest: TestDb | undefined;
    // PGlite allows one process at a time on a data folder: open it only between CLI runs.
    const withDb = async <T>(fn: (db: Db) => Promise<T>): Promise<T> => {
      if (pgTest) return fn(pgTest.db);
      const db = await openPglite({ dataDir: env.TWIN_DATA_DIR! });
      try {
        return await fn(db);
      } finally {
        await db.close();
      }
    };

    beforeAll(async () => {
      const c = goodCollection();
      c.features[1]!.properties.use = 'labs';
      (c.features[2]!.geometry.coordinates as number[][][])[0]!.pop();
      fs.writeFileSync(badFile, JSON.stringify(c));
      if (backend === 'postgres') {
        pgTest = await createTestDb('postgres');
        env = { DATABASE_URL: pgTest.url! };
      } else {
        // A data folder cloned from the migrated template, as `twin` would find after a first start.
        env = { TWIN_DATA_DIR: path.join(tmp, 'data') };
        const blob = new Blob([fs.readFileSync(inject('pgliteTemplate'))]);
        const db = await openPglite({ dataDir: env.TWIN_DATA_DIR!, loadDataDir: blob });
        await db.close();
      }
      await withDb((db) => createTestPark(db, 'cli-park'));
    }, 180_000);
    afterAll(async () => {
      await pgTest?.drop();
      fs.rmSync(tmp, { recursive: true, force: true });
    });

    it('exits 1 on bad input, printing every problem on its own line, and writes nothing', async () => {
      const r = await twin(env, 'import', 'buildings', badFile);
      expect(r.code).toBe(1);
      // A first run in a fresh data folder also warns that it generated the audit key; the problems follow.
      const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('warning: '));
      expect(lines[0]).toMatch(/bad\.geojson rejected, nothing was written \(2 problems\)/);
      // Grouped by kind with counts first, then every problem.
      expect(lines.slice(1, 4)).toEqual(['by kind:', '     1 × use: "…" is not a building use', '     1 × geometry: outer ring is not closed']);
      expect(lines.slice(4)).toEqual([
        expect.stringMatching(/^features\[1\] \(code "A2", name "A2 实验楼"\) use: "labs" is not a building use/),
        expect.stringMatching(/^features\[2\] \(code "C1", name "C1 商业中心"\) geometry: outer ring is not closed/),
      ]);
      expect((await withDb(countRows)).building).toBe(0);
    }, SLOW);

    it('exits 2 with usage on a bad command line', async () => {
      const r = await twin(env, 'import', 'buildings', GOOD_FILE, '--floors', 'some');
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/--floors must be auto or none[\s\S]*usage: twin import buildings <file\.geojson>/);
    });

    it('a dry run exits 0 and writes nothing', async () => {
      const dry = await twin(env, 'import', 'buildings', GOOD_FILE, '--dry-run');
      expect(dry.code).toBe(0);
      expect(dry.stdout).toMatch(/import: validated 5\/5 features/);
      expect(dry.stdout).toMatch(/dry run, nothing written: would create 5 buildings, 21 floors/);
      expect((await withDb(countRows)).building).toBe(0);
    }, SLOW);

    it('exits 0 on a good file and creates the buildings, floors and units', async () => {
      const r = await twin(env, 'import', 'buildings', GOOD_FILE, '--park', 'cli-park', '--floors', 'auto', '--units', 'auto');
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/import: written 5\/5 buildings/);
      const m = /created 5 buildings, 21 floors, (\d+) rooms \((\d+) leasable units\)/.exec(r.stdout);
      expect(m).not.toBeNull();
      const rows = await withDb(async (db) => ({
        counts: await countRows(db),
        audit: (await db.query<{ outcome: string; actor_name: string }>("SELECT outcome, actor_name FROM audit_log WHERE action = 'import.buildings' ORDER BY seq")).rows,
      }));
      expect(rows.counts).toMatchObject({ building: 5, floor: 21, room: Number(m![1]) });
      // The rejected run is audited too; the dry run and the usage error are not.
      expect(rows.audit).toEqual([
        { outcome: 'failure', actor_name: expect.stringMatching(/^cli:/) },
        { outcome: 'success', actor_name: expect.stringMatching(/^cli:/) },
      ]);
    }, SLOW);

    it('exits 1 when the codes already exist', async () => {
      const again = await twin(env, 'import', 'buildings', GOOD_FILE);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/^features\[0\] .*building "A1" already exists in park "cli-park"/m);
      expect((await withDb(countRows)).building).toBe(5);
    }, SLOW);

    it('creates a park in another city from a footprint file and imports it with a field mapping, in JSON on success and failure', async () => {
      const file = path.join(path.dirname(fileURLToPath(import.meta.url)), '../import/fixtures/chengdu-tianfu.geojson');
      const c = await twin(env, 'park', 'create', '--code', 'chengdu-cli', '--name', '天府软件园', '--city', '成都', '--boundary-from', file, '--json');
      expect(c.code, c.stderr).toBe(0);
      const park = JSON.parse(c.stdout) as { ok: boolean; park: { origin: { lon: number } } };
      expect(park.ok).toBe(true);
      expect(park.park.origin.lon).toBeCloseTo(104.0668, 2);
      const r = await twin(env, 'import', 'buildings', file, '--park', 'chengdu-cli', '--map', 'name=bldg_name,code=bldg_id', '--json');
      expect(r.code, r.stderr).toBe(0);
      const rep = JSON.parse(r.stdout) as { ok: boolean; created: { building: number }; warnings: unknown[] };
      expect([rep.ok, rep.created.building, rep.warnings.length]).toEqual([true, 12, 4]);
      const again = await twin(env, 'import', 'buildings', file, '--park', 'chengdu-cli', '--map', 'name=bldg_name,code=bldg_id', '--json');
      expect(again.code).toBe(1);
      const fail = JSON.parse(again.stdout) as { ok: boolean; error: { groups: { kind: string; count: number }[]; problems: unknown[] } };
      expect(fail.ok).toBe(false);
      expect(fail.error.groups).toEqual([expect.objectContaining({ count: 12, kind: 'code: building "…" already exists in park "…"' })]);
      expect(fail.error.problems).toHaveLength(12);
    }, SLOW * 2);
  });
}
