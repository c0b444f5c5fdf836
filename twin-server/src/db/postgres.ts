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

/**
 * Splits a libpq-style multi-host URL (`postgres://u@h1:5432,h2:5433/db?target_session_attrs=read-write`,
 * as pg_auto_failover prints it) into one URL per host, without `target_session_attrs` (node-postgres
 * knows neither); a single-host URL comes back alone. `readWrite`: only a primary will do.
 */
export function splitHosts(url: string): { urls: string[]; readWrite: boolean } {
  const m = /^([a-z]+:\/\/(?:[^@/]*@)?)([^/?]*)(.*)$/.exec(url);
  if (!m || !m[2]!.includes(',')) return { urls: [url], readWrite: false };
  const readWrite = /[?&]target_session_attrs=(read-write|primary)(&|$)/.test(m[3]!);
  const rest = m[3]!.replace(/([?&])target_session_attrs=[^&]*&?/, '$1').replace(/[?&]$/, '');
  return { urls: m[2]!.split(',').map((h) => `${m[1]}${h}${rest}`), readWrite };
}

/**
 * Opens a pg Pool against a PostgreSQL + PostGIS server. A multi-host URL (a primary and its
 * standbys, `target_session_attrs=read-write`) connects to the host that accepts writes; when a
 * connection fails or lands on a standby (after a failover) the hosts are tried again in turn, so
 * the next query reaches the new primary without a restart.
 */
export async function openPostgres(url: string, opts: { max?: number } = {}): Promise<Db> {
  const { urls, readWrite } = splitHosts(url);
  let current = urls[0]!;
  /** Connects to `u` and checks it takes writes (when asked); rejects otherwise. */
  const probe = async (u: string): Promise<void> => {
    const c = new pg.Client({ connectionString: u, connectionTimeoutMillis: 3000 });
    c.on('error', () => {});
    try {
      await c.connect();
      if (readWrite && (await c.query<{ ro: boolean }>('SELECT pg_is_in_recovery() AS ro')).rows[0]!.ro) throw new Error(`${u.replace(/\/\/[^@/]*@/, '//')} is a standby`);
    } finally {
      await c.end().catch(() => {});
    }
  };
  let locating: Promise<void> | null = null;
  /** Finds the host that takes writes and points new connections at it (one search at a time). */
  const locate = (): Promise<void> => (locating ??= (async () => {
    let last: unknown;
    for (const u of [current, ...urls.filter((x) => x !== current)]) {
      try {
        await probe(u);
        current = u;
        // pg-pool builds each new client from its options: the next connections go to `u`.
        (pool as unknown as { options: pg.PoolConfig }).options.connectionString = u;
        return;
      } catch (err) {
        last = err;
      }
    }
    throw last;
  })().finally(() => (locating = null)));
  const multi = urls.length > 1;
  /** A pool client that, on a multi-host URL, refuses a standby and starts a new search on failure. */
  class FailoverClient extends pg.Client {
    override connect(): Promise<pg.Client>;
    override connect(cb: ((err: Error) => void) | ((err: null, c: pg.Client) => void)): void;
    override connect(cb?: ((err: Error) => void) | ((err: null, c: pg.Client) => void)): Promise<pg.Client> | void {
      const p = (async () => {
        try {
          await super.connect();
          if (!readWrite) return this;
          if ((await super.query<{ ro: boolean }>('SELECT pg_is_in_recovery() AS ro')).rows[0]!.ro) {
            await this.end().catch(() => {});
            throw new Error('connected to a standby; looking for the primary');
          }
          return this;
        } catch (err) {
          void locate().catch(() => {});
          throw err;
        }
      })();
      if (!cb) return p;
      p.then((c) => (cb as (err: null, c: pg.Client) => void)(null, c), cb as (err: Error) => void);
    }
  }
  const pool = new pg.Pool({ connectionString: current, max: opts.max ?? 10, types, ...(multi ? { Client: FailoverClient as unknown as pg.PoolConfig['Client'] } : {}) });
  // An idle client losing its connection must not crash the process; pg re-connects on next use.
  pool.on('error', () => {});
  if (multi) await locate();
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
    if (multi) await locate().catch(() => {});
    const c = new pg.Client({ connectionString: current });
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
