import { z } from 'zod';
import type { TwinModule } from './types.ts';
import type { ServerContext } from '../context.ts';
import { migrationStatus } from '../db/index.ts';
import { queryOf } from '../http/input.ts';
import { BackupScheduler } from '../backup/schedule.ts';
import { RateLimitedLog } from '../ingest/ratelog.ts';

const started = Date.now();

/** A readiness check another module registers (the broker connection, ...): true when ready. */
export type ReadinessCheck = () => boolean | Promise<boolean>;

const checks = new WeakMap<ServerContext, Map<string, ReadinessCheck>>();
/** Transport anomaly counters (Y3) by transport: `https`, `mqtt` (the embedded broker's refusals). */
export type TransportCounters = () => Record<string, number | undefined>;
const transports = new WeakMap<ServerContext, Map<string, TransportCounters>>();

/**
 * Registers transport anomaly counters under `name` (e.g. `mqtt`: refused logins, ACL denials, failed
 * TLS handshakes) for `sc`'s server: shown by /api/health to `system:read`. Returns an unregister function.
 */
export function addTransportCounters(sc: ServerContext, name: string, counters: TransportCounters): () => void {
  let m = transports.get(sc);
  if (!m) transports.set(sc, (m = new Map()));
  m.set(name, counters);
  return () => void m.delete(name);
}

function transportState(sc: ServerContext): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const [name, fn] of transports.get(sc) ?? []) {
    out[name] = Object.fromEntries(Object.entries(fn()).filter((e): e is [string, number] => typeof e[1] === 'number'));
  }
  return out;
}

/** WAL archiving of a PostgreSQL database (pgBackRest's archive_command), from pg_stat_archiver. */
async function walArchive(sc: ServerContext): Promise<{ mode: string; archived: number; lastArchivedAt: string | null; failed: number; lastFailedAt: string | null } | null> {
  if (sc.db.backend !== 'postgres') return null;
  try {
    const r = await sc.db.query<{ mode: string; archived: number; last_archived: Date | null; failed: number; last_failed: Date | null }>(
      `SELECT current_setting('archive_mode') AS mode, archived_count::int AS archived, last_archived_time AS last_archived,
              failed_count::int AS failed, last_failed_time AS last_failed FROM pg_stat_archiver`);
    const a = r.rows[0];
    if (!a) return null;
    return { mode: a.mode, archived: a.archived, lastArchivedAt: a.last_archived?.toISOString() ?? null, failed: a.failed, lastFailedAt: a.last_failed?.toISOString() ?? null };
  } catch {
    return null; // a standby, or a role that may not read the view
  }
}
const schedulers = new WeakMap<ServerContext, BackupScheduler>();

/**
 * Registers a readiness check under `name` (e.g. `broker`) for `sc`'s server:
 * `GET /api/health?ready=1` answers 503 while it returns false or throws. Returns an unregister function.
 */
export function addReadinessCheck(sc: ServerContext, name: string, check: ReadinessCheck): () => void {
  let m = checks.get(sc);
  if (!m) checks.set(sc, (m = new Map()));
  m.set(name, check);
  return () => void m.delete(name);
}

/** The scheduled-backup job of a server (tests run it on demand). */
export function backupSchedulerOf(sc: ServerContext): BackupScheduler | undefined {
  return schedulers.get(sc);
}

/** Runs the database check and every registered check; each gets 3 s. */
async function readiness(sc: ServerContext): Promise<Record<string, boolean>> {
  const within = async (fn: () => boolean | Promise<boolean>): Promise<boolean> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        Promise.resolve().then(fn),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 3000))),
      ]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  };
  const out: Record<string, boolean> = { database: await within(async () => (await sc.db.query('SELECT 1')).rows.length === 1) };
  for (const [name, check] of checks.get(sc) ?? []) out[name] = await within(check);
  return out;
}

const healthQuery = z.object({
  /** `1`: readiness (database and broker), 503 when not ready; otherwise liveness (database only). */
  ready: z.enum(['1', 'true']).optional(),
});

