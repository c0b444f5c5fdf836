import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { OID, parseInt8, parseNumeric, type Db, type Queryable, type QueryResult } from './types.ts';

const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === OID.int8) return parseInt8;
    if (oid === OID.numeric) return parseNumeric;
    return pg.types.getTypeParser(oid, format);
  },
};

function wrap(q: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<T>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
      const r = await q.query({ text: sql, values: params as unknown[], types } as pg.QueryConfig);
      return { rows: r.rows as T[], rowCount: r.rowCount ?? r.rows.length };
    },
    async exec(sql: string): Promise<void> {
      await q.query(sql);
    },
  };
}

/** Opens a pg Pool against a PostgreSQL + PostGIS server. */
export async function openPostgres(url: string, opts: { max?: number } = {}): Promise<Db> {
  const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 10, types });
  // An idle client losing its connection must not crash the process; pg re-connects on next use.
  pool.on('error', () => {});
  const base = wrap(pool);
  await base.query('SELECT 1'); // fail fast with a clear connection error
  // LISTEN needs a connection of its own. When the server goes away (restart, outage) that
  // connection is gone for good: a new one is made (retrying with backoff until the server is
  // back) and listens on every channel again. Notifications sent in between are lost, as NOTIFY
  // promises nothing more; its users poll as a fallback.
  let listener: Promise<pg.Client> | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  let backoff = 250;
  const handlers = new Map<string, Set<(p: string) => void>>();
  const connectListener = async (): Promise<pg.Client> => {
    const c = new pg.Client({ connectionString: url });
    c.on('error', () => {}); // 'end' follows, and reconnects
    c.on('notification', (n) => handlers.get(n.channel)?.forEach((h) => h(n.payload ?? '')));
    await c.connect();
    c.on('end', () => {
      if (closed) return;
      listener = undefined;
      relisten();
    });
    for (const channel of handlers.keys()) await c.query(`LISTEN ${channel}`);
    backoff = 250;
    return c;
  };
  const relisten = (): void => {
    if (closed || retry || listener) return;
    retry = setTimeout(() => {
      retry = undefined;
      if (closed || listener) return; // a listen() call connected in the meantime
      const p = connectListener();
      listener = p;
      p.catch(() => {
        if (listener === p) listener = undefined;
        backoff = Math.min(backoff * 2, 5000);
        relisten();
      });
    }, backoff);
    retry.unref();
  };
  return {
    backend: 'postgres',
    ...base,
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const out = await fn(wrap(client));
        await client.query('COMMIT');
        return out;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    async listen(channel, onPayload) {
      if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`invalid channel name ${channel}`);
      let set = handlers.get(channel);
      if (!set) {
        set = new Set();
        handlers.set(channel, set);
        // A connection that fails now is made again and listens on every channel, this one included.
        if (listener) await listener.then((c) => c.query(`LISTEN ${channel}`)).catch(() => {});
        else {
          const p = connectListener(); // listens on every channel in `handlers`, this one included
          listener = p;
          try {
            await p;
          } catch (err) {
            if (listener === p) listener = undefined;
            handlers.delete(channel);
            throw err;
          }
        }
      }
      set.add(onPayload);
      return async () => {
        set.delete(onPayload);
      };
    },
    async copyBinary(select) {
      const client = await pool.connect();
      try {
        const chunks: Buffer[] = [];
        for await (const c of client.query(copyTo(`COPY (${select}) TO STDOUT (FORMAT binary)`))) chunks.push(c as Buffer);
        client.release();
        return Buffer.concat(chunks);
      } catch (err) {
        client.release(true); // a failed COPY may leave the connection mid-protocol: drop it
        throw err;
      }
    },
    async *copyBinaryStream(select) {
      const client = await pool.connect();
      let ok = false;
      try {
        for await (const c of client.query(copyTo(`COPY (${select}) TO STDOUT (FORMAT binary)`))) yield c as Buffer;
        ok = true;
      } finally {
        client.release(!ok); // a failed or abandoned COPY leaves the connection mid-protocol: drop it
      }
    },
    async versions() {
      const r = await base.query<{ pg: string; gis: string }>(
        "SELECT current_setting('server_version') AS pg, postgis_lib_version() AS gis",
      );
      return { postgres: r.rows[0]!.pg, postgis: r.rows[0]!.gis };
    },
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      await listener?.then((c) => c.end()).catch(() => {});
      await pool.end();
    },
  };
}
