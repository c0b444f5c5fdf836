/** Wire schemas of the command wall's routes; the TypeScript types they must match live in layers/src/wall.ts. */
import { z } from 'zod';
import { SCENE_LAYER_CHOICES } from '@park-twin/layers';
import type { Bookmark, WallKpis } from '@park-twin/layers/wall.ts';
import { PARK_CODE } from '../../http/params.ts';

/** `?park=`: a park code, or the first park when absent. */
export const parkQuery = z.object({ park: z.string().regex(PARK_CODE, 'invalid park code').optional() });

export const bookmarkBody = z.object({
  park: z.string().regex(PARK_CODE, 'invalid park code'),
  name: z.string().trim().min(1).max(100),
  camera: z.array(z.number().finite().min(-100_000).max(100_000)).length(6),
  layer: z.enum(SCENE_LAYER_CHOICES),
  position: z.number().int().min(0).max(10_000).optional(),
  dwellS: z.number().int().min(5).max(3600).default(20),
}).strict();

export const bookmarkSchema = z.object({
  id: z.number().int(), name: z.string(), camera: z.array(z.number()), layer: z.string(), position: z.number().int(), dwellS: z.number().int(),
}) satisfies z.ZodType<Bookmark>;

export const bookmarksSchema = z.object({ park: z.string(), bookmarks: z.array(bookmarkSchema) });

const n = z.number();
export const kpisSchema = z.object({
  park: z.string(), at: z.string(), timezone: z.string(),
  occupancy: z.object({ leasableUnits: n, leasedUnits: n, leasableArea: n, leasedArea: n, rate: n }),
  people: z.object({ onSite: n, capacity: n, rooms: n }),
  energy: z.object({
    todayKwh: n, yesterdaySameTimeKwh: n, yesterdayKwh: n, powerKw: n,
    hourly: z.object({ today: z.array(n), yesterday: z.array(n) }),
  }),
  equipment: z.object({ total: n, available: n, rate: n }),
  alarms: z.object({ open: n, bySeverity: z.object({ 1: n, 2: n, 3: n }) }),
  enterprises: z.object({ count: n, employees: n, leading: n, highTech: n }),
  economy: z.object({
    from: z.string().nullable(), to: z.string().nullable(),
    outputYtd: n, taxYtd: n, outputPrevYtd: n, taxPrevYtd: n,
    monthly: z.array(z.object({ month: z.string(), output: n, tax: n })),
  }),
}) satisfies z.ZodType<WallKpis>;
