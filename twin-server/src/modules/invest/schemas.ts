/** Wire schemas of the investment routes; the TypeScript types they must match live in layers/src/invest.ts. */
import { z } from 'zod';
import { INDUSTRIES, type CompareResult, type UnitDetail, type UnitRow, type UnitsResult } from '@park-twin/layers';
import { named } from '../../http/schemas.ts';

const industry = z.enum(INDUSTRIES);
const day = z.string();
const window = { asOf: day, within: z.number().int(), cutoff: day };

const unitRow = z.object({
  idx: z.number().int(), code: z.string(), ...named, use: z.string(), area: z.number(), rent: z.number(), level: z.number().int(),
  floorIdx: z.number().int(), buildingIdx: z.number().int(), buildingCode: z.string(), buildingName: z.string(), buildingNameEn: z.string().nullable(),
  availability: z.enum(['vacant', 'soon', 'leased', 'reserved']), leaseEnd: day.nullable(), availableFrom: day,
  neighbourIndustries: z.array(industry), suitable: z.array(industry),
}) satisfies z.ZodType<UnitRow>;

export const unitsResultSchema = z.object({
  ...window, park: z.string(), total: z.number().int(), truncated: z.boolean(), units: z.array(unitRow), held: z.array(unitRow),
  buildings: z.array(z.object({ code: z.string(), ...named })),
}) satisfies z.ZodType<UnitsResult>;

const rings = z.array(z.array(z.tuple([z.number(), z.number()])));

export const unitDetailSchema = z.object({
  ...window,
  unit: unitRow,
  floorPlan: z.object({
    outline: rings,
    rooms: z.array(z.object({ idx: z.number().int(), code: z.string(), use: z.string(), leaseStatus: z.string(), rings })),
    elevation: z.number(), height: z.number(),
  }),
  neighbours: z.array(z.object({
    enterpriseIdx: z.number().int(), name: z.string().nullable(), nameEn: z.string().nullable(), industry,
    units: z.number().int(), adjacent: z.boolean(),
  })),
}) satisfies z.ZodType<UnitDetail>;

export const compareResultSchema = z.object({ ...window, units: z.array(unitRow) }) satisfies z.ZodType<CompareResult>;
