/**
 * Control profiles: the commands each equipment type accepts (stored in `control_profile`,
 * migration 001), and the check of a command's value against its profile.
 */
import { z } from 'zod';
import type { Queryable } from '../../db/index.ts';

const bilingual = z.object({ zh: z.string().min(1).max(200), en: z.string().min(1).max(200) }).strict();

/** What a command's value must be. */
export const valueSpec = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('number'), min: z.number(), max: z.number(), step: z.number().positive().optional(), unit: z.string().max(10).optional() }).strict(),
  z.object({ kind: z.literal('enum'), options: z.array(z.string().min(1).max(40)).min(1).max(20) }).strict(),
  z.object({ kind: z.literal('text'), max: z.number().int().min(1).max(500) }).strict(),
]);

/** One command of a profile. */
export const commandSpec = z.object({
  action: z.string().regex(/^[a-z][a-z0-9_]{0,30}$/),
  label: z.object({ zh: z.string(), en: z.string() }).strict(),
  risky: z.boolean(),
  permission: z.enum(['equipment:control', 'security:control']),
  value: valueSpec.optional(),
}).strict();
export type CommandSpec = z.infer<typeof commandSpec>;

/** The profile of one equipment type. */
export interface ControlProfile {
  readonly type: string;
  readonly commands: readonly CommandSpec[];
  readonly timeoutMs: number;
}

/** Head-ends that are not equipment rows: the park's public address and information displays. */
export const SYSTEM_ENDPOINTS = { pa: 'pa', signage: 'signage' } as const;

/** Reads every profile (invalid ones are skipped with a warning by the caller). */
export async function loadProfiles(q: Queryable, warn?: (type: string, why: string) => void): Promise<Map<string, ControlProfile>> {
  const r = await q.query<{ equipment_type: string; commands: unknown; timeout_ms: number }>('SELECT equipment_type, commands, timeout_ms FROM control_profile');
  const out = new Map<string, ControlProfile>();
  for (const row of r.rows) {
    const p = z.array(commandSpec).safeParse(row.commands);
    if (!p.success) {
      warn?.(row.equipment_type, p.error.issues[0]?.message ?? 'invalid');
      continue;
    }
    out.set(row.equipment_type, { type: row.equipment_type, commands: p.data, timeoutMs: Number(row.timeout_ms) });
  }
  return out;
}

/** A bilingual text value (public address, displays). */
export const textValue = bilingual;

/**
 * Checks a command's value against its spec; returns the value to send, or the reason it is
 * refused (a 422 for the caller).
 */
export function checkValue(spec: CommandSpec, value: unknown): { ok: true; value: unknown } | { ok: false; reason: string } {
  const v = spec.value;
  if (!v) return value === undefined || value === null ? { ok: true, value: null } : { ok: false, reason: `${spec.action} takes no value` };
  if (value === undefined || value === null) return { ok: false, reason: `${spec.action} needs a value` };
  switch (v.kind) {
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return { ok: false, reason: `${spec.action} needs a number` };
      if (value < v.min || value > v.max) return { ok: false, reason: `${spec.action} must be between ${v.min} and ${v.max}${v.unit ? ` ${v.unit}` : ''}` };
      if (v.step && Math.abs(Math.round((value - v.min) / v.step) * v.step - (value - v.min)) > 1e-9) return { ok: false, reason: `${spec.action} goes in steps of ${v.step}` };
      return { ok: true, value };
    }
    case 'enum':
      if (typeof value !== 'string' || !v.options.includes(value)) return { ok: false, reason: `${spec.action} must be one of ${v.options.join(', ')}` };
      return { ok: true, value };
    case 'text': {
      const t = bilingual.safeParse(value);
      if (!t.success) return { ok: false, reason: `${spec.action} needs a text {zh, en}` };
      if (t.data.zh.length > v.max || t.data.en.length > v.max) return { ok: false, reason: `${spec.action} text is longer than ${v.max} characters` };
      return { ok: true, value: t.data };
    }
  }
}