/** GET /api/health: `status` for everyone; the rest only for callers holding `system:read`. */
const healthSchema = z.object({
  status: z.literal('ok'),
  backend: z.enum(['pglite', 'postgres']).optional(),
  postgres: z.string().optional(),
  postgis: z.string().optional(),
  migration: z.object({ level: z.number().int(), latest: z.number().int() }).optional(),
  parks: z.number().int().optional(),
  uptimeSeconds: z.number().int().optional(),
  checks: z.record(z.string(), z.boolean()).optional(),
  backup: z.object({
    enabled: z.boolean(), dir: z.string(), lastSuccessAt: z.string().nullable(), ageHours: z.number().nullable(),
    bytes: z.number().int().nullable(), lastError: z.string().nullable(), overdue: z.boolean(), alarmAt: z.string().nullable(),
  }).optional(),
  /** PostgreSQL: WAL archiving to pgBackRest (pg_stat_archiver); failures mean the RPO is growing. */
  walArchive: z.object({
    mode: z.string(), archived: z.number().int(), lastArchivedAt: z.string().nullable(), failed: z.number().int(), lastFailedAt: z.string().nullable(),
  }).optional(),
  /** Transport anomalies since start (Y3): failed TLS handshakes, refused MQTT logins, ACL denials. */
  transport: z.record(z.string(), z.record(z.string(), z.number().int())).optional(),
});

/**
 * GET /api/health. Public liveness: anonymous callers (load balancers, probes) learn only that
 * the server and its database answer (`{ status: 'ok' }`, or 503 when the database does not).
 * `?ready=1` is readiness for a load balancer: 503 also while the broker (or any other
 * registered dependency) is away, so HAProxy sends no traffic to a node that cannot stream.
 * Versions, backend, migration level, park count, uptime, the checks and the backup state help an
 * attacker pick exploits, so they are shown only to a principal holding `system:read` (the guard
 * resolves a presented credential on public reads). The module also runs the scheduled backups.
 */
export const healthModule: TwinModule = {
  name: 'health',
  attach(server, sc) {
    // HTTPS: a handshake that fails (a client that does not trust the certificate, a scanner, an old
    // protocol) is counted and logged a few times per minute at most (Y3).
    let failures = 0;
    const tlsLog = new RateLimitedLog(sc.log, 'warn', 'https tls handshake failed');
    server.on('tlsClientError', (err: Error & { code?: string }, socket: { remoteAddress?: string }) => {
      failures++;
      tlsLog.hit({ err: (err.code ?? err.message).slice(0, 200), address: socket.remoteAddress });
    });
    server.once('close', () => tlsLog.close());
    if ('setSecureContext' in server) addTransportCounters(sc, 'https', () => ({ tlsHandshakeFailures: failures }));
  },
  jobs(sc) {
    const scheduler = new BackupScheduler(sc);
    schedulers.set(sc, scheduler);
    return scheduler.enabled ? [scheduler.job()] : [];
  },
  routes: (sc) => [
    {
      method: 'GET',
      path: '/api/health',
      permission: 'public',
      query: healthQuery,
      response: healthSchema,
      summary: 'Liveness ({status} only; ?ready=1: readiness, database and broker); versions, checks, backup state for system:read',
      errors: [503],
      async handler(ctx) {
        const q = queryOf(ctx, healthQuery);
        const result = q.ready ? await readiness(sc) : null;
        const down = result ? Object.entries(result).filter(([, ok]) => !ok).map(([name]) => name) : [];
        if (!ctx.state.principal?.permissions.has('system:read') || down.length > 0) {
          let dbUp = result ? result.database : true;
          if (!result) {
            try {
              await sc.db.query('SELECT 1');
            } catch (err) {
              sc.log.warn({ err }, 'health: database does not answer');
              dbUp = false;
            }
          }
          if (!dbUp || down.length > 0) {
            if (down.length > 0) sc.log.warn({ down }, 'health: not ready');
            ctx.status = 503;
            ctx.body = ctx.state.principal?.permissions.has('system:read') ? { status: 'unavailable', checks: result } : { status: 'unavailable' };
            return;
          }
          if (!ctx.state.principal?.permissions.has('system:read')) {
            ctx.body = { status: 'ok' };
            return;
          }
        }
        const [versions, status, parks] = await Promise.all([
          sc.db.versions(),
          migrationStatus(sc.db),
          sc.db.query<{ n: number }>('SELECT count(*)::int AS n FROM park'),
        ]);
        const backup = schedulers.get(sc)?.state();
        const wal = await walArchive(sc);
        const transport = transportState(sc);
        ctx.body = {
          status: 'ok',
          backend: sc.db.backend,
          postgres: versions.postgres,
          postgis: versions.postgis,
          migration: { level: status.level, latest: status.latest },
          parks: parks.rows[0]?.n ?? 0,
          uptimeSeconds: Math.round((Date.now() - started) / 1000),
          checks: result ?? await readiness(sc),
          ...(backup ? { backup } : {}),
          ...(wal ? { walArchive: wal } : {}),
          ...(Object.keys(transport).length > 0 ? { transport } : {}),
        };
      },
    },
  ],
};
