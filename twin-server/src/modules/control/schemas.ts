/** Wire schemas of the control module's routes. */
import { z } from 'zod';
import { commandSpec } from './profiles.ts';

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const bilingual = z.object({ zh: z.string(), en: z.string() }).strict();

export const commandBody = z.object({
  idx: z.number().int().min(1).max(0x7fffffff),
  action: z.string().min(1).max(32).regex(/^[a-z][a-z0-9_]*$/, 'action is a lower-case word'),
  value: z.union([z.number(), z.string().max(100), bilingual]).optional(),
  /** A park's public address or information displays instead of a device (idx is then the park). */
  endpoint: z.enum(['pa', 'signage']).optional(),
}).strict();

export const confirmBody = z.object({ token: z.string().min(10).max(100) }).strict();
export const emptyBody = z.object({}).strict();
export const commandIdParams = z.object({ id: z.uuid('command ids are UUIDs') });

export const command = z.object({
  id: z.string(), idx: z.number().int(), device: z.string(), type: z.string(), action: z.string(),
  value: z.union([z.number(), z.string(), bilingual, z.null()]), risky: z.boolean(),
  state: z.enum(['awaiting_confirmation', 'sent', 'succeeded', 'refused', 'timeout', 'cancelled']),
  source: z.enum(['operator', 'linkage']), requestedBy: z.string(), confirmedBy: z.string().nullable(),
  createdAt: z.string(), sentAt: z.string().nullable(), deadline: z.string().nullable(), answeredAt: z.string().nullable(),
  result: z.record(z.string(), scalar).nullable(), error: z.string().nullable(), confirmExpires: z.string().nullable(),
}).strict();

export const commandResponse = command;
export const requestResponse = z.object({
  command,
  confirmation: z.object({ token: z.string(), expiresAt: z.string() }).strict().nullable(),
}).strict();
export const commandsQuery = z.object({
  idx: z.coerce.number<string>().int().min(1).optional(),
  state: z.enum(['awaiting_confirmation', 'sent', 'succeeded', 'refused', 'timeout', 'cancelled']).optional(),
  limit: z.coerce.number<string>().int().min(1).max(500).default(50),
}).strict();
export const commandsResponse = z.object({ commands: z.array(command) }).strict();
export const profilesResponse = z.object({
  profiles: z.array(z.object({ type: z.string(), timeoutMs: z.number().int(), commands: z.array(commandSpec) }).strict()),
}).strict();
export const deviceResponse = z.object({
  idx: z.number().int(), device: z.string(), type: z.string(),
  commands: z.array(commandSpec.extend({ allowed: z.boolean() })),
  state: z.record(z.string(), scalar).nullable(), stateAt: z.string().nullable(),
  recent: z.array(command),
}).strict();
