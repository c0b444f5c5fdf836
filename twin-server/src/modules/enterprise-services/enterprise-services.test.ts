/**
 * One-stop enterprise services on both backends, through the real routes and auth platform:
 * - a move-in application for a vacant unit with an incomplete document checklist: the document
 *   check refuses naming the missing document (409, state unchanged), is returned for documents,
 *   resubmitted complete, checked by enterprise-service staff, approved by park management (not
 *   by the staff: 403), the move-in recorded; notifications reach the next party at each step;
 * - a tenant's service request of each category is routed at creation to its department or
 *   provider (written into the record, the staff notified); staff accept (only once someone is
 *   assigned), resolve with a result; the requester is told, confirms and rates it; another
 *   enterprise never sees it; bad input is refused; sample data once.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { healthModule } from '../health.ts';
import { startAuthServer, type AuthTestServer, type HttpClient } from '../../auth/testing.ts';
import { insertFixturePark } from '../../tiler/fixture.ts';
import { notificationsModule } from '../../kit/notifications/module.ts';
import { leaseRoomTo } from '../../kit/records/testing.ts';
import { defsOf, enterpriseServicesModule } from './index.ts';
import { newRecord, SAMPLE_MOVEIN, SAMPLE_SERVICE } from './contract.ts';
import { SERVICE_ROUTES } from './definition.ts';
import { seedEnterpriseServices } from './seed.ts';

for (const backend of ['pglite', 'postgres'] as const) {
  describe.skipIf(backend === 'postgres' && inject('pgMissing') !== null)(`enterprise services [${backend}]`, () => {
    let s: AuthTestServer;
    let tenant: { client: HttpClient; id: string };
    let outsider: { client: HttpClient; id: string };
    let staff: { client: HttpClient; id: string };
    let manager: { client: HttpClient; id: string };
    let leased = 0;
    let vacant = 0;
    let parkIdx = 0;
    const db = () => s.server.sc.db;
    const get = async (c: HttpClient, path: string, id: number) => (await c.req('GET', `/api/${path}/${id}`)).body as { record: { version: number; state: string; data: Record<string, unknown> } };
    const fire = async (c: HttpClient, path: string, id: number, name: string, data?: Record<string, unknown>) => {
      const cur = await get(c, path, id);
      return c.req('POST', `/api/${path}/${id}/transitions/${name}`, { version: cur.record.version, ...(data ? { data } : {}) });
    };
    const state = async (id: number) => (await db().query<{ state: string }>('SELECT state FROM kit_record WHERE id = $1', [id])).rows[0]!.state;
    const kinds = async (user: string) => (await db().query<{ kind: string }>('SELECT kind FROM kit_notification WHERE user_id = $1 ORDER BY id', [user])).rows.map((r) => r.kind);

    beforeAll(async () => {
      s = await startAuthServer(backend, { modules: [healthModule, notificationsModule(), enterpriseServicesModule] });
      const park = await insertFixturePark(db(), { grid: 1, floors: 1, roomsPerSide: 2, code: 'es' });
      parkIdx = park.parkIdx;
      const rooms = (await db().query<{ idx: number }>('SELECT r.idx FROM room r JOIN building b ON b.idx = r.building_idx WHERE b.park_idx = $1 ORDER BY r.idx', [park.parkIdx])).rows;
      leased = rooms[0]!.idx;
      vacant = rooms[2]!.idx;
      await db().query("UPDATE room SET leasable = true, lease_status = 'vacant', rent = 3 WHERE idx = $1", [vacant]);
      await leaseRoomTo(db(), park.parkIdx, leased, '甲公司', '91310000MA1FL0007G');
      await leaseRoomTo(db(), park.parkIdx, rooms[1]!.idx, '乙公司', '91310000MA1FL0008H');
      const ents = (await db().query<{ idx: number }>('SELECT enterprise_idx AS idx FROM lease WHERE room_idx = ANY($1::int[]) ORDER BY room_idx', [[leased, rooms[1]!.idx]])).rows;
      tenant = await s.userWith(['enterprise_user'], ents[0]!.idx);
      outsider = await s.userWith(['enterprise_user'], ents[1]!.idx);
      staff = await s.userWith(['investment']);
      manager = await s.userWith(['property_manager']);
    }, 120_000);
    afterAll(async () => {
      await s?.server.stop();
    });

    it('move-in: the checklist gates the document check; returned, resubmitted, checked, approved by management, moved in', async () => {
      // A tenant may not file for a unit that is not its own.
      expect((await tenant.client.req('POST', '/api/move-ins', { objectIdx: vacant, data: SAMPLE_MOVEIN })).status).toBe(403);
      const bad = await staff.client.req('POST', '/api/move-ins', { objectIdx: vacant, data: { ...SAMPLE_MOVEIN, creditCode: '123' } });
      expect([bad.status, bad.text.includes('creditCode')]).toEqual([400, true]);
      const r = await newRecord(staff.client, 'move-ins', vacant, { ...SAMPLE_MOVEIN, docSafety: false });
      expect(await kinds(staff.id)).toEqual(['movein.submitted']);
      const refused = await fire(staff.client, 'move-ins', r.id, 'check_docs');
      expect([refused.status, refused.text.includes('安全环保承诺书')]).toEqual([409, true]);
      expect(await state(r.id)).toBe('submitted');
      expect((await fire(staff.client, 'move-ins', r.id, 'return_docs')).status).toBe(400);
      expect((await fire(staff.client, 'move-ins', r.id, 'return_docs', { reviewNote: '请补充安全环保承诺书' })).status).toBe(200);
      const cur = await get(staff.client, 'move-ins', r.id);
      expect((await staff.client.req('PATCH', `/api/move-ins/${r.id}`, { version: cur.record.version, data: { docSafety: true } })).status).toBe(200);
      expect((await fire(staff.client, 'move-ins', r.id, 'resubmit')).status).toBe(200);
      const ok = await fire(staff.client, 'move-ins', r.id, 'check_docs');
      expect(ok.status, ok.text).toBe(200);
      expect(await kinds(manager.id)).toContain('movein.checked');
      // The second step is management's, not the staff's.
      expect((await fire(staff.client, 'move-ins', r.id, 'approve')).status).toBe(403);
      expect((await fire(manager.client, 'move-ins', r.id, 'approve', { reviewNote: '同意' })).status).toBe(200);
      expect((await fire(staff.client, 'move-ins', r.id, 'move_in')).status).toBe(200);
      expect(await state(r.id)).toBe('moved_in');
      const audit = await db().query<{ action: string }>("SELECT action FROM audit_log WHERE object = $1 AND outcome = 'success' ORDER BY seq", [`movein:${r.id}`]);
      expect(audit.rows.map((x) => x.action)).toEqual(['movein.create', 'movein.transition.return_docs', 'movein.update', ...['resubmit', 'check_docs', 'approve', 'move_in'].map((t) => `movein.transition.${t}`)]);
    });

    it('service requests: routed to the category\'s department, accepted, resolved, confirmed and rated by the requester', async () => {
      expect((await tenant.client.req('POST', '/api/service-requests', { objectIdx: leased, data: { ...SAMPLE_SERVICE, category: 'astrology' } })).status).toBe(400);
      const ids: Record<string, number> = {};
      for (const category of Object.keys(SERVICE_ROUTES)) {
        ids[category] = (await newRecord(tenant.client, 'service-requests', leased, { ...SAMPLE_SERVICE, category })).id;
        const got = await get(tenant.client, 'service-requests', ids[category]!);
        expect([got.record.state, got.record.data.department]).toEqual(['routed', SERVICE_ROUTES[category]!.department.zh]);
      }
      const routed = await db().query<{ title_zh: string }>("SELECT title_zh FROM kit_notification WHERE user_id = $1 AND kind = 'service.routed' ORDER BY id", [staff.id]);
      expect(routed.rows.map((x) => x.title_zh.slice(0, x.title_zh.indexOf('】') + 1))).toEqual(Object.values(SERVICE_ROUTES).map((v) => `【${v.department.zh}】`));
      // The department is the routing's, not the requester's to choose.
      expect((await tenant.client.req('POST', '/api/service-requests', { objectIdx: leased, data: { ...SAMPLE_SERVICE, department: '自选部门' } })).status).toBe(400);
      const id = ids.finance!;
      expect((await outsider.client.req('GET', `/api/service-requests/${id}`)).status).toBe(404);
      expect((await fire(staff.client, 'service-requests', id, 'accept')).status).toBe(409);
      const cur = await get(staff.client, 'service-requests', id);
      expect((await staff.client.req('PUT', `/api/service-requests/${id}/assignees`, { version: cur.record.version, assignees: [staff.id] })).status).toBe(200);
      expect((await fire(staff.client, 'service-requests', id, 'accept')).status).toBe(200);
      expect((await fire(tenant.client, 'service-requests', id, 'resolve', { resolution: 'x' })).status).toBe(403);
      expect((await fire(staff.client, 'service-requests', id, 'resolve', { resolution: '已对接合作银行，授信 300 万元' })).status).toBe(200);
      expect((await fire(staff.client, 'service-requests', id, 'confirm', { rating: 5 })).status).toBe(409);
      expect((await fire(tenant.client, 'service-requests', id, 'confirm', { rating: 5 })).status).toBe(200);
      expect(await state(id)).toBe('closed');
      expect(await kinds(tenant.id)).toEqual(['service.accepted', 'service.resolved']);
      const mine = (await tenant.client.req('GET', '/api/service-requests?mine=1&f.category=finance')).body as { items: { id: number; state: string }[] };
      expect(mine.items.map((x) => [x.id, x.state])).toEqual([[id, 'closed']]);
    });

    it('sample data: move-ins on vacant units and service requests in every state, once', async () => {
      await db().query("DELETE FROM kit_record WHERE entity IN ('movein', 'service_request')");
      await seedEnterpriseServices(s.server.sc, defsOf(s.server.sc), parkIdx);
      await seedEnterpriseServices(s.server.sc, defsOf(s.server.sc), parkIdx);
      const rows = await db().query<{ entity: string; state: string }>("SELECT entity, state FROM kit_record WHERE entity IN ('movein', 'service_request') ORDER BY entity, state");
      expect(rows.rows.filter((r) => r.entity === 'movein').map((r) => r.state).sort()).toEqual(['approved', 'checked', 'moved_in', 'returned', 'submitted']);
      expect(rows.rows.filter((r) => r.entity === 'service_request').map((r) => r.state).sort()).toEqual(['accepted', 'closed', 'in_progress', 'resolved', 'routed']);
      const theirs = (await outsider.client.req('GET', '/api/service-requests?limit=50')).body as { items: { objectIdx: number }[] };
      expect(theirs.items.every((x) => x.objectIdx !== leased)).toBe(true);
    });
  });
}
