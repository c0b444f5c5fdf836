/**
 * The work-orders module on both backends through the real auth platform: an alarm becomes an
 * order dispatched to the nearest on-duty crew of the trade; the crew works it (accept, start,
 * procedure ticks, parts, photo, hold/resume, done); the dispatcher verifies and the alarm is
 * cleared (audited as the verifier); the requester rates it. Bad input: transitions out of order
 * (409, nothing changed), oversized or mistyped photos (413/415, nothing stored), unknown
 * equipment (404), missing fields (400). Plus idempotency, preventive maintenance, SLA escalation,
 * enterprise scoping, and the maintenance history with the core work_order rows.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { healthModule } from '../health.ts';
import { createLiveModule } from '../live.ts';
import { startAuthServer, type AuthTestServer, type HttpClient } from '../../auth/testing.ts';
import { insertFixturePark } from '../../tiler/fixture.ts';
import { leaseRoomTo } from '../../kit/records/testing.ts';
import { notificationsModule } from '../../kit/notifications/module.ts';
import { escalateOverdue } from '../../kit/records/sla.ts';
import { defaultAttachmentsDir } from '../../kit/records/routes.ts';
import type { StoredRecord } from '../../kit/records/define.ts';
import { rawUploadClient } from '../repairs/testing.ts';
import { repairsModule } from '../repairs/index.ts';
import { workordersModule } from './index.ts';
import { createWorkOrder, openWorkOrdersOf, workOrderDef, workOrderFromAlarm, WorkOrderError } from './service.ts';
import { generatePreventive, PREVENTIVE_BACKLOG } from './jobs.ts';
import { fire, insertCrew, lonLatOf } from './testing.ts';
import { PHOTO_MAX_BYTES } from './definition.ts';

async function until<T>(fn: () => Promise<T | undefined | null | false>, what: string, ms = 15_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(256, 9)]);

for (const backend of ['pglite', 'postgres'] as const) {
  describe.skipIf(backend === 'postgres' && inject('pgMissing') !== null)(`work orders [${backend}]`, () => {
    let s: AuthTestServer;
    type User = { client: HttpClient; id: string; username: string };
    let crew1: User;
    let crew2: User;
    let pm: User;
    let tenant: User;
    let parkIdx = 0;
    let fanCoil = 0;
    let room = 0;
    let nearCrew = 0;
    let alarmId = 0;
    let order: StoredRecord;

    const db = () => s.server.sc.db;
    const get = async (c: HttpClient, id: number) => (await c.req('GET', `/api/workorders/${id}`)).body as { record: StoredRecord; allowed: string[]; attachments: { id: number }[]; comments: unknown[] };
    const audits = async (object: string) => (await db().query<{ action: string; outcome: string; actor_name: string | null; actor_kind: string }>(
      'SELECT action, outcome, actor_name, actor_kind FROM audit_log WHERE object = $1 ORDER BY seq', [object])).rows;
    const kinds = async (c: HttpClient) => ((await c.req('GET', '/api/notifications')).body as { items: { kind: string; link: string }[] }).items;

    beforeAll(async () => {
      s = await startAuthServer(backend, { modules: [healthModule, createLiveModule({ mqtt: false }), notificationsModule(), repairsModule, workordersModule()] });
      parkIdx = (await insertFixturePark(db(), { grid: 2, floors: 1, roomsPerSide: 2, code: `wo-${backend}` })).parkIdx;
      fanCoil = (await db().query<{ idx: number }>("SELECT idx FROM equipment WHERE type = 'fan_coil' AND park_idx = $1 ORDER BY idx LIMIT 1", [parkIdx])).rows[0]!.idx;
      room = (await db().query<{ idx: number }>("SELECT room_idx AS idx FROM equipment WHERE idx = $1", [fanCoil])).rows[0]!.idx;
      const ent = await leaseRoomTo(db(), parkIdx, room, '甲科技有限公司', '91330100MA2AAAAA1X');
      crew1 = await s.userWith(['maintenance']);
      crew2 = await s.userWith(['maintenance']);
      pm = await s.userWith(['property_manager']);
      // Display names apart from the usernames: records show the display name, audit rows the username.
      await db().query("UPDATE app_user SET display_name = '调度员王五' WHERE id = $1", [pm.id]);
      await db().query("UPDATE app_user SET display_name = '维修工李四' WHERE id = $1", [crew1.id]);
      tenant = await s.userWith(['enterprise_user'], ent);
      const at = await lonLatOf(db(), fanCoil);
      // HVAC near the fan coil (crew1), HVAC 2 km away (crew2), electrical right on it: the HVAC crew nearby must get it.
      nearCrew = await insertCrew(db(), { code: `hvac-near-${backend}`, trade: 'hvac', lon: at.lon + 0.0005, lat: at.lat, members: [crew1.id] });
      await insertCrew(db(), { code: `hvac-far-${backend}`, trade: 'hvac', lon: at.lon + 0.02, lat: at.lat, members: [crew2.id] });
      await insertCrew(db(), { code: `elec-on-${backend}`, trade: 'electrical', lon: at.lon, lat: at.lat, members: [crew2.id] });
    }, 120_000);
    afterAll(async () => {
      await s?.server.stop();
    });

    it('a raised alarm on a fan coil becomes an urgent order dispatched to the nearest on-duty HVAC crew, once', async () => {
      const a = await db().query<{ id: string }>(
        `INSERT INTO alarm (idx, layer, kind, severity, message, raised_at) VALUES ($1, 1, 'equipment_fault', 3, 'compressor trip', now()) RETURNING id`, [fanCoil]);
      alarmId = Number(a.rows[0]!.id);
      await db().query('SELECT pg_notify($1, $2)', ['twin_alarm', JSON.stringify({ id: alarmId, idx: fanCoil, action: 'raise', state: 'raised', severity: 3 })]);
      const rid = await until(async () => (await db().query<{ record_id: string }>("SELECT record_id FROM wo_order WHERE source = 'alarm' AND source_ref = $1", [String(alarmId)])).rows[0]?.record_id,
        'the order of the alarm');
      order = (await get(pm.client, Number(rid))).record;
      expect(order).toMatchObject({ state: 'dispatched', objectIdx: fanCoil, assignees: [crew1.id], createdBy: null });
      expect(order.data).toMatchObject({ priority: 'urgent', trade: 'hvac', source: 'alarm', crew: nearCrew, fault: 'equipment_fault', code: `WO-${String(order.id).padStart(6, '0')}` });
      // Urgent: a quarter of the 15 minutes to accept.
      expect(Date.parse(order.dueAt!) - Date.parse(order.stateSince)).toBe(4 * 60_000);
      expect((await audits(`workorder:${order.id}`)).map((r) => `${r.action}/${r.outcome}/${r.actor_kind}`)).toEqual([
        'workorder.create/success/system', 'workorder.transition.dispatch/success/system']);
      expect((await kinds(crew1.client)).map((n) => n.kind)).toContain('workorder.dispatched');
      expect((await kinds(crew2.client)).map((n) => n.kind)).not.toContain('workorder.dispatched');
      // The same alarm again (another node, the sweep): the same order.
      expect(await workOrderFromAlarm(s.server.sc, alarmId)).toEqual({ id: order.id, code: order.data.code, created: false });
      expect((await db().query("SELECT count(*)::int AS n FROM wo_order WHERE source = 'alarm' AND source_ref = $1", [String(alarmId)])).rows[0]).toEqual({ n: 1 });
      expect((await openWorkOrdersOf(db(), fanCoil)).map((o) => o.id)).toContain(order.id);
      // "My orders" on the crew's phone.
      const mine = (await crew1.client.req('GET', '/api/workorders?assignee=me&state=dispatched,accepted,in_progress,on_hold')).body as { items: { id: number }[] };
      expect(mine.items.map((i) => i.id)).toContain(order.id);
    });

    it('transitions out of order, by the wrong crew or role are refused with a clear message and change nothing', async () => {
      const before = (await get(pm.client, order.id)).record;
      const early = await fire(crew1.client, order.id, 'start');
      expect(early.status).toBe(409);
      expect(early.text).toMatch(/cannot start a record in state dispatched/);
      const verifyEarly = await fire(pm.client, order.id, 'verify');
      expect(verifyEarly.status).toBe(409);
      expect((await fire(crew2.client, order.id, 'accept')).text).toMatch(/only the crew this order is dispatched to/);
      expect((await fire(pm.client, order.id, 'accept')).status).toBe(403);
      const stale = await crew1.client.req('POST', `/api/workorders/${order.id}/transitions/accept`, { version: before.version - 1 });
      expect(stale.status).toBe(409);
      expect(stale.text).toMatch(/changed by someone else/);
      const unknown = await fire(crew1.client, order.id, 'teleport');
      expect(unknown.status).toBe(404);
      const tick = await crew1.client.req('POST', `/api/workorders/${order.id}/steps/0`, { done: true });
      expect(tick.status).toBe(409);
      expect(tick.text).toMatch(/cannot tick procedure steps on a work order in state dispatched/);
      const after = (await get(pm.client, order.id)).record;
      expect(after).toEqual(before);
      expect((await audits(`workorder:${order.id}`)).filter((r) => r.outcome !== 'success').length).toBeGreaterThanOrEqual(5);
    });

    it('the crew accepts, starts, ticks the procedure, records a part, uploads a photo, holds, resumes and finishes', async () => {
      expect((await fire(crew1.client, order.id, 'accept')).status).toBe(200);
      expect((await fire(crew1.client, order.id, 'start')).status).toBe(200);
      let x = (await crew1.client.req('GET', `/api/workorders/${order.id}/extra`)).body as { procedure: { title: { zh: string }; steps: { done: boolean }[] }; crew: { id: number } };
      expect(x.crew.id).toBe(nearCrew);
      expect(x.procedure.title.zh).toBe('设备故障排查');
      const t0 = await crew1.client.req('POST', `/api/workorders/${order.id}/steps/0`, { done: true });
      expect(t0.status, t0.text).toBe(200);
      x = t0.body as typeof x;
      expect(x.procedure.steps.map((s) => s.done)).toEqual([true, false, false, false, false, false]);
      const far = await crew1.client.req('POST', `/api/workorders/${order.id}/steps/42`, { done: true });
      expect(far.status).toBe(422);
      expect(far.text).toMatch(/has 6 steps/);
      expect((await crew2.client.req('POST', `/api/workorders/${order.id}/steps/1`, { done: true })).status).toBe(403);
      const part = await crew1.client.req('POST', `/api/workorders/${order.id}/parts`, { partCode: 'BRG-6204', name: '风机轴承', qty: 2, unit: '个' });
      expect(part.status, part.text).toBe(201);
      expect((part.body as { parts: { partCode: string; qty: number }[] }).parts).toEqual([expect.objectContaining({ partCode: 'BRG-6204', qty: 2 })]);
      expect((await crew1.client.req('POST', `/api/workorders/${order.id}/parts`, { partCode: 'X', name: 'y', qty: -1 })).status).toBe(400);

      const up = await rawUploadClient(crew1.client, 'image/png', PNG).req('POST', `/api/workorders/${order.id}/attachments?name=现场照片.png`);
      expect(up.status, up.text).toBe(201);
      // An oversized photo: 413 and nothing stored (no row, no file).
      const dir = defaultAttachmentsDir(s.server.sc);
      const files = () => (fs.existsSync(dir) ? fs.readdirSync(dir).length : 0);
      const nFiles = files();
      const huge = Buffer.concat([PNG, Buffer.alloc(PHOTO_MAX_BYTES, 1)]);
      const big = await rawUploadClient(crew1.client, 'image/png', huge).req('POST', `/api/workorders/${order.id}/attachments?name=big.png`);
      expect(big.status).toBe(413);
      expect(big.text).toMatch(/too large|larger than 1048576 bytes/);
      const notImage = await rawUploadClient(crew1.client, 'image/jpeg', Buffer.from('<html>not a photo</html>')).req('POST', `/api/workorders/${order.id}/attachments?name=x.jpg`);
      expect(notImage.status).toBe(415);
      const pdf = await rawUploadClient(crew1.client, 'application/pdf', Buffer.from('%PDF-1.4')).req('POST', `/api/workorders/${order.id}/attachments?name=x.pdf`);
      expect(pdf.status).toBe(415);
      expect(files()).toBe(nFiles);
      expect((await get(crew1.client, order.id)).attachments).toHaveLength(1);
      expect(path.basename(dir)).toBe('attachments');

      expect((await crew1.client.req('POST', `/api/workorders/${order.id}/comments`, { body: '更换轴承后运行正常' })).status).toBe(201);
      const holdBare = await fire(crew1.client, order.id, 'hold');
      expect(holdBare.status).toBe(400);
      expect(holdBare.text).toMatch(/hold requires holdReason/);
      expect((await fire(crew1.client, order.id, 'hold', { holdReason: '等待备件' })).status).toBe(200);
      expect((await get(pm.client, order.id)).record.dueAt).toBeNull(); // no timer while on hold
      expect((await fire(crew1.client, order.id, 'resume')).status).toBe(200);
      expect((await fire(crew1.client, order.id, 'finish')).status).toBe(400);
      const done = await fire(crew1.client, order.id, 'finish', { resolution: '更换风机轴承，试运行 15 分钟正常' });
      expect(done.status, done.text).toBe(200);
      expect((await kinds(pm.client)).map((n) => n.kind)).toContain('workorder.done');
    });

    it('the dispatcher verifies: the alarm is cleared, audited with the verifier; the order is rated and closed', async () => {
      expect((await fire(crew1.client, order.id, 'verify')).status).toBe(403);
      const v = await fire(pm.client, order.id, 'verify');
      expect(v.status, v.text).toBe(200);
      const al = (await db().query<{ state: string; cleared_by: string }>('SELECT state, cleared_by FROM alarm WHERE id = $1', [alarmId])).rows[0];
      expect(al).toEqual({ state: 'cleared', cleared_by: '调度员王五' }); // the alarm row shows the display name, the audit row the username
      expect(await audits(`alarm:${alarmId}`)).toEqual([{ action: 'alarm.clear', outcome: 'success', actor_name: pm.username, actor_kind: 'user' }]);
      expect((await kinds(crew1.client)).map((n) => n.kind)).toContain('workorder.verified');
      expect((await fire(pm.client, order.id, 'close')).status).toBe(400);
      expect((await fire(pm.client, order.id, 'close', { rating: 5, feedback: '处理及时' })).status).toBe(200);
      const rec = (await get(pm.client, order.id)).record;
      expect(rec.state).toBe('closed');
      expect(rec.data.rating).toBe(5);
      expect((await audits(`workorder:${order.id}`)).filter((r) => r.outcome === 'success').map((r) => r.action)).toEqual([
        'workorder.create', 'workorder.transition.dispatch', 'workorder.transition.accept', 'workorder.transition.start', 'workorder.step', 'workorder.part', 'workorder.attach',
        'workorder.comment', 'workorder.transition.hold', 'workorder.transition.resume', 'workorder.transition.finish', 'workorder.transition.verify', 'workorder.transition.close']);
      // The history of the fan coil lists it as closed.
      const h = (await pm.client.req('GET', `/api/maintenance/objects/${fanCoil}/work-orders`)).body as { open: { id: number }[]; history: { id: number | null; state: string }[] };
      expect(h.history.find((x) => x.id === order.id)?.state).toBe('closed');
      expect(h.open.map((x) => x.id)).not.toContain(order.id);
    });

    it('every audit row of the loop names its actor one way: a person by user id and username (not the display name), the platform as system', async () => {
      // The display names differ from the usernames (beforeAll), so a row naming someone by display name shows.
      {
        const byHand = await createWorkOrder(s.server.sc, { objectIdx: fanCoil, title: { zh: '巡检', en: 'Inspection' }, source: 'manual', priority: 'low', actor: { userId: pm.id } });
        const rows = (await db().query<{ action: string; actor_kind: string; actor_id: string | null; actor_name: string | null }>(
          "SELECT action, actor_kind, actor_id, actor_name FROM audit_log WHERE object = ANY($1::text[]) AND outcome = 'success' ORDER BY seq",
          [[`workorder:${order.id}`, `alarm:${alarmId}`, `workorder:${byHand.id}`]])).rows;
        const users = new Map([[pm.id, pm.username], [crew1.id, crew1.username]]);
        expect(rows.length).toBeGreaterThanOrEqual(15);
        for (const r of rows) {
          if (r.actor_kind === 'user') {
            expect(users.has(r.actor_id!), `${r.action}: actor id ${r.actor_id}`).toBe(true);
            expect(r.actor_name, r.action).toBe(users.get(r.actor_id!));
          } else {
            expect(r.actor_kind, r.action).toBe('system');
            expect(r.actor_id, r.action).toBeNull();
            expect(['dispatch', 'workorders', 'alarm rules', 'sla'], r.action).toContain(r.actor_name);
          }
        }
        // The journey's people and the platform all appear: the crew (accept ... finish), the dispatcher (verify, the alarm's clear, the order by hand), dispatch.
        const who = (action: string) => rows.filter((r) => r.action === action).map((r) => r.actor_name);
        expect(who('workorder.transition.accept')).toEqual([crew1.username]);
        expect(who('workorder.transition.verify')).toEqual([pm.username]);
        expect(who('alarm.clear')).toEqual([pm.username]);
        expect(who('workorder.transition.dispatch')).toEqual(['dispatch']);
        expect(who('workorder.create')).toEqual(['workorders', pm.username]);
        // The order itself still shows the creator's display name.
        expect((await get(pm.client, byHand.id)).record.createdByName).toBe('调度员王五');
      }
    });

    it('unknown equipment or bad fields: 404 / 400, nothing created', async () => {
      const count = async () => (await db().query<{ n: number }>("SELECT count(*)::int AS n FROM kit_record WHERE entity = 'workorder'")).rows[0]!.n;
      const n0 = await count();
      const r404 = await pm.client.req('POST', '/api/workorders', { objectIdx: 99_999_999, data: { title: '检查', priority: 'normal' } });
      expect(r404.status).toBe(404);
      expect(r404.text).toMatch(/no equipment or room 99999999/);
      expect((await pm.client.req('POST', '/api/workorders', { objectIdx: fanCoil, data: { title: '检查', priority: 'whenever' } })).status).toBe(400);
      expect((await pm.client.req('POST', '/api/workorders', { objectIdx: fanCoil, data: { title: '检查', priority: 'normal', code: 'WO-1' } })).status).toBe(400);
      expect((await tenant.client.req('POST', '/api/workorders', { objectIdx: fanCoil, data: { title: '检查', priority: 'normal' } })).status).toBe(403);
      await expect(createWorkOrder(s.server.sc, { objectIdx: 99_999_999, title: { zh: '检查', en: 'Check' }, source: 'linkage', priority: 'high', actor: null }))
        .rejects.toMatchObject({ status: 404 } satisfies Partial<WorkOrderError>);
      await expect(createWorkOrder(s.server.sc, { objectIdx: fanCoil, title: { zh: '检查', en: 'Check' }, source: 'linkage', priority: 'high', trade: 'astrology', actor: null }))
        .rejects.toMatchObject({ status: 422 });
      expect(await count()).toBe(n0);
      // By hand: a code, no enterprise (tenants see only their own requests), a crew chosen by the dispatcher.
      const made = await pm.client.req('POST', '/api/workorders', { objectIdx: fanCoil, data: { title: '滤网清洗', priority: 'low', trade: 'hvac' } });
      expect(made.status, made.text).toBe(201);
      const m = (await get(pm.client, (made.body as { id: number }).id)).record;
      expect(m.data).toMatchObject({ source: 'manual', code: `WO-${String(m.id).padStart(6, '0')}` });
      expect(m.enterpriseIdx).toBeNull();
      const bad = await fire(pm.client, m.id, 'dispatch', { crew: 987654 });
      expect(bad.status).toBe(422);
      expect((await get(pm.client, m.id)).record.state).toBe('created');
      expect((await fire(pm.client, m.id, 'dispatch', { crew: nearCrew })).status).toBe(200);
      expect((await get(pm.client, m.id)).record.assignees).toEqual([crew1.id]);
    });

    it('enterprise users see the orders of their own repair requests only; the requester may rate', async () => {
      const ent = (await db().query<{ e: number }>("SELECT enterprise_idx AS e FROM lease WHERE room_idx = $1 AND status = 'active'", [room])).rows[0]!.e;
      const r = await createWorkOrder(s.server.sc, { objectIdx: room, title: { zh: '空调不制冷', en: 'No cooling' }, source: 'repair', sourceRef: 'r-1', priority: 'high', actor: { userId: tenant.id },
        autoDispatch: true, enterpriseIdx: ent, trade: 'hvac' });
      const list = (await tenant.client.req('GET', '/api/workorders')).body as { items: { id: number }[] };
      expect(list.items.map((i) => i.id)).toEqual([r.id]);
      expect((await tenant.client.req('GET', `/api/workorders/${order.id}`)).status).toBe(404);
      const h = (await tenant.client.req('GET', `/api/maintenance/objects/${fanCoil}/work-orders`)).body as { history: unknown[] };
      expect(h.history).toEqual([]);
      for (const [c, t, d] of [[crew1, 'accept'], [crew1, 'start'], [crew1, 'finish', { resolution: '补充冷媒' }], [pm, 'verify']] as const) {
        const res = await fire(c.client, r.id, t, d);
        expect(res.status, `${t}: ${res.text}`).toBe(200);
      }
      expect((await kinds(tenant.client)).map((n) => n.kind)).toEqual(expect.arrayContaining(['workorder.accepted', 'workorder.verified']));
      const rated = await fire(tenant.client, r.id, 'close', { rating: 4 });
      expect(rated.status, rated.text).toBe(200);
    });

    it('a tenant\'s repair request becomes an order for the crew of its trade; verifying it asks the tenant to rate; the rating closes the order', async () => {
      const rep = await tenant.client.req('POST', '/api/repairs', { objectIdx: room, data: { title: '空调漏水', category: 'hvac', urgency: 'urgent', description: '出风口滴水' } });
      expect(rep.status, rep.text).toBe(201);
      const repairId = (rep.body as { id: number }).id;
      const w = (await db().query<{ record_id: string }>("SELECT record_id FROM wo_order WHERE source = 'repair' AND source_ref = $1", [String(repairId)])).rows[0]!;
      const id = Number(w.record_id);
      const o = (await get(tenant.client, id)).record;
      expect(o).toMatchObject({ state: 'dispatched', createdBy: tenant.id, assignees: [crew1.id], objectIdx: room });
      expect(o.data).toMatchObject({ trade: 'hvac', priority: 'urgent', source: 'repair' });
      for (const [c, t, d] of [[crew1, 'accept'], [crew1, 'start'], [crew1, 'finish', { resolution: '疏通冷凝水管' }], [pm, 'verify']] as const) {
        const res = await fire(c.client, id, t, d);
        expect(res.status, `${t}: ${res.text}`).toBe(200);
      }
      const repair = (await tenant.client.req('GET', `/api/repairs/${repairId}`)).body as { record: { state: string; version: number } };
      expect(repair.record.state).toBe('done');
      expect((await kinds(tenant.client)).map((n) => n.kind)).toEqual(expect.arrayContaining(['workorder.accepted', 'repair.done', 'workorder.verified']));
      const rated = await tenant.client.req('POST', `/api/repairs/${repairId}/transitions/rate`, { version: repair.record.version, data: { rating: 5, feedback: '很快' } });
      expect(rated.status, rated.text).toBe(200);
      const closed = (await get(pm.client, id)).record;
      expect(closed.state).toBe('closed');
      expect(closed.data).toMatchObject({ rating: 5, feedback: '很快' });
      expect((await audits(`workorder:${id}`)).at(-1)).toMatchObject({ action: 'workorder.transition.close', actor_name: tenant.username });
    });

    it('preventive maintenance: orders for equipment past its interval, idempotent, capped', async () => {
      const n1 = await generatePreventive(s.server.sc);
      expect(n1).toBeGreaterThan(0);
      expect(n1).toBeLessThanOrEqual(PREVENTIVE_BACKLOG);
      expect(await generatePreventive(s.server.sc)).toBe(0);
      const rows = (await db().query<{ source_ref: string; state: string; title: string }>(
        `SELECT w.source_ref, r.state, r.title FROM wo_order w JOIN kit_record r ON r.id = w.record_id WHERE w.source = 'preventive'`)).rows;
      expect(rows).toHaveLength(n1);
      // Fixture equipment: installed 2022-01-01, every 180 days, never maintained.
      expect(rows[0]!.source_ref).toMatch(/^\d+@2022-06-30$/);
      expect(rows[0]!.title).toMatch(/定期保养/);
    });

    it('SLA by priority: an urgent order not accepted in time is escalated once, to the dispatchers and the crew', async () => {
      const r = await createWorkOrder(s.server.sc, { objectIdx: fanCoil, title: { zh: '紧急检查', en: 'Urgent check' }, source: 'linkage', sourceRef: 'sla-1', priority: 'urgent',
        actor: null, autoDispatch: true, trade: 'hvac' });
      const def = workOrderDef(s.server.sc);
      s.clock.advanceMinutes(3);
      await escalateOverdue(s.server.sc, def);
      expect((await db().query('SELECT escalated_at FROM kit_record WHERE id = $1', [r.id])).rows[0]).toEqual({ escalated_at: null });
      s.clock.advanceMinutes(2);
      await escalateOverdue(s.server.sc, def);
      await escalateOverdue(s.server.sc, def);
      expect((await audits(`workorder:${r.id}`)).filter((a) => a.action === 'workorder.escalate')).toHaveLength(1);
      expect((await kinds(pm.client)).filter((n) => n.kind === 'workorder.overdue' && n.link === `/workorders?id=${r.id}`)).toHaveLength(1);
      expect((await kinds(crew1.client)).filter((n) => n.kind === 'workorder.overdue' && n.link === `/workorders?id=${r.id}`)).toHaveLength(1);
    });

    it('the equipment history includes the records of the core work_order table', async () => {
      await db().query(
        `INSERT INTO work_order (park_idx, equipment_idx, code, title, title_en, order_type, priority, status, assignee, opened_on, due_on, closed_on)
         VALUES ($1, $2, 'WO-00001', '风机盘管定期保养', 'Fan coil maintenance', 'preventive', 'normal', 'done', '运维一班 王磊', '2024-03-01', '2024-03-10', '2024-03-05')`, [parkIdx, fanCoil]);
      const h = (await pm.client.req('GET', `/api/maintenance/objects/${fanCoil}/work-orders`)).body as { history: { id: number | null; code: string; state: string; crew: string | null }[] };
      expect(h.history.find((x) => x.code === 'WO-00001')).toMatchObject({ id: null, state: 'closed', crew: '运维一班 王磊' });
      expect((await pm.client.req('GET', '/api/maintenance/objects/99999999/work-orders')).status).toBe(404);
    });
  });
}
