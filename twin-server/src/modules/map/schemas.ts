/** Wire schemas of the map's GeoJSON routes (RFC 7946 FeatureCollections; types in queries.ts). */
import { z } from 'zod';
import { named } from '../../http/schemas.ts';
import type { BlockProps, BuildingProps, EnterpriseProps, FeatureCollection, HeatProps, ParkProps } from './queries.ts';

/** A FeatureCollection whose features carry `props`; `truncated` says the limit cut it short. */
export function featureCollection<P extends z.ZodType>(props: P) {
  return z.object({
    type: z.literal('FeatureCollection'),
    features: z.array(z.object({
      type: z.literal('Feature'),
      id: z.number().int(),
      geometry: z.object({ type: z.string(), coordinates: z.unknown() }),
      properties: props,
    })),
    truncated: z.boolean(),
  });
}

export const parkProps = z.object({
  code: z.string(), ...named, city: z.string(), origin: z.tuple([z.number(), z.number(), z.number()]),
}) satisfies z.ZodType<ParkProps>;

export const blockProps = z.object({
  code: z.string(), ...named, plannedUse: z.string().nullable(), plotRatio: z.number().nullable(), areaM2: z.number(),
}) satisfies z.ZodType<BlockProps>;

export const buildingProps = z.object({
  code: z.string(), ...named, use: z.string(), height: z.number(), floors: z.number().int(), industry: z.string().nullable(),
  tenants: z.number().int(), leasableArea: z.number(), leasedArea: z.number(), occupancy: z.number().nullable(),
}) satisfies z.ZodType<BuildingProps>;

export const enterpriseProps = z.object({
  ...named, industry: z.string(), staff: z.number().int(), leading: z.boolean(), highTech: z.boolean(),
  buildingIdx: z.number().int(), buildingCode: z.string(), output12m: z.number(), months: z.number().int(),
}) satisfies z.ZodType<EnterpriseProps>;

export const heatProps = z.object({ leasedArea: z.number(), leasableArea: z.number(), rooms: z.number().int() }) satisfies z.ZodType<HeatProps>;

/** The heat-map collection (also a compile-time check that `featureCollection` matches the query layer's type). */
export const heatCollection = featureCollection(heatProps) satisfies z.ZodType<FeatureCollection<HeatProps>>;
