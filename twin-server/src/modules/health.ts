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

/** GET /api/health: backend, PostgreSQL and PostGIS versions, migration level. Public, no secrets. */
export const healthModule: TwinModule = {
  name: 'health',
  routes: (sc) => [
    {
      method: 'GET',
      path: '/api/health',
      permission: 'public',
      response: healthSchema,
      summary: 'Liveness and versions',
      async handler(ctx) {
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
