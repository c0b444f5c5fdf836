/** Wire schemas of the twin module's routes (their TypeScript types live in layers/ and queries.ts). */
import { z } from 'zod';
import type { ParkIndex } from '@park-twin/layers';
import { layerByName } from '@park-twin/layers';
import { named } from '../../http/schemas.ts';
import type { HistoryPoint, ObjectDetails } from './queries.ts';

/** A park with the origin its tiles are built around. */
export const parkSchema = z.object({
  idx: z.number().int(), code: z.string(), ...named,
  origin: z.object({ lon: z.number(), lat: z.number(), h: z.number() }),
}) satisfies z.ZodType<ParkIndex['park']>;

/** GET /api/twin/parks/:code/index: the hierarchy as parallel columns. */
export const parkIndexSchema = z.object({
  park: parkSchema,
  idx: z.array(z.number().int()),
  kind: z.array(z.string()),
  parent: z.array(z.number().int()),
  level: z.array(z.number()),
  name: z.array(z.string()),
  nameEn: z.array(z.string().nullable()),
  lease: z.array(z.string().nullable()),
}) satisfies z.ZodType<ParkIndex>;

const crumb = z.object({ idx: z.number().int(), kind: z.string(), ...named });

/** GET /api/twin/objects/:idx. */
export const objectDetailsSchema = crumb.extend({
  uuid: z.string(),
  attributes: z.record(z.string(), z.unknown()),
  path: z.array(crumb),
}) satisfies z.ZodType<ObjectDetails>;

/** GET /api/twin/objects/:idx/children. */
export const childrenSchema = z.object({
  idx: z.number().int(),
  children: z.array(crumb.extend({ level: z.number().nullable() })),
});

/** Query of GET /api/twin/objects/:idx/history. */
export const historyQuery = z.object({
  layer: z.string().refine((n) => layerByName(n) !== undefined, 'unknown layer'),
  hours: z.coerce.number().int().min(1).max(24 * 31).default(24),
});

/** GET /api/twin/objects/:idx/history. */
export const historySchema = z.object({
  idx: z.number().int(),
  layer: z.string(),
  hours: z.number().int(),
  points: z.array(z.object({ t: z.string(), avg: z.number(), max: z.number(), status: z.number().int() }) satisfies z.ZodType<HistoryPoint>),
});
