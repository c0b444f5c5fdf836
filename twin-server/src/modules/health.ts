import { z } from 'zod';
import type { TwinModule } from './types.ts';
import { migrationStatus } from '../db/index.ts';

const started = Date.now();

/** GET /api/health: `status` for everyone; the rest only for callers holding `system:read`. */
const healthSchema = z.object({
  status: z.literal('ok'),
  backend: z.enum(['pglite', 'postgres']).optional(),
  postgres: z.string().optional(),
  postgis: z.string().optional(),
  migration: z.object({ level: z.number().int(), latest: z.number().int() }).optional(),
  parks: z.number().int().optional(),
  uptimeSeconds: z.number().int().optional(),
});

/**
 * GET /api/health. Public liveness: anonymous callers (load balancers, probes) learn only that
 * the server and its database answer (`{ status: 'ok' }`, or 503 when the database does not).
 * Versions, backend, migration level, park count and uptime help an attacker pick exploits, so
 * they are shown only to a principal holding `system:read` (the guard resolves a presented
 * credential on public reads).
 */
export const healthModule: TwinModule = {
  name: 'health',
  routes: (sc) => [
    {
      method: 'GET',
      path: '/api/health',
      permission: 'public',
      response: healthSchema,
      summary: 'Liveness ({status} only); versions, migration level and uptime for system:read',
      errors: [503],
      async handler(ctx) {
        if (!ctx.state.principal?.permissions.has('system:read')) {
          try {
            await sc.db.query('SELECT 1');
          } catch (err) {
            sc.log.warn({ err }, 'health: database does not answer');
            ctx.status = 503;
            ctx.body = { status: 'unavailable' };
            return;
          }
          ctx.body = { status: 'ok' };
          return;
        }
        const [versions, status, parks] = await Promise.all([
          sc.db.versions(),
          migrationStatus(sc.db),
          sc.db.query<{ n: number }>('SELECT count(*)::int AS n FROM park'),
        ]);
        ctx.body = {
          status: 'ok',
          backend: sc.db.backend,
          postgres: versions.postgres,
          postgis: versions.postgis,
          migration: { level: status.level, latest: status.latest },
          parks: parks.rows[0]?.n ?? 0,
          uptimeSeconds: Math.round((Date.now() - started) / 1000),
        };
      },
    },
  ],
};
