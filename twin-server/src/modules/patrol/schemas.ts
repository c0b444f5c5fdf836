/** Event payloads (MQTT and HTTP) and the wire shapes of the patrol module's routes. */
import { z } from 'zod';

const TAG = /^[A-Za-z0-9_.-]{1,60}$/;
const bilingual = z.object({ zh: z.string().trim().min(1).max(100), en: z.string().trim().min(1).max(100) }).strict();
/** Device time in ms since the epoch (optional: the server's receive time otherwise). */
const ts = z.number().int().min(0).max(4_102_444_800_000).optional();

/** A checkpoint scan by a guard's handheld reader (`park/<park>/events/<reader>/patrol`). */
export const patrolEvent = z.object({ id: z.uuid('id: a UUID per event'), tag: z.string().regex(TAG, 'tag: 1-60 letters, digits, . _ -'), ts }).strict();
/** An access point's event (`park/<park>/events/<access point>/access`). */
export const accessEvent = z.object({
  id: z.uuid('id: a UUID per event'),
  event: z.enum(['granted', 'denied', 'forced_open', 'held_open']),
  card: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'card: 1-40 letters, digits, _ -').optional(),
  pass: z.string().regex(/^[A-Za-z0-9_-]{4,40}$/, 'pass: a visitor pass code').optional(),
  heldSeconds: z.number().int().min(1).max(86_400).optional(),
  ts,
}).strict();
/** A biometric terminal's watch-list match (`park/<park>/events/<terminal>/watchlist`): never an image. */
export const watchlistEvent = z.object({
  id: z.uuid('id: a UUID per event'),
  entry: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'entry: a watch-list code'),
  score: z.number().min(0).max(1),
  ts,
}).strict();

export const EVENT_KINDS = ['patrol', 'access', 'watchlist'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** `POST /api/patrol/events`: the same events as MQTT carries, for integrations and manual entry. */
export const eventBody = z.object({
  park: z.string().min(1).max(40),
  device: z.string().regex(/^[A-Za-z0-9_.-]{1,60}$/, 'device: a device code'),
  kind: z.enum(EVENT_KINDS),
  event: z.record(z.string(), z.unknown()),
}).strict();
export const eventResponse = z.object({
  kind: z.enum(EVENT_KINDS), id: z.string(), duplicate: z.boolean(), outcome: z.string(), reason: z.string().nullable(), alarm: z.number().int().nullable(),
}).strict();

export const parkQuery = z.object({ park: z.string().min(1).max(40).optional() }).strict();
export const listQuery = z.object({
  park: z.string().min(1).max(40).optional(),
  limit: z.coerce.number<string>().int().min(1).max(500).default(50),
}).strict();
export const accessQuery = listQuery.extend({ event: z.enum(['granted', 'denied', 'forced_open', 'held_open']).optional(), outcome: z.enum(['granted', 'denied', 'refused', 'alarm']).optional() }).strict();

export const routeBody = z.object({
  park: z.string().min(1).max(40),
  code: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,39}$/, 'code: lower-case letters, digits, . _ -'),
  name: bilingual,
  checkpoints: z.array(z.object({
    tag: z.string().regex(TAG, 'tag: 1-60 letters, digits, . _ -'),
    idx: z.number().int().min(1),
    dueS: z.number().int().min(10).max(86_400),
  }).strict()).min(1).max(50),
  schedule: z.object({
    everyS: z.number().int().min(60).max(86_400),
    offsetS: z.number().int().min(0).max(86_399).default(0),
    graceS: z.number().int().min(0).max(7200).default(60),
  }).strict(),
}).strict();

const obj = { idx: z.number().int(), name: z.string().nullable(), nameEn: z.string().nullable() };
export const route = z.object({
  id: z.number().int(), park: z.string(), code: z.string(), name: z.object({ zh: z.string(), en: z.string() }), enabled: z.boolean(),
  checkpoints: z.array(z.object({ n: z.number().int(), tag: z.string(), dueS: z.number().int(), ...obj }).strict()),
  schedules: z.array(z.object({ id: z.number().int(), everyS: z.number().int(), offsetS: z.number().int(), graceS: z.number().int(), enabled: z.boolean() }).strict()),
}).strict();
export const routesResponse = z.object({ routes: z.array(route) }).strict();

export const round = z.object({
  id: z.number().int(), route: z.number().int(), routeName: z.object({ zh: z.string(), en: z.string() }), plannedAt: z.string(),
  state: z.enum(['open', 'done', 'incomplete']), closedAt: z.string().nullable(),
  visits: z.array(z.object({
    n: z.number().int(), tag: z.string(), dueAt: z.string(), state: z.enum(['pending', 'visited', 'missed']),
    visitedAt: z.string().nullable(), guard: z.string().nullable(), alarm: z.number().int().nullable(), ...obj,
  }).strict()),
}).strict();
export const roundsResponse = z.object({ rounds: z.array(round) }).strict();

export const accessEventWire = z.object({
  id: z.string(), idx: z.number().int(), device: z.string(), name: z.string().nullable(), nameEn: z.string().nullable(),
  event: z.enum(['granted', 'denied', 'forced_open', 'held_open']), outcome: z.enum(['granted', 'denied', 'refused', 'alarm']), reason: z.string().nullable(),
  card: z.string().nullable(), pass: z.string().nullable(), visitor: z.string().nullable(), heldSeconds: z.number().int().nullable(), at: z.string(), alarm: z.number().int().nullable(),
}).strict();
export const accessEventsResponse = z.object({ events: z.array(accessEventWire) }).strict();

export const watchlistResponse = z.object({
  entries: z.array(z.object({ id: z.number().int(), code: z.string(), label: z.string(), reason: z.string(), addedBy: z.string(), addedAt: z.string() }).strict()),
  hits: z.array(z.object({
    id: z.string(), idx: z.number().int(), device: z.string(), name: z.string().nullable(), nameEn: z.string().nullable(),
    entry: z.string(), label: z.string(), score: z.number(), at: z.string(), alarm: z.number().int().nullable(),
  }).strict()),
}).strict();

export const passBody = z.object({
  park: z.string().min(1).max(40),
  visitor: z.string().trim().min(1, 'visitor: a name').max(60),
  host: z.string().trim().min(1, 'host: whom the visitor sees').max(100),
  validFrom: z.iso.datetime({ offset: true, message: 'validFrom: an ISO date-time' }),
  validTo: z.iso.datetime({ offset: true, message: 'validTo: an ISO date-time' }),
}).strict();
export const pass = z.object({
  id: z.number().int(), code: z.string(), visitor: z.string(), host: z.string(), validFrom: z.string(), validTo: z.string(),
  status: z.enum(['valid', 'not_yet', 'expired', 'revoked']), createdBy: z.string(), revokedBy: z.string().nullable(),
}).strict();
export const passesResponse = z.object({ passes: z.array(pass) }).strict();
export const emptyBody = z.object({}).strict();
