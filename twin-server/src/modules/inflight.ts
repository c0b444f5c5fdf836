/**
 * Shares one running computation among everyone who asks for the same key while it runs. For
 * read-only figures that are the same for every permitted caller and costly to compute (the
 * wall's park KPIs): ten walls, or one wall retrying after its request timed out, then cost one
 * query instead of a pile of identical ones competing for the database. Nothing is kept after
 * the computation settles, so a caller never gets figures older than the query it joined.
 */
export function sharedInFlight<K, V>(): { run(key: K, compute: () => Promise<V>): Promise<V>; readonly running: number } {
  const running = new Map<K, Promise<V>>();
  return {
    /** The running computation for `key`, or `compute()` started now when none runs. */
    run(key, compute) {
      let p = running.get(key);
      if (!p) {
        p = compute().finally(() => running.delete(key));
        running.set(key, p);
      }
      return p;
    },
    get running() {
      return running.size;
    },
  };
}
