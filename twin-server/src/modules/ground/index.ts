/**
 * The ground module (issue 20): the park's ground context for the 3D scene from PostGIS, in the
 * tiles' local frame: boundary, planning blocks, green, parking, plaza, water, named roads and
 * building label anchors. Its seed derives the road grid and a pond of the sample park from the
 * planning blocks (ground_feature rows).
 *
 *   GET /api/ground/:code   the park's ground (twin:read)
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { TwinModule } from '../types.ts';
import { paramsOf } from '../../http/input.ts';
import { codeParams } from '../../http/schemas.ts';
import { parkGround, seedGround } from './queries.ts';

const flat = z.array(z.number());
const named = { code: z.string(), name: z.string(), nameEn: z.string().nullable() };
/** What GET /api/ground/:code answers. */
export const groundSchema = z.object({
  park: z.string(),
  areas: z.array(z.object({ kind: z.enum(['boundary', 'block', 'green', 'parking', 'plaza', 'water', 'reserve']), ...named, rings: z.array(flat) })),
  roads: z.array(z.object({ ...named, line: flat, width: z.number() })),
  labels: z.array(z.object({ idx: z.number().int(), name: z.string(), nameEn: z.string().nullable(), x: z.number(), y: z.number(), height: z.number() })),
});

export const groundModule: TwinModule = {
  name: 'ground',
  migrations: path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations'),
  routes: (sc) => [
    {
      method: 'GET', path: '/api/ground/:code', permission: 'twin:read',
      summary: 'Ground context of a park for the 3D scene (local metres east/north of the origin): boundary, blocks, green, parking, plaza, water, named roads, building label anchors',
      params: codeParams, response: groundSchema, errors: [404],
      async handler(ctx) {
        const { code } = paramsOf(ctx, codeParams);
        const g = await parkGround(sc.db, code);
        if (!g) ctx.throw(404, `no park ${code}`);
        ctx.body = g;
      },
    },
  ],
  async seed(sc, { parkIdx }) {
    await seedGround(sc.db, parkIdx);
  },
};
