/**
 * The time-machine module (issue 20): past live-layer colours of the twin from the writer's
 * minute and hour roll-ups (queries.ts). Park staff only: enterprise users are refused (their live
 * view is scoped per room; the replay is not), and the layer's own permission is needed as on the stream.
 *
 *   GET /api/timemachine/replay?layer=&from=&to=&resolution=minute|hour   (twin:read + the layer's permission)
 */
import { z } from 'zod';
import { LAYERS, layerByName } from '@park-twin/layers';
import type { TwinModule } from '../types.ts';
import { queryOf } from '../../http/input.ts';
import { readReplay, STEP_MS } from './queries.ts';

/** Longest window per resolution: 6 hours of minutes, 31 days of hours. */
export const MAX_WINDOW_MS = { minute: 6 * 3_600_000, hour: 31 * 86_400_000 } as const;

const time = z.iso.datetime({ offset: true });
export const replayQuery = z.object({
  layer: z.enum(LAYERS.map((l) => l.name) as [string, ...string[]]),
  from: time,
  to: time,
  resolution: z.enum(['minute', 'hour']).default('minute'),
});
const cols = z.array(z.number());
export const replaySchema = z.object({
  layer: z.string(),
  resolution: z.enum(['minute', 'hour']),
  from: z.string(),
  to: z.string(),
  stepMs: z.number(),
  base: z.object({ idx: cols, value: cols, status: cols }),
  rows: z.object({ t: cols, idx: cols, value: cols, status: cols }),
});

export const timemachineModule: TwinModule = {
  name: 'timemachine',
  routes: (sc) => [
    {
      method: 'GET', path: '/api/timemachine/replay', permission: 'twin:read',
      summary: 'Past state of a live layer from the minute/hour roll-ups: the snapshot before `from` and the rows of [from, to) as columns (no raw telemetry read); needs the layer\'s own permission; not for enterprise users',
      query: replayQuery, response: replaySchema, errors: [422],
      async handler(ctx) {
        const q = queryOf(ctx, replayQuery);
        const principal = ctx.state.principal;
        if (principal?.enterpriseIdx != null) ctx.throw(403, 'the time machine is for park staff');
        const layer = layerByName(q.layer)!;
        if (!principal?.permissions.has(layer.permission as never)) ctx.throw(403, `reading the ${layer.name} layer needs ${layer.permission}`);
        const from = Date.parse(q.from);
        const to = Date.parse(q.to);
        if (!(to > from)) ctx.throw(422, '`to` must be after `from`');
        if (to - from > MAX_WINDOW_MS[q.resolution]) {
          ctx.throw(422, `a ${q.resolution} replay covers at most ${MAX_WINDOW_MS[q.resolution] / STEP_MS[q.resolution]} ${q.resolution}s; use resolution=hour or a shorter window`);
        }
        const r = await readReplay(sc.db, layer.id, from, to, q.resolution);
        ctx.body = { ...r, layer: layer.name };
      },
    },
  ],
};
