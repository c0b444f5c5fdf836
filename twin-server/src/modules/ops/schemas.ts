/** Wire schemas of the ops routes; the TypeScript types they must match live in layers/src/ops.ts. */
import { z } from 'zod';
import type { NetworkObject, ParkNetworks, PipeEnd, SectionBoxJson, TraceResult, WorkOrder } from '@park-twin/layers';
import { idxParam } from '../../http/params.ts';
import { named } from '../../http/schemas.ts';

/** Query of GET /api/ops/trace. */
export const traceQuery = z.object({
  node: z.string({ error: 'node is required' }).regex(/^\d{1,10}$/, 'node must be a positive integer').pipe(idxParam),
  direction: z.enum(['downstream', 'upstream'], { error: 'direction must be downstream or upstream' }),
}).strict();

export const traceSchema = z.object({
  node: z.number().int(), network: z.string(), direction: z.enum(['downstream', 'upstream']),
  segments: z.array(z.number().int()), nodes: z.array(z.number().int()), barriers: z.array(z.number().int()),
}) satisfies z.ZodType<TraceResult>;

const pipeEnd = z.object({
  idx: z.number().int(), code: z.string(), ...named, nodeType: z.string(), valveOpen: z.boolean().nullable(),
}) satisfies z.ZodType<PipeEnd>;

export const networkObjectSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('pipe_segment'), idx: z.number().int(), code: z.string(), ...named, network: z.string(),
    diameterMm: z.number(), depth: z.number(), material: z.string(), installYear: z.number().int().nullable(), lengthM: z.number(),
    centreDepth: z.tuple([z.number(), z.number()]), from: pipeEnd, to: pipeEnd,
  }),
  z.object({
    kind: z.literal('pipe_node'), idx: z.number().int(), code: z.string(), ...named, network: z.string(),
    nodeType: z.string(), valveOpen: z.boolean().nullable(), depth: z.number(), building: z.number().int().nullable(),
    outgoing: z.array(z.number().int()), incoming: z.array(z.number().int()),
  }),
]) satisfies z.ZodType<NetworkObject>;

export const parkNetworksSchema = z.object({
  segments: z.object({ idx: z.array(z.number().int()), network: z.array(z.string()), depth: z.array(z.number()) }),
  nodes: z.object({
    idx: z.array(z.number().int()), network: z.array(z.string()), type: z.array(z.string()),
    valveOpen: z.array(z.boolean().nullable()), depth: z.array(z.number()),
  }),
}) satisfies z.ZodType<ParkNetworks>;

const vec3 = z.tuple([z.number(), z.number(), z.number()]);
export const sectionBoxSchema = z.object({
  idx: z.number().int(), kind: z.enum(['building', 'floor']), min: vec3, max: vec3,
}) satisfies z.ZodType<SectionBoxJson>;

export const workOrdersSchema = z.object({
  idx: z.number().int(),
  workOrders: z.array(z.object({
    code: z.string(), title: z.string(), titleEn: z.string().nullable(), type: z.string(), priority: z.string(), status: z.string(),
    assignee: z.string().nullable(), openedOn: z.string(), dueOn: z.string().nullable(),
  }) satisfies z.ZodType<WorkOrder>),
});
