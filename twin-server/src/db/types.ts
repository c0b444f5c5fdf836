/**
 * One database interface, two backends: embedded PGlite + PostGIS, or PostgreSQL + PostGIS via pg.
 * Both backends return the same JS values: int8 and numeric as numbers, timestamps as Date,
 * geometry as hex EWKB (use ST_AsGeoJSON / ST_AsBinary in SQL when you need coordinates).
 */

/** Rows and count of one statement. */
export interface QueryResult<T> {
  readonly rows: T[];
  readonly rowCount: number;
}

/** What every query surface offers: the pool, a transaction, or a single connection. */
export interface Queryable {
  /** Runs one parameterized statement. Never build SQL from user input; pass values as params. */
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>>;
  /** Runs a script of several statements with no parameters (migrations, DDL). */
  exec(sql: string): Promise<void>;
}

export type Backend = 'pglite' | 'postgres';

/** A transaction-scoped connection. */
export type Tx = Queryable;

/** A database handle used by the whole server. */
export interface Db extends Queryable {
  readonly backend: Backend;
  /** Runs fn inside BEGIN/COMMIT; any throw rolls everything back. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * Subscribes to a NOTIFY channel (channel name from code, never from input). Returns an
   * unsubscribe function.
   */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  /**
   * Runs `COPY (select) TO STDOUT (FORMAT binary)` and returns the bytes (the tiler reads bulk rows
   * this way: no per-row parsing on the way in). COPY takes no parameters: the caller may inline
   * only values it has validated itself (integers), never user input.
   */
  copyBinary(select: string): Promise<Uint8Array>;
  /**
   * The same bytes as `copyBinary`, as they arrive (chunks split anywhere, even inside a row), so
   * a large result can be consumed without holding it whole. Stopping early closes the connection.
   */
  copyBinaryStream(select: string): AsyncIterable<Uint8Array>;
  /** Server versions, for /api/health. */
  versions(): Promise<{ postgres: string; postgis: string }>;
  /** Closes connections; the handle is unusable afterwards. */
  close(): Promise<void>;
}

/** Type OIDs whose text form we parse identically on both backends. */
export const OID = { int8: 20, numeric: 1700 } as const;

/** int8 to number: ids and counts stay far below 2^53 here. */
export const parseInt8 = (v: string): number => Number(v);
/** numeric to number: money and areas are stored with a few decimals, well within double precision. */
export const parseNumeric = (v: string): number => Number(v);
