/** Wire schemas of the work-order routes besides the kit's (routes.ts). */
import { z } from 'zod';

const label = z.object({ zh: z.string(), en: z.string() });

/** `:id/steps/:n` path parameters. */
export const stepParams = z.object({
  id: z.coerce.number<string>().int().min(1, 'id must be a positive integer').max(0x7fffffff),
  n: z.coerce.number<string>().int().min(0, 'n must be a step number from 0').max(99, 'n must be a step number up to 99'),
});

/** Tick or untick a step. */
export const stepBody = z.object({ done: z.boolean() }).strict();

/** A part used. */
export const partBody = z.object({
  partCode: z.string().trim().min(1).max(40),
  name: z.string().trim().min(1).max(100),
  qty: z.number().positive().max(10_000),
  unit: z.string().trim().min(1).max(10).default('个'),
}).strict();

/** A work order's extras (GET /api/workorders/:id/extra). */
export const extraResponse = z.object({
  id: z.number(), code: z.string(), source: z.string(), sourceRef: z.string().nullable(), priority: z.string(), trade: z.string().nullable(),
  alarmId: z.number().nullable(), alarmState: z.string().nullable(),
  crew: z.object({ id: z.number(), code: z.string(), name: label, phone: z.string().nullable() }).nullable(),
  equipment: z.object({ type: z.string(), model: z.string(), manufacturer: z.string() }).nullable(),
  parts: z.array(z.object({ id: z.number(), partCode: z.string(), name: z.string(), qty: z.number(), unit: z.string(), byName: z.string().nullable(), at: z.string() })),
  procedure: z.object({
    kbId: z.number(), title: label,
    steps: z.array(z.object({ n: z.number(), zh: z.string(), en: z.string(), done: z.boolean(), byName: z.string().nullable(), at: z.string().nullable() })),
  }).nullable(),
});

/** One line of an object's maintenance history. */
const historyRow = z.object({
  id: z.number().nullable(), code: z.string(), title: z.string(), titleEn: z.string().nullable(), state: z.string(), priority: z.string(), source: z.string(),
  openedAt: z.string(), closedAt: z.string().nullable(), crew: z.string().nullable(), dueAt: z.string().nullable(),
});

/** GET /api/maintenance/objects/:idx/work-orders. */
export const objectOrdersResponse = z.object({
  idx: z.number(), open: z.array(historyRow), history: z.array(historyRow), lastMaintained: z.string().nullable(), intervalDays: z.number().nullable(),
});

const crew = z.object({
  id: z.number(), code: z.string(), name: label, trade: z.string(), base: z.object({ lon: z.number(), lat: z.number() }), phone: z.string().nullable(), active: z.boolean(),
  members: z.array(z.object({ id: z.string(), name: z.string() })), roster: z.array(z.object({ weekday: z.number(), start: z.number(), end: z.number() })), onDuty: z.boolean(),
});

/** GET /api/maintenance/crews. */
export const crewsResponse = z.object({ crews: z.array(crew) });

/** PUT crew members. */
export const membersBody = z.object({ userIds: z.array(z.uuid()).max(20) }).strict();

const rule = z.object({ id: z.number(), equipmentType: z.string(), alarmKind: z.string().nullable(), trade: z.string(), minSeverity: z.number(), autoCreate: z.boolean(), enabled: z.boolean() });

/** GET /api/maintenance/dispatch-rules. */
export const dispatchRulesResponse = z.object({ rules: z.array(rule), trades: z.array(z.object({ code: z.string(), name: label })) });

/** PUT a dispatch rule. */
export const ruleBody = z.object({
  trade: z.string().regex(/^[a-z][a-z0-9_]{1,30}$/), minSeverity: z.number().int().min(1).max(3), autoCreate: z.boolean(), enabled: z.boolean(),
}).strict();

/** GET /api/maintenance/kb query. */
export const kbQuery = z.object({
  type: z.string().regex(/^[a-z][a-z0-9_]{1,40}$/).optional(), model: z.string().max(100).optional(), fault: z.string().regex(/^[a-z][a-z0-9_]{1,62}$/).optional(),
}).strict();

/** GET /api/maintenance/kb. */
export const kbResponse = z.object({
  entries: z.array(z.object({ id: z.number(), equipmentType: z.string(), model: z.string().nullable(), fault: z.string(), title: label, steps: z.array(label) })),
});
