/**
 * From one entity definition, the routes of a records module under `/api/<path>`:
 *
 *   GET    /meta                         fields (JSON schema), labels, columns, workflow, what the caller may do
 *   GET    /                             list: ?q= &state= &objectIdx= &assignee=me &mine=1 &f.<field>= &sort= &dir= &limit= &cursor=
 *   GET    /export                       the same list as CSV or Excel (?format=csv|xlsx&lang=zh|en)
 *   POST   /                             create (validated by the fields' zod schemas)
 *   GET    /:id                          record, allowed transitions, comments, attachments, history
 *   PATCH  /:id                          edit fields ({version, data}); stale version: 409
 *   POST   /:id/transitions/:name        fire a transition ({version, note}); 403 / 409
 *   PUT    /:id/assignees                set assignees ({version, assignees})
 *   POST   /:id/comments                 add a comment
 *   POST   /:id/attachments?name=        upload (raw body; size and type limits)
 *   GET    /:id/attachments/:aid         download (Content-Disposition: attachment, nosniff, sandbox CSP)
 *
 * Every write and transition (and every refused one) writes exactly one audit row.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z, type ZodType } from 'zod';
import type { ServerContext } from '../../context.ts';
import type { Queryable } from '../../db/index.ts';
import type { Principal } from '../../auth/types.ts';
import type { RouteSpec, TwinContext } from '../../http/route.ts';
import { authService } from '../../auth/index.ts';
import { owningEnterprise } from '../../modules/twin/queries.ts';
import { DEFAULT_ATTACHMENTS, recordLink, type EntityDef, type StoredRecord } from './define.ts';
import { allowedTransitions, checkTransition } from './workflow.ts';
import { decodeCursor, dueAt, getRecord, listRecords, recordActivity, scopeOf, searchText, SORTS, type ListOptions, type SortKey } from './store.ts';
import { toCsv, toXlsx } from './export.ts';
import { withStatus } from '../../http/openapi.ts';
import { notify } from '../notifications/service.ts';

/** Options of the generated routes. */
export interface RecordRouteOptions {
  /** Where attachments are stored; default `<data folder>/attachments`. */
  readonly attachmentsDir?: string;
  /** Largest export, in rows. */
  readonly exportLimit?: number;
}

const idParam = z.coerce.number<string>().int().min(1).max(Number.MAX_SAFE_INTEGER);
const uuid = z.uuid();

/** A refusal or failure decided inside a transaction; audited and answered after rollback. */
export class Refusal extends Error {
  constructor(readonly status: number, message: string, readonly outcome: 'denied' | 'failure') {
    super(message);
  }
}

/** Default attachment folder for a server: the embedded data folder, else ./.twin-data. */
export function defaultAttachmentsDir(sc: ServerContext): string {
  if (process.env.TWIN_ATTACHMENTS_DIR) return path.resolve(process.env.TWIN_ATTACHMENTS_DIR);
  return sc.config.db.backend === 'pglite' && !sc.config.db.dataDir.startsWith('memory:')
    ? path.join(sc.config.db.dataDir, 'attachments')
    : path.resolve(path.dirname(sc.config.tilesetDir), '.twin-data', 'attachments');
}

