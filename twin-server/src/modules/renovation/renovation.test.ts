/**
 * Renovation applications on both backends: the journey (apply → approve with deposit → deposit
 * received → start → inspection → rectify → inspection → pass → refund deposit, closed) as the
 * roles that do each step, with the notifications each party gets; the applicant-only and
 * permission checks (403/409, nothing changed); another enterprise never sees the application.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { healthModule } from '../health.ts';
import { startAuthServer, type AuthTestServer, type HttpClient } from '../../auth/testing.ts';
import { insertFixturePark } from '../../tiler/fixture.ts';
import { notificationsModule } from '../../kit/notifications/module.ts';
import { leaseRoomTo } from '../../kit/records/testing.ts';
import { renovationModule } from './index.ts';
import { newRenovation } from './contract.ts';
import { renovationEntity } from './definition.ts';
import { seedRenovations } from './seed.ts';

for (const backend of ['pglite', 'postgres'] as const) {
  describe.skipIf(backend === 'postgres' && inject('pgMissing') !== null)(`renovation applications [${backend}]`, () => {
    let s: AuthTestServer;
    let tenant: { client: HttpClient; id: string };
    let colleague: { client: HttpClient; id: string };
    let outsider: { client: HttpClient; id: string };
    let manager: HttpClient;
    let inspector: HttpClient;
    let room = 0;
    let parkIdx = 0;
    const db = () => s.server.sc.db;
    const fire = async (c: HttpClient, id: number, name: string, data?: Record<string, unknown>) => {
      const cur = (await c.req('GET', `/api/renovations/${id}`)).body as { record: { version: number } };
      return c.req('POST', `/api/renovations/${id}/transitions/${name}`, { version: cur.record.version, ...(data ? { data } : {}) });
    };
    const state = async (id: number) => (await db().query<{ state: string }>('SELECT state FROM kit_record WHERE id = $1', [id])).rows[0]!.state;
    const kinds = async (user: string) => (await db().query<{ kind: string }>('SELECT kind FROM kit_notification WHERE user_id = $1 ORDER BY id', [user])).rows.map((r) => r.kind);

    beforeAll(async () => {
      s = await startAuthServer(backend, { modules: [healthModule, notificationsModule(), renovationModule] });
      const park = await insertFixturePark(db(), { grid: 1, floors: 1, roomsPerSide: 2, code: 'renovation' });
      const rooms = (await db().query<{ idx: number }>('SELECT r.idx FROM room r JOIN building b ON b.idx = r.building_idx WHERE b.park_idx = $1 ORDER BY r.idx', [park.parkIdx])).rows;
      room = rooms[0]!.idx;
      parkIdx = park.parkIdx;
      await leaseRoomTo(db(), park.parkIdx, room, '丙公司', '91310000MA1FL0003C');
      await leaseRoomTo(db(), park.parkIdx, rooms[1]!.idx, '丁公司', '91310000MA1FL0004D');
      const ents = (await db().query<{ idx: number }>('SELECT enterprise_idx AS idx FROM lease WHERE room_idx = ANY($1::int[]) ORDER BY room_idx', [[room, rooms[1]!.idx]])).rows;
      tenant = await s.userWith(['enterprise_user'], ents[0]!.idx);
      colleague = await s.userWith(['enterprise_user'], ents[0]!.idx);
      outsider = await s.userWith(['enterprise_user'], ents[1]!.idx);
      manager = (await s.userWith(['property_manager'])).client;
      inspector = (await s.userWith(['maintenance'])).client;
    }, 120_000);
    afterAll(async () => {
      await s?.server.stop();
    });

    it('goes from application to deposit refund, each step by its role, the applicant told', async () => {
      const r = await newRenovation(tenant.client, room);
      expect(await state(r.id)).toBe('submitted');
      // Approval needs the deposit; a tenant may not approve.
      expect((await fire(tenant.client, r.id, 'approve', { depositYuan: 5000 })).status).toBe(403);
      const noDeposit = await fire(manager, r.id, 'approve');
      expect([noDeposit.status, noDeposit.text.includes('depositYuan')]).toEqual([400, true]);
      expect((await fire(manager, r.id, 'approve', { depositYuan: 5000 })).status).toBe(200);
      expect((await fire(tenant.client, r.id, 'start')).status).toBe(409);
      expect((await fire(manager, r.id, 'pay_deposit')).status).toBe(200);
      // Only the applicant starts the works (a colleague of the same company may not).
      expect((await fire(colleague.client, r.id, 'start')).status).toBe(409);
      expect((await fire(tenant.client, r.id, 'start')).status).toBe(200);
      expect((await fire(tenant.client, r.id, 'request_inspection')).status).toBe(200);
      expect((await fire(inspector, r.id, 'rectify')).status).toBe(400);
      expect((await fire(inspector, r.id, 'rectify', { inspectionNote: '消防喷淋被遮挡' })).status).toBe(200);
      expect(await state(r.id)).toBe('in_progress');
      expect((await fire(tenant.client, r.id, 'request_inspection')).status).toBe(200);
      expect((await fire(inspector, r.id, 'pass', { inspectionNote: '整改完成' })).status).toBe(200);
      expect((await fire(tenant.client, r.id, 'refund_deposit')).status).toBe(403);
      expect((await fire(manager, r.id, 'refund_deposit')).status).toBe(200);
      expect(await state(r.id)).toBe('closed');
      expect(await kinds(tenant.id)).toEqual(['renovation.approved', 'renovation.rectify', 'renovation.closed']);
      const audit = await db().query<{ action: string }>("SELECT action FROM audit_log WHERE object = $1 AND outcome = 'success' ORDER BY seq", [`renovation:${r.id}`]);
      expect(audit.rows.map((x) => x.action)).toEqual(['renovation.create', ...['approve', 'pay_deposit', 'start', 'request_inspection', 'rectify', 'request_inspection', 'pass', 'refund_deposit'].map((t) => `renovation.transition.${t}`)]);
    });

    it('another enterprise neither sees nor touches the application', async () => {
      const r = await newRenovation(tenant.client, room);
      expect((await outsider.client.req('GET', `/api/renovations/${r.id}`)).status).toBe(404);
      const list = (await outsider.client.req('GET', '/api/renovations')).body as { items: { id: number }[] };
      expect(list.items.map((x) => x.id)).not.toContain(r.id);
      expect((await outsider.client.req('POST', '/api/renovations', { objectIdx: room, data: { title: '外来申请', scope: '不应允许', contractor: '某公司', contractorPhone: '12345678', startDate: '2027-01-01', endDate: '2027-01-02' } })).status).toBe(403);
      expect((await fire(tenant.client, r.id, 'withdraw')).status).toBe(200);
      expect(await state(r.id)).toBe('withdrawn');
    });

    it('sample data: applications in the main states on leased rooms, once, each tenant seeing only its own', async () => {
      await db().query("DELETE FROM kit_record WHERE entity = 'renovation'");
      const def = renovationEntity(s.server.sc);
      await seedRenovations(s.server.sc, def, parkIdx);
      await seedRenovations(s.server.sc, def, parkIdx);
      const rows = await db().query<{ state: string; n: number }>("SELECT state, count(*)::int AS n FROM kit_record WHERE entity = 'renovation' GROUP BY state");
      const by = Object.fromEntries(rows.rows.map((r) => [r.state, r.n]));
      expect(Object.keys(by).sort()).toEqual(['approved', 'closed', 'completed', 'in_progress', 'inspection', 'rejected', 'submitted']);
      expect(Object.values(by).reduce((a, b) => a + b, 0)).toBe(7);
      // The deposit is set from approval on; the history matches the state.
      const approved = (await manager.req('GET', `/api/renovations?state=approved`)).body as { items: { id: number }[] };
      const one = (await manager.req('GET', `/api/renovations/${approved.items[0]!.id}`)).body as { record: { data: { depositYuan?: number } }; transitions: unknown[] };
      expect([one.record.data.depositYuan, one.transitions.length]).toEqual([5000, 1]);
      const mine = (await tenant.client.req('GET', '/api/renovations?limit=50')).body as { items: { objectIdx: number }[] };
      const theirs = (await outsider.client.req('GET', '/api/renovations?limit=50')).body as { items: { objectIdx: number }[] };
      expect(mine.items.length + theirs.items.length).toBe(7);
      expect(mine.items.every((i) => i.objectIdx === room)).toBe(true);
      expect(theirs.items.every((i) => i.objectIdx !== room)).toBe(true);
    });
  });
}
