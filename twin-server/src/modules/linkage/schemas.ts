/** Plans, runs and steps of the linkage module: the stored shapes (checked on write) and the wire. */
import { z } from 'zod';

const bilingual = z.object({ zh: z.string().trim().min(1).max(200), en: z.string().trim().min(1).max(200) }).strict();
const idxList = z.array(z.number().int().min(1)).min(1).max(50);

/** Whom a command step addresses, resolved when the step runs. */
export const TARGETS = ['zone_access_points', 'building_access_points', 'building_exits', 'building_lifts', 'park_lifts'] as const;

export const stepSpec = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('fly_to'), confirm: z.boolean().optional() }).strict(),
  z.object({ kind: z.literal('cameras'), limit: z.number().int().min(1).max(8).default(4), confirm: z.boolean().optional() }).strict(),
  z.object({
    kind: z.literal('command'), target: z.union([z.enum(TARGETS), z.object({ idx: idxList }).strict()]),
    action: z.string().regex(/^[a-z][a-z0-9_]{0,30}$/), value: z.union([z.number(), z.string().max(100)]).optional(),
    label: bilingual.optional(), confirm: z.boolean().optional(),
  }).strict(),
  z.object({ kind: z.literal('announce'), text: bilingual, confirm: z.boolean().optional() }).strict(),
  z.object({ kind: z.literal('display'), text: bilingual, confirm: z.boolean().optional() }).strict(),
  z.object({
    kind: z.literal('work_order'), title: bilingual, priority: z.enum(['urgent', 'high', 'normal', 'low']),
    trade: z.string().regex(/^[a-z_]{1,40}$/).optional(), confirm: z.boolean().optional(),
  }).strict(),
]);
export type StepSpec = z.infer<typeof stepSpec>;

export const triggerSpec = z.object({
  kinds: z.array(z.string().regex(/^[a-z][a-z0-9_]{0,59}$/, 'an alarm kind is a lower-case word')).min(1).max(20),
  minSeverity: z.number().int().min(1).max(3).default(1),
  zone: z.number().int().min(1).nullable().default(null),
  building: z.number().int().min(1).nullable().default(null),
}).strict();

export const planBody = z.object({
  code: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,59}$/, 'code: lower-case letters, digits, . _ -'),
  name: bilingual,
  trigger: triggerSpec,
  steps: z.array(stepSpec).min(1).max(20),
  enabled: z.boolean().default(true),
}).strict();
export const planUpdateBody = z.object({ version: z.number().int().min(1), plan: planBody }).strict();

export const plan = z.object({
  id: z.number().int(), code: z.string(), name: z.object({ zh: z.string(), en: z.string() }), trigger: triggerSpec,
  steps: z.array(stepSpec), enabled: z.boolean(), version: z.number().int(), updatedAt: z.string(), updatedBy: z.string().nullable(),
}).strict();
export const plansResponse = z.object({ plans: z.array(plan), targets: z.array(z.enum(TARGETS)) }).strict();

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export const step = z.object({
  n: z.number().int(), kind: z.string(), spec: stepSpec, risky: z.boolean(),
  state: z.enum(['pending', 'awaiting_confirmation', 'running', 'done', 'failed', 'cancelled', 'skipped']),
  commands: z.array(z.object({ id: z.string(), idx: z.number().int(), device: z.string(), state: z.string(), error: z.string().nullable() }).strict()),
  result: z.record(z.string(), z.union([scalar, z.array(scalar)])).nullable(), error: z.string().nullable(),
  confirmedBy: z.string().nullable(), cancelledBy: z.string().nullable(), startedAt: z.string().nullable(), finishedAt: z.string().nullable(),
}).strict();
export const run = z.object({
  id: z.number().int(), plan: z.number().int(), planName: z.object({ zh: z.string(), en: z.string() }), alarm: z.number().int().nullable(),
  alarmKind: z.string().nullable(), idx: z.number().int(), objectName: z.string().nullable(), objectNameEn: z.string().nullable(),
  building: z.number().int().nullable(), floor: z.number().int().nullable(), zone: z.number().int().nullable(),
  state: z.enum(['running', 'done', 'cancelled']), startedAt: z.string(), finishedAt: z.string().nullable(), startedBy: z.string(), cancelledBy: z.string().nullable(),
  steps: z.array(step),
}).strict();
export const runsQuery = z.object({
  state: z.enum(['running', 'done', 'cancelled', 'all']).default('all'),
  limit: z.coerce.number<string>().int().min(1).max(100).default(20),
}).strict();
export const runsResponse = z.object({ runs: z.array(run) }).strict();
export const stepParams = z.object({
  id: z.coerce.number<string>().int().min(1).max(0x7fffffff),
  n: z.coerce.number<string>().int().min(0).max(50),
});
export const emptyBody = z.object({}).strict();
export const startBody = z.object({ alarm: z.number().int().min(1) }).strict();