const MAGIC: Readonly<Record<string, (b: Buffer) => boolean>> = {
  'image/png': (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  'image/jpeg': (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  'image/webp': (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP',
  'application/pdf': (b) => b.subarray(0, 5).toString('latin1') === '%PDF-',
  'text/plain': (b) => !/<\s*(html|script|svg|iframe)/i.test(b.subarray(0, 4096).toString('utf8')),
};

/** The generated routes of one entity. */
export function recordRoutes(sc: ServerContext, def: EntityDef, opts: RecordRouteOptions = {}): RouteSpec[] {
  const base = `/api/${def.path}`;
  const auth = () => authService(sc);
  const perm = (p: string) => p as RouteSpec['permission'];
  const has = (pr: Principal, p: string) => pr.permissions.has(p as never);
  const commentPerm = def.permissions.comment ?? def.permissions.read;
  const limits = def.attachments ?? DEFAULT_ATTACHMENTS;
  const attachDir = opts.attachmentsDir ?? defaultAttachmentsDir(sc);
  const states = Object.keys(def.workflow.states) as [string, ...string[]];
  const fieldShape = Object.fromEntries(Object.entries(def.fields).filter(([, f]) => f.onCreate !== false).map(([k, f]) => [k, f.schema]));
  const dataSchema = z.object(fieldShape).strict();
  const editShape = Object.fromEntries(Object.entries(def.fields).filter(([, f]) => f.editable !== false).map(([k, f]) => [k, f.schema.optional()]));
  const editSchema = z.object(editShape).strict();

  const actor = (p: Principal) => ({ kind: p.kind, id: p.id, name: p.name });
  const objectName = (id: number) => `${def.entity}:${id}`;
  const principal = (ctx: TwinContext) => ctx.state.principal!;
  const idOf = (ctx: TwinContext) => {
    const r = idParam.safeParse(ctx.params.id);
    if (!r.success) return ctx.throw(400, 'id must be a positive integer');
    return r.data;
  };
  const queryOf = <T>(ctx: TwinContext, schema: ZodType<T>): T => (ctx.state.query !== undefined ? ctx.state.query as T : schema.parse(ctx.query));

  /** Runs a write in a transaction; a Refusal rolls back, is audited on its own and answered. */
  async function write<T>(ctx: TwinContext, action: string, id: number | null, fn: (tx: Queryable, p: Principal) => Promise<T>): Promise<T> {
    const p = principal(ctx);
    try {
      return await sc.db.transaction(async (tx) => fn(tx, await shownAs(tx, p)));
    } catch (err) {
      if (!(err instanceof Refusal)) throw err;
      await auth().audit({ action: `${def.entity}.${action}`, outcome: err.outcome, actor: actor(p), object: id === null ? def.entity : objectName(id),
        source: ctx.ip, detail: { status: err.status, reason: err.message } });
      return ctx.throw(err.status, err.message);
    }
  }
  /** The principal with its display name (users) as `name`, for what records show (reporter, history, comments). */
  async function shownAs(tx: Queryable, p: Principal): Promise<Principal> {
    if (p.kind !== 'user') return p;
    const r = await tx.query<{ display_name: string }>('SELECT display_name FROM app_user WHERE id = $1', [p.id]);
    return r.rows[0] ? { ...p, name: r.rows[0].display_name } : p;
  }
  const audit = (tx: Queryable, p: Principal, ctx: TwinContext, action: string, id: number, detail: Record<string, unknown>) =>
    auth().auditIn(tx, { action: `${def.entity}.${action}`, outcome: 'success', actor: actor(principal(ctx)), object: objectName(id), source: ctx.ip, detail });

  /** Locks the record (scoped) and checks the caller's version. */
  async function lockVersion(tx: Queryable, p: Principal, id: number, version: number): Promise<StoredRecord> {
    const r = await getRecord(tx, def, id, p, true);
    if (!r) throw new Refusal(404, `no ${def.entity} ${id}`, 'failure');
    if (r.version !== version) throw new Refusal(409, `${def.entity} ${id} was changed by someone else (version ${r.version}, yours ${version}): reload and try again`, 'failure');
    return r;
  }

  async function userNames(q: Queryable, ids: readonly string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const r = await q.query<{ id: string; display_name: string }>('SELECT id, display_name FROM app_user WHERE id = ANY($1::uuid[])', [ids]);
    return new Map(r.rows.map((x) => [x.id, x.display_name]));
  }

  const listQuery = z.object({
    q: z.string().trim().max(100).optional(),
    state: z.string().max(400).optional(),
    objectIdx: z.coerce.number<string>().int().min(1).max(0x7fffffff).optional(),
    assignee: z.union([z.literal('me'), uuid]).optional(),
    mine: z.enum(['0', '1']).optional(),
    sort: z.enum(Object.keys(SORTS) as [SortKey, ...SortKey[]]).default('id'),
    dir: z.enum(['asc', 'desc']).default('desc'),
    limit: z.coerce.number<string>().int().min(1).max(200).default(50),
    cursor: z.string().max(400).optional(),
    format: z.enum(['csv', 'xlsx']).optional(),
    lang: z.enum(['zh', 'en']).optional(),
    ...Object.fromEntries((def.filters ?? []).map((f) => [`f.${f}`, z.string().max(200).optional()])),
  }).strict();
  type ListQuery = z.infer<typeof listQuery> & Record<string, string | undefined>;

  function listOptions(ctx: TwinContext, q: ListQuery): ListOptions {
    const p = principal(ctx);
    const stateList = q.state ? q.state.split(',').filter(Boolean) : undefined;
    const bad = stateList?.filter((s) => !states.includes(s)) ?? [];
    if (bad.length > 0) ctx.throw(400, `unknown state: ${bad.join(', ')}`);
    let cursor: ListOptions['cursor'];
    if (q.cursor) {
      const c = decodeCursor(q.sort, q.cursor);
      if (!c) ctx.throw(400, 'invalid cursor (it belongs to another sort order, or was altered)');
      cursor = c;
    }
    const fields = Object.fromEntries((def.filters ?? []).flatMap((f) => (q[`f.${f}`] !== undefined ? [[f, q[`f.${f}`]!]] : [])));
    return {
      q: q.q || undefined, state: stateList, objectIdx: q.objectIdx, fields, sort: q.sort, dir: q.dir, limit: q.limit, cursor,
      assignee: q.assignee === 'me' ? p.id : q.assignee, createdBy: q.mine === '1' ? p.id : undefined,
    };
  }

  const labelSchema = z.object({ zh: z.string(), en: z.string() });
  const recordSchema = z.object({
    id: z.number(), entity: z.string(), state: z.string(), version: z.number(), objectIdx: z.number().nullable(), objectName: z.string().nullable(),
    enterpriseIdx: z.number().nullable(), title: z.string(), data: z.record(z.string(), z.unknown()), assignees: z.array(z.string()),
    createdBy: z.string().nullable(), createdByName: z.string().nullable(), createdAt: z.string(), updatedAt: z.string(), stateSince: z.string(),
    dueAt: z.string().nullable(), escalatedAt: z.string().nullable(),
  });
  const versionBody = { version: z.number().int().min(1) };
  const metaSchema = z.object({
    entity: z.string(), label: labelSchema, path: z.string(), titleField: z.string(), columns: z.array(z.string()), filters: z.array(z.string()),
    search: z.array(z.string()), objectKinds: z.array(z.string()),
    fields: z.record(z.string(), z.object({
      label: labelSchema, input: z.string().nullable(), options: z.record(z.string(), labelSchema).nullable(), editable: z.boolean(), onCreate: z.boolean(), required: z.boolean(),
      schema: z.record(z.string(), z.unknown()),
    })),
    states: z.record(z.string(), z.object({ label: labelSchema, sla: z.object({ withinMinutes: z.number(), escalateToRoles: z.array(z.string()) }).optional(), final: z.boolean().optional() })),
    initial: z.string(),
    transitions: z.record(z.string(), z.object({ from: z.array(z.string()), to: z.string(), label: labelSchema, sets: z.array(z.string()), requires: z.array(z.string()), allowed: z.boolean() })),
    attachments: z.object({ maxBytes: z.number(), types: z.array(z.string()) }),
    can: z.object({ create: z.boolean(), write: z.boolean(), assign: z.boolean(), comment: z.boolean() }),
  });
  const detailSchema = z.object({
    record: recordSchema, allowed: z.array(z.string()), assigneeNames: z.record(z.string(), z.string()),
    comments: z.array(z.object({ id: z.number(), authorName: z.string().nullable(), body: z.string(), at: z.string() })),
    attachments: z.array(z.object({ id: z.number(), name: z.string(), contentType: z.string(), size: z.number(), byName: z.string().nullable(), at: z.string() })),
    transitions: z.array(z.object({ id: z.number(), transition: z.string(), from: z.string(), to: z.string(), byName: z.string().nullable(), note: z.string().nullable(), at: z.string() })),
  });


  const routes: RouteSpec[] = [
    {
      method: 'GET', path: `${base}/meta`, permission: perm(def.permissions.read),
      summary: `${def.label.en}: fields (JSON schema), labels, list columns, filters and workflow, and what the caller may do`,
      response: metaSchema,
      handler(ctx) {
        const p = principal(ctx);
        ctx.body = {
          entity: def.entity, label: def.label, path: def.path, titleField: def.titleField, columns: def.columns, filters: def.filters ?? [], search: def.search,
          objectKinds: def.objectKinds ?? [],
          fields: Object.fromEntries(Object.entries(def.fields).map(([k, f]) => [k, {
            label: f.label, input: f.input ?? null, options: f.options ?? null, editable: f.editable !== false, onCreate: f.onCreate !== false, required: !f.schema.safeParse(undefined).success,
            schema: z.toJSONSchema(f.schema, { unrepresentable: 'any' }),
          }])),
          states: def.workflow.states, initial: def.workflow.initial,
          transitions: Object.fromEntries(Object.entries(def.workflow.transitions).map(([k, t]) => [k, { from: t.from, to: t.to, label: t.label, sets: t.sets ?? [], requires: t.requires ?? [], allowed: has(p, t.permission) }])),
          attachments: { maxBytes: limits.maxBytes, types: limits.types },
          can: { create: has(p, def.permissions.create), write: has(p, def.permissions.write), assign: has(p, def.permissions.assign), comment: has(p, commentPerm) },
        };
      },
    },
    {
      method: 'GET', path: base, permission: perm(def.permissions.read), query: listQuery,
      summary: `${def.label.en}: list with filters, search, sort and keyset pagination (enterprise users: their enterprise only)`,
      response: z.object({ items: z.array(recordSchema), nextCursor: z.string().nullable() }),
      async handler(ctx) {
        const q = queryOf(ctx, listQuery) as ListQuery;
        ctx.body = await listRecords(sc.db, def, principal(ctx), listOptions(ctx, q));
      },
    },
    {
      method: 'GET', path: `${base}/export`, permission: perm(def.permissions.read), query: listQuery,
      summary: `${def.label.en}: the filtered list as CSV or Excel (?format=csv|xlsx&lang=zh|en)`,
      produces: 'text/csv', errors: [413],
      async handler(ctx) {
        const q = queryOf(ctx, listQuery) as ListQuery;
        const max = opts.exportLimit ?? 10_000;
        const o = listOptions(ctx, q);
        const rows: StoredRecord[] = [];
        let cursor = o.cursor;
        for (;;) {
          const page = await listRecords(sc.db, def, principal(ctx), { ...o, limit: 500, cursor });
          rows.push(...page.items);
          if (rows.length > max) ctx.throw(413, `more than ${max} records: narrow the filter`);
          if (!page.nextCursor) break;
          cursor = decodeCursor(o.sort, page.nextCursor)!;
        }
        const lang = q.lang ?? 'zh';
        const names = await userNames(sc.db, [...new Set(rows.flatMap((r) => r.assignees))]);
        const format = q.format ?? 'csv';
        ctx.set('Content-Disposition', `attachment; filename="${def.entity}.${format}"`);
        ctx.set('X-Content-Type-Options', 'nosniff');
        ctx.type = format === 'csv' ? 'text/csv; charset=utf-8' : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
        ctx.body = format === 'csv' ? toCsv(def, rows, lang, names) : await toXlsx(def, rows, lang, names);
        await auth().audit({ action: `${def.entity}.export`, outcome: 'success', actor: actor(principal(ctx)), object: def.entity, source: ctx.ip, detail: { format, rows: rows.length } });
      },
    },
    {
      method: 'GET', path: `${base}/assignable`, permission: perm(def.permissions.assign),
      summary: `${def.label.en}: the users who may be assigned (holders of the entity's assignable roles)`,
      response: z.object({ users: z.array(z.object({ id: z.string(), name: z.string() })) }),
      async handler(ctx) {
        const roles = def.assignableRoles ?? [];
        const r = roles.length === 0 ? { rows: [] } : await sc.db.query<{ id: string; display_name: string }>(
          'SELECT id, display_name FROM app_user WHERE roles && $1::text[] AND NOT disabled ORDER BY display_name, id LIMIT 500', [roles]);
        ctx.body = { users: r.rows.map((u) => ({ id: u.id, name: u.display_name })) };
      },
    },
    {
      method: 'POST', path: base, permission: perm(def.permissions.create),
      body: z.object({ objectIdx: z.number().int().min(1).max(0x7fffffff).nullable().optional(), data: dataSchema }).strict(),
      summary: `${def.label.en}: create (fields validated; enterprise users only on their own objects)`,
      response: withStatus(201, recordSchema.extend({})), errors: [404],
      async handler(ctx) {
        const b = ctx.request.body as { objectIdx?: number | null; data: Record<string, unknown> };
        const rec = await write(ctx, 'create', null, async (tx, p) => {
          let enterprise: number | null = scopeOf(def, p);
          if (b.objectIdx != null) {
            const o = await owningEnterprise(tx, b.objectIdx);
            if (!o || !(def.objectKinds ?? []).includes(o.kind)) throw new Refusal(404, `no ${(def.objectKinds ?? []).join(' or ') || 'object'} ${b.objectIdx}`, 'failure');
            if (scopeOf(def, p) !== null && o.enterpriseIdx !== p.enterpriseIdx) throw new Refusal(403, 'that object does not belong to your enterprise', 'denied');
            enterprise = o.enterpriseIdx ?? enterprise;
          } else if ((def.objectKinds ?? []).length > 0 && def.enterpriseScoped && scopeOf(def, p) !== null && enterprise === null) {
            throw new Refusal(403, 'no enterprise', 'denied');
          }
          const now = auth().now();
          const title = String(b.data[def.titleField] ?? '').slice(0, 200) || def.label.zh;
          const r = await tx.query<{ id: number }>(
            `INSERT INTO kit_record (entity, state, object_idx, enterprise_idx, title, data, search, created_by, created_by_name, created_at, updated_at, state_since, due_at)
             VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, $10, $10, $11) RETURNING id`,
            [def.entity, def.workflow.initial, b.objectIdx ?? null, enterprise, title, JSON.stringify(b.data), searchText(def, b.data), p.id, p.name, now,
              dueAt(def, def.workflow.initial, now)],
          );
          const id = Number(r.rows[0]!.id);
          await audit(tx, p, ctx, 'create', id, { objectIdx: b.objectIdx ?? null, enterpriseIdx: enterprise, fields: Object.keys(b.data) });
          const created = (await getRecord(tx, def, id, p))!;
          await def.afterCreate?.(created, p, tx);
          return created;
        });
        ctx.status = 201;
        ctx.body = rec;
      },
    },
    {
      method: 'GET', path: `${base}/:id`, permission: perm(def.permissions.read), params: z.object({ id: idParam }),
      summary: `${def.label.en}: one record with the transitions the caller may fire, comments, attachments and history`,
      response: detailSchema, errors: [404],
      async handler(ctx) {
        const p = principal(ctx);
        const r = await getRecord(sc.db, def, idOf(ctx), p);
        if (!r) return ctx.throw(404, `no ${def.entity} ${ctx.params.id}`);
        ctx.body = { record: r, allowed: allowedTransitions(def, r, p), assigneeNames: Object.fromEntries(await userNames(sc.db, r.assignees)), ...(await recordActivity(sc.db, r.id)) };
      },
    },
    {
      method: 'PATCH', path: `${base}/:id`, permission: perm(def.permissions.write), params: z.object({ id: idParam }),
      body: z.object({ ...versionBody, data: editSchema }).strict(),
      summary: `${def.label.en}: edit fields ({version, data}); a stale version is a 409`,
      response: recordSchema, errors: [404, 409],
      async handler(ctx) {
        const id = idOf(ctx);
        const b = ctx.request.body as { version: number; data: Record<string, unknown> };
        ctx.body = await write(ctx, 'update', id, async (tx, p) => {
          const cur = await lockVersion(tx, p, id, b.version);
          if (def.workflow.states[cur.state]?.final) throw new Refusal(409, `a ${def.entity} in state ${cur.state} is closed`, 'failure');
          const data = { ...cur.data, ...b.data };
          const title = String(data[def.titleField] ?? '').slice(0, 200) || cur.title;
          await tx.query(`UPDATE kit_record SET data = $2::jsonb, search = $3, title = $4, version = version + 1, updated_at = $5 WHERE id = $1`,
            [id, JSON.stringify(data), searchText(def, data), title, auth().now()]);
          await audit(tx, p, ctx, 'update', id, { fields: Object.keys(b.data), version: b.version + 1 });
          return (await getRecord(tx, def, id, p))!;
        });
      },
    },
    {
      method: 'POST', path: `${base}/:id/transitions/:name`, permission: perm(def.permissions.read),
      params: z.object({ id: idParam, name: z.string().regex(/^[a-z][a-z0-9_]{0,40}$/) }),
      body: z.object({ ...versionBody, note: z.string().trim().max(2000).optional(), data: z.record(z.string(), z.unknown()).optional() }).strict(),
      summary: `${def.label.en}: fire a workflow transition (with the fields it sets in \`data\`); its own permission is checked (403), a stale version or impossible transition is a 409`,
      response: recordSchema, errors: [404, 409],
      async handler(ctx) {
        const id = idOf(ctx);
        const name = String(ctx.params.name);
        const b = ctx.request.body as { version: number; note?: string; data?: Record<string, unknown> };
        const t = Object.hasOwn(def.workflow.transitions, name) ? def.workflow.transitions[name] : undefined;
        const sets = t ? z.object(Object.fromEntries((t.sets ?? []).map((f) => [f, def.fields[f]!.schema.optional()]))).strict().safeParse(b.data ?? {}) : null;
        if (sets && !sets.success) ctx.throw(400, `invalid data: ${sets.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
        const missing = (t?.requires ?? []).filter((f) => (sets?.success ? (sets.data as Record<string, unknown>)[f] : undefined) === undefined);
        if (missing.length > 0) ctx.throw(400, `${name} requires ${missing.join(', ')}`);
        ctx.body = await write(ctx, `transition.${name}`.slice(0, 60), id, async (tx, p) => {
          const stored = await lockVersion(tx, p, id, b.version);
          const data = { ...stored.data, ...(sets?.success ? sets.data as Record<string, unknown> : {}) };
          const cur = { ...stored, data };
          const check = checkTransition(def, cur, name, p);
          if (!check.ok) throw new Refusal(check.status, check.reason, check.status === 403 ? 'denied' : 'failure');
          const now = auth().now();
          await tx.query(`UPDATE kit_record SET state = $2, version = version + 1, updated_at = $3, state_since = $3, due_at = $4, escalated_at = NULL,
              data = $5::jsonb, search = $6 WHERE id = $1`,
            [id, check.to, now, dueAt(def, check.to, now), JSON.stringify(data), searchText(def, data)]);
          await tx.query(`INSERT INTO kit_transition (record_id, transition, from_state, to_state, by_id, by_name, note, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
            [id, name, cur.state, check.to, p.id, p.name, b.note ?? null, now]);
          await audit(tx, p, ctx, `transition.${name}`.slice(0, 60), id, { from: cur.state, to: check.to, version: b.version + 1 });
          const next = (await getRecord(tx, def, id, p))!;
          await def.workflow.transitions[name]!.after?.({ record: next, transition: name, from: cur.state, principal: p, tx });
          return next;
        });
      },
    },
    {
      method: 'PUT', path: `${base}/:id/assignees`, permission: perm(def.permissions.assign), params: z.object({ id: idParam }),
      body: z.object({ ...versionBody, assignees: z.array(uuid).max(10) }).strict(),
      summary: `${def.label.en}: set who works on a record (notified); a stale version is a 409`,
      response: recordSchema, errors: [404, 409],
      async handler(ctx) {
        const id = idOf(ctx);
        const b = ctx.request.body as { version: number; assignees: string[] };
        ctx.body = await write(ctx, 'assign', id, async (tx, p) => {
          const cur = await lockVersion(tx, p, id, b.version);
          if (def.workflow.states[cur.state]?.final) throw new Refusal(409, `a ${def.entity} in state ${cur.state} is closed`, 'failure');
          const want = [...new Set(b.assignees)];
          const known = await userNames(tx, want);
          const missing = want.filter((u) => !known.has(u));
          if (missing.length > 0) throw new Refusal(400, `unknown user: ${missing.join(', ')}`, 'failure');
          await tx.query('UPDATE kit_record SET assignees = $2::text[], version = version + 1, updated_at = $3 WHERE id = $1', [id, want, auth().now()]);
          await audit(tx, p, ctx, 'assign', id, { assignees: want, version: b.version + 1 });
          const added = want.filter((u) => !cur.assignees.includes(u) && u !== p.id);
          if (added.length > 0) {
            await notify(sc, { to: added, kind: `${def.entity}.assigned`, title: { zh: `${def.label.zh}指派给您：${cur.title}`, en: `${def.label.en} assigned to you: ${cur.title}` },
              link: recordLink(def, id) }, tx);
          }
          return (await getRecord(tx, def, id, p))!;
        });
      },
    },
    {
      method: 'POST', path: `${base}/:id/comments`, permission: perm(commentPerm), params: z.object({ id: idParam }),
      body: z.object({ body: z.string().trim().min(1).max(4000) }).strict(),
      summary: `${def.label.en}: add a comment (the reporter and assignees are notified)`,
      response: withStatus(201, z.object({ id: z.number() })), errors: [404],
      async handler(ctx) {
        const id = idOf(ctx);
        const b = ctx.request.body as { body: string };
        const cid = await write(ctx, 'comment', id, async (tx, p) => {
          const cur = await getRecord(tx, def, id, p);
          if (!cur) throw new Refusal(404, `no ${def.entity} ${id}`, 'failure');
          const r = await tx.query<{ id: number }>('INSERT INTO kit_comment (record_id, author_id, author_name, body, at) VALUES ($1, $2, $3, $4, $5) RETURNING id',
            [id, p.id, p.name, b.body, auth().now()]);
          await audit(tx, p, ctx, 'comment', id, { comment: Number(r.rows[0]!.id) });
          const to = [...cur.assignees, ...(cur.createdBy ? [cur.createdBy] : [])].filter((u) => u !== p.id);
          if (to.length > 0) {
            await notify(sc, { to, kind: `${def.entity}.comment`, title: { zh: `${p.name} 评论了${def.label.zh}：${cur.title}`, en: `${p.name} commented on ${cur.title}` },
              link: recordLink(def, id) }, tx);
          }
          return Number(r.rows[0]!.id);
        });
        ctx.status = 201;
        ctx.body = { id: cid };
      },
    },
    {
      method: 'POST', path: `${base}/:id/attachments`, permission: perm(commentPerm), params: z.object({ id: idParam }),
      query: z.object({ name: z.string().trim().min(1).max(200) }).strict(),
      summary: `${def.label.en}: upload an attachment as the raw request body (Content-Type from the allowed list, at most the size limit)`,
      response: withStatus(201, z.object({ id: z.number(), name: z.string(), size: z.number(), contentType: z.string() })), errors: [404, 413, 415],
      async handler(ctx) {
        const id = idOf(ctx);
        const { name } = queryOf(ctx, z.object({ name: z.string().trim().min(1).max(200) }).strict());
        const type = (ctx.get('Content-Type') || '').split(';')[0]!.trim().toLowerCase();
        if (!limits.types.includes(type)) ctx.throw(415, `attachment type ${type || '(none)'} is not allowed; allowed: ${limits.types.join(', ')}`);
        const declared = Number(ctx.get('Content-Length') || '0');
        if (declared > limits.maxBytes) ctx.throw(413, `attachment larger than ${limits.maxBytes} bytes`);
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const c of ctx.req) {
          size += (c as Buffer).length;
          if (size > limits.maxBytes) ctx.throw(413, `attachment larger than ${limits.maxBytes} bytes`);
          chunks.push(c as Buffer);
        }
        const bytes = Buffer.concat(chunks);
        if (bytes.length === 0) ctx.throw(400, 'empty attachment');
        if (!(MAGIC[type]?.(bytes) ?? true)) ctx.throw(415, `the content is not ${type}`);
        const sha = createHash('sha256').update(bytes).digest('hex');
        const safeName = [...name].map((ch) => (ch.charCodeAt(0) < 0x20 || ch === '"' || ch === '\\' || ch === '/' ? '_' : ch)).join('');
        const out = await write(ctx, 'attach', id, async (tx, p) => {
          const cur = await getRecord(tx, def, id, p);
          if (!cur) throw new Refusal(404, `no ${def.entity} ${id}`, 'failure');
          fs.mkdirSync(attachDir, { recursive: true });
          const file = path.join(attachDir, sha);
          if (!fs.existsSync(file)) {
            fs.writeFileSync(`${file}.tmp`, bytes);
            fs.renameSync(`${file}.tmp`, file);
          }
          const r = await tx.query<{ id: number }>(
            'INSERT INTO kit_attachment (record_id, name, content_type, size, sha256, by_id, by_name, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id',
            [id, safeName, type, bytes.length, sha, p.id, p.name, auth().now()]);
          await audit(tx, p, ctx, 'attach', id, { attachment: Number(r.rows[0]!.id), name: safeName, size: bytes.length, type, sha256: sha });
          return Number(r.rows[0]!.id);
        });
        ctx.status = 201;
        ctx.body = { id: out, name: safeName, size: bytes.length, contentType: type };
      },
    },
    {
      method: 'GET', path: `${base}/:id/attachments/:aid`, permission: perm(def.permissions.read), params: z.object({ id: idParam, aid: idParam }),
      summary: `${def.label.en}: download an attachment (application/octet-stream, Content-Disposition: attachment, never rendered inline)`,
      produces: 'application/octet-stream', errors: [404],
      async handler(ctx) {
        const id = idOf(ctx);
        const aid = idParam.safeParse(ctx.params.aid);
        if (!aid.success) return ctx.throw(400, 'aid must be a positive integer');
        const rec = await getRecord(sc.db, def, id, principal(ctx));
        if (!rec) return ctx.throw(404, `no ${def.entity} ${id}`);
        const a = await sc.db.query<{ name: string; content_type: string; sha256: string; size: number }>(
          'SELECT name, content_type, sha256, size FROM kit_attachment WHERE id = $1 AND record_id = $2', [aid.data, id]);
        const row = a.rows[0];
        if (!row) return ctx.throw(404, 'no such attachment');
        const file = path.join(attachDir, row.sha256);
        if (!fs.existsSync(file)) return ctx.throw(404, 'attachment file is missing');
        ctx.set('Content-Disposition', `attachment; filename="${row.name.replace(/[^\x20-\x7e]|"/g, '_')}"; filename*=UTF-8''${encodeURIComponent(row.name)}`);
        ctx.set('X-Content-Type-Options', 'nosniff');
        ctx.set('Content-Security-Policy', "default-src 'none'; sandbox");
        ctx.set('Cache-Control', 'private, no-store');
        // Always a download of opaque bytes: nothing uploaded is ever rendered by the browser.
        ctx.type = 'application/octet-stream';
        ctx.length = row.size;
        ctx.body = fs.createReadStream(file);
      },
    },
  ];
  return routes;
}
