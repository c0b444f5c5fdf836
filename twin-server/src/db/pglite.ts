import fs from 'node:fs/promises';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { postgis } from '@electric-sql/pglite-postgis';
import { OID, parseInt8, parseNumeric, type Db, type Queryable, type QueryResult } from './types.ts';

/** Options for the embedded backend. */
export interface PgliteOptions {
  /** Data folder; 'memory://' keeps everything in memory (tests). */
  dataDir: string;
  /** A gzipped data-dir tarball to start from (tests clone a migrated template this way). */
  loadDataDir?: Blob;
}

const parsers = { [OID.int8]: parseInt8, [OID.numeric]: parseNumeric };

function wrap(q: PGlite | Transaction): Queryable {
  return {
    async query<T>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
      const r = await q.query<T>(sql, params as unknown[], { parsers });
      return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
    },
    async exec(sql: string): Promise<void> {
      await q.exec(sql, { parsers });
    },
  };
}

/** Opens (creating if needed) an embedded PGlite database with PostGIS loaded. */
export async function openPglite(opts: PgliteOptions): Promise<Db & { dump(): Promise<Blob> }> {
  if (!opts.dataDir.startsWith('memory://')) await fs.mkdir(opts.dataDir, { recursive: true });
  // PGlite reads its options from the first argument unless that argument is a string.
  const pg = new PGlite({
    dataDir: opts.dataDir,
    extensions: { postgis },
    ...(opts.loadDataDir ? { loadDataDir: opts.loadDataDir } : {}),
  });
  await pg.waitReady;
  const base = wrap(pg);
  return {
    backend: 'pglite',
    ...base,
    transaction: (fn) => pg.transaction((tx) => fn(wrap(tx))),
    async listen(channel, onPayload) {
      const unsub = await pg.listen(channel, onPayload);
      return async () => unsub();
    },
    async copyBinary(select) {
      const r = await pg.query(`COPY (${select}) TO '/dev/blob' (FORMAT binary)`);
      return new Uint8Array(await r.blob!.arrayBuffer());
    },
    async *copyBinaryStream(select) {
      const r = await pg.query(`COPY (${select}) TO '/dev/blob' (FORMAT binary)`);
      yield new Uint8Array(await r.blob!.arrayBuffer());
    },
    async versions() {
      const r = await base.query<{ pg: string; gis: string }>(
        "SELECT current_setting('server_version') AS pg, postgis_lib_version() AS gis",
      );
      return { postgres: r.rows[0]!.pg, postgis: r.rows[0]!.gis };
    },
    async close() {
      if (!pg.closed) await pg.close();
    },
    dump: () => pg.dumpDataDir('gzip') as Promise<Blob>,
  };
}
