/**
 * Protocol adapters: raw Modbus registers and BACnet object/property lists -> a layer message,
 * by a per-equipment-type profile from table device_profile. The result is validated by the
 * layer's own schema afterwards, so an adapter can never smuggle a bad value in.
 */
import { z } from 'zod';
import type { Queryable } from '../db/index.ts';
import { envelope } from '@park-twin/layers';

const fieldName = z.string().regex(/^[a-z_]{1,32}$/);

/** Modbus profile: which holding registers hold which field, and how to scale them. */
export const modbusProfileSchema = z.object({
  fields: z.array(z.object({
    field: fieldName,
    register: z.number().int().min(0).max(124),
    /** 2 = a 32-bit value in two registers, high word first. */
    words: z.union([z.literal(1), z.literal(2)]).default(1),
    scale: z.number().default(1),
    offset: z.number().default(0),
    signed: z.boolean().default(false),
    /** The raw value indexes this list (status codes). */
    enum: z.array(z.string()).optional(),
  }).strict()).min(1).max(64),
}).strict();

/** BACnet profile: which (object type, instance) is which field. */
export const bacnetProfileSchema = z.object({
  objects: z.array(z.object({
    type: z.string().min(1).max(40),
    instance: z.number().int().min(0).max(4194303),
    field: fieldName,
    scale: z.number().default(1),
    enum: z.array(z.string()).optional(),
  }).strict()).min(1).max(64),
}).strict();

/** Payload on `park/<park>/modbus/<device>`. */
export const modbusPayloadSchema = z.object({ registers: z.array(z.number().int().min(0).max(0xffff)).min(1).max(125), ...envelope }).strict();

/** Payload on `park/<park>/bacnet/<device>`. */
export const bacnetPayloadSchema = z.object({
  objects: z.array(z.object({
    type: z.string().min(1).max(40),
    instance: z.number().int().min(0).max(4194303),
    property: z.string().max(40).default('presentValue'),
    value: z.union([z.number(), z.boolean()]),
  }).strict()).min(1).max(200),
  ...envelope,
}).strict();

export type AdapterProtocol = 'modbus' | 'bacnet';

/** A loaded profile. */
export type Profile =
  | { protocol: 'modbus'; type: string; layer: string; map: z.infer<typeof modbusProfileSchema> }
  | { protocol: 'bacnet'; type: string; layer: string; map: z.infer<typeof bacnetProfileSchema> };

/** Loads every valid profile keyed `protocol/type`; invalid rows are reported, not fatal. */
export async function loadProfiles(db: Queryable, onInvalid: (id: number, why: string) => void): Promise<Map<string, Profile>> {
  const r = await db.query<{ id: number; protocol: AdapterProtocol; equipment_type: string; layer: string; map: unknown }>(
    'SELECT id, protocol, equipment_type, layer, map FROM device_profile');
  const out = new Map<string, Profile>();
  for (const row of r.rows) {
    const schema = row.protocol === 'modbus' ? modbusProfileSchema : bacnetProfileSchema;
    const p = schema.safeParse(row.map);
    if (!p.success) {
      onInvalid(row.id, p.error.issues[0]?.message ?? 'invalid');
      continue;
    }
    out.set(`${row.protocol}/${row.equipment_type}`, { protocol: row.protocol, type: row.equipment_type, layer: row.layer, map: p.data } as Profile);
  }
  return out;
}

/** Result of an adapter: a layer message, or why not. */
export type Converted = { ok: true; layer: string; message: Record<string, unknown> } | { ok: false; reason: 'bad-payload'; detail: string };

function withEnvelope(out: Record<string, unknown>, p: { seq?: number | undefined; ts?: number | string | undefined }): Record<string, unknown> {
  if (p.seq !== undefined) out.seq = p.seq;
  if (p.ts !== undefined) out.ts = p.ts;
  return out;
}

/** Converts raw registers to engineering values by the profile. */
export function convertModbus(profile: Extract<Profile, { protocol: 'modbus' }>, raw: unknown): Converted {
  const p = modbusPayloadSchema.safeParse(raw);
  if (!p.success) return { ok: false, reason: 'bad-payload', detail: p.error.issues[0]?.message ?? 'invalid' };
  const regs = p.data.registers;
  const out: Record<string, unknown> = {};
  for (const f of profile.map.fields) {
    const hi = regs[f.register];
    const lo = f.words === 2 ? regs[f.register + 1] : 0;
    if (hi === undefined || lo === undefined) return { ok: false, reason: 'bad-payload', detail: `register ${f.register} missing` };
    let v = f.words === 2 ? hi * 0x10000 + lo : hi;
    if (f.signed) v = f.words === 2 ? (v | 0) : (v << 16) >> 16;
    if (f.enum) {
      const e = f.enum[v];
      if (e === undefined) return { ok: false, reason: 'bad-payload', detail: `register ${f.register}: no state ${v}` };
      out[f.field] = e;
    } else out[f.field] = v * f.scale + f.offset;
  }
  return { ok: true, layer: profile.layer, message: withEnvelope(out, p.data) };
}

/** Converts BACnet present values to engineering values by the profile; unknown objects are ignored. */
export function convertBacnet(profile: Extract<Profile, { protocol: 'bacnet' }>, raw: unknown): Converted {
  const p = bacnetPayloadSchema.safeParse(raw);
  if (!p.success) return { ok: false, reason: 'bad-payload', detail: p.error.issues[0]?.message ?? 'invalid' };
  const out: Record<string, unknown> = {};
  for (const o of p.data.objects) {
    if (o.property !== 'presentValue') continue;
    const m = profile.map.objects.find((x) => x.type === o.type && x.instance === o.instance);
    if (!m) continue;
    const v = typeof o.value === 'boolean' ? Number(o.value) : o.value;
    if (m.enum) {
      const e = m.enum[v];
      if (e === undefined) return { ok: false, reason: 'bad-payload', detail: `${o.type}:${o.instance}: no state ${v}` };
      out[m.field] = e;
    } else out[m.field] = v * m.scale;
  }
  if (Object.keys(out).length === 0) return { ok: false, reason: 'bad-payload', detail: 'no mapped object present' };
  return { ok: true, layer: profile.layer, message: withEnvelope(out, p.data) };
}
