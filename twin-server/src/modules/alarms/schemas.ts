/** Wire schemas of the alarm console and rule routes (modules/alarms). */
import { z } from 'zod';
import { conditionSchema, scopeSchema } from './engine.ts';

const bilingual = z.object({ zh: z.string().trim().min(1).max(200), en: z.string().trim().min(1).max(200) }).strict();
const time = z.string();

/** Alarm states. */
export const ALARM_STATES = ['raised', 'acknowledged', 'cleared'] as const;

/** GET /api/alarm-console/alarms query. */
export const listQuery = z.object({
  state: z.enum(['open', 'raised', 'acknowledged', 'cleared', 'shelved', 'all']).default('open'),
  severity: z.coerce.number<string>().int().min(1).max(3).optional(),
  kind: z.string().regex(/^[a-z][a-z0-9_]{1,62}$/, 'an alarm kind (snake_case)').optional(),
  building: z.coerce.number<string>().int().min(1).optional(),
  idx: z.coerce.number<string>().int().min(1).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number<string>().int().min(1).max(1000).default(200),
}).strict();

/** One alarm as the console shows it. */
export const consoleAlarm = z.object({
  id: z.number().int(), idx: z.number().int(), objectKind: z.string().nullable(), objectName: z.string().nullable(), objectNameEn: z.string().nullable(),
  building: z.number().int().nullable(), floor: z.number().int().nullable(),
  layer: z.string().nullable(), kind: z.string(), severity: z.number().int(), state: z.enum(ALARM_STATES),
  message: z.string(), rule: z.number().int().nullable(), ruleName: bilingual.nullable(), template: bilingual.nullable(), params: z.record(z.string(), z.union([z.string(), z.number()])).nullable(),
  device: z.string().nullable(), raisedAt: time, acknowledgedAt: time.nullable(), acknowledgedBy: z.string().nullable(),
  clearedAt: time.nullable(), clearedBy: z.string().nullable(), assignedTo: z.string().nullable(), assignedName: z.string().nullable(),
  shelvedUntil: time.nullable(), shelved: z.boolean(), comments: z.number().int(),
});

/** Counts of open, unshelved alarms per severity. */
export const countsSchema = z.object({ 1: z.number().int(), 2: z.number().int(), 3: z.number().int(), shelved: z.number().int() });

/** GET list answer. */
export const listResponse = z.object({ alarms: z.array(consoleAlarm), counts: countsSchema });

/** A comment. */
export const commentSchema = z.object({ id: z.number().int(), author: z.string(), text: z.string(), at: time });

/** GET one alarm. */
export const detailResponse = z.object({ alarm: consoleAlarm, comments: z.array(commentSchema) });

/** Optional note with an acknowledge or clear. */
export const noteBody = z.object({ comment: z.string().trim().min(1).max(1000).optional() }).strict();
/** POST comment. */
export const commentBody = z.object({ text: z.string().trim().min(1, 'a comment needs text').max(1000) }).strict();
/** POST assign (null unassigns). */
export const assignBody = z.object({ userId: z.uuid().nullable() }).strict();
/** POST shelve. */
export const shelveBody = z.object({ minutes: z.number().int().min(1, 'shelve for 1 to 1440 minutes').max(1440, 'shelve for 1 to 1440 minutes') }).strict();
/** POST unshelve. */
export const emptyBody = z.object({}).strict();

/** Users an alarm may be assigned to. */
export const assigneesResponse = z.object({ users: z.array(z.object({ id: z.string(), name: z.string() })) });

/** A rule as written by the UI. */
export const ruleBody = z.object({
  code: z.string().regex(/^[a-z][a-z0-9_.-]{1,62}$/, 'a code: lower case letters, digits, . _ -'),
  name: bilingual,
  layer: z.string().min(1).max(32),
  kind: z.string().regex(/^[a-z][a-z0-9_]{1,62}$/, 'an alarm kind (snake_case)'),
  scope: scopeSchema.default({}),
  condition: conditionSchema.nullable().default(null),
  forSeconds: z.number().int().min(0).max(86_400).default(0),
  latch: z.boolean().default(false),
  clearOn: conditionSchema.nullable().default(null),
  noDataMinutes: z.number().int().min(1).max(10_080).nullable().default(null),
  severity: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  message: bilingual,
  enabled: z.boolean().default(true),
}).strict().refine((r) => (r.condition === null) !== (r.noDataMinutes === null), { message: 'a rule has either a condition or noDataMinutes', path: ['condition'] })
  .refine((r) => !r.latch || r.condition !== null, { message: 'a latched rule needs a condition', path: ['latch'] });

/** PUT body: the rule plus the version edited. */
export const ruleUpdateBody = z.object({ version: z.number().int().min(1), rule: ruleBody }).strict();

/** A stored rule. */
export const storedRule = z.object({
  id: z.number().int(), code: z.string(), name: bilingual, layer: z.string(), kind: z.string(),
  scope: z.record(z.string(), z.union([z.string(), z.number()])), condition: z.unknown().nullable(), forSeconds: z.number().int(), latch: z.boolean(),
  clearOn: z.unknown().nullable(), noDataMinutes: z.number().int().nullable(), severity: z.number().int(), message: bilingual,
  enabled: z.boolean(), builtin: z.boolean(), version: z.number().int(), updatedAt: time, updatedBy: z.string().nullable(),
});

/** GET rules answer. */
export const rulesResponse = z.object({ rules: z.array(storedRule), layers: z.array(z.object({ name: z.string(), fields: z.array(z.string()) })) });
