/**
 * The leasing module on both backends, through the real auth platform and the stream's WebSocket:
 * the pipeline (prospect, opportunity, visit, proposal holding units, negotiation, signing that
 * creates leases in one transaction, losing that releases holds), permissions, the funnel,
 * reminders, guest links (anonymous access to exactly the link's units, tamper/revoke/expiry,
 * audit per open, no tenant name anywhere) and unit photos (resized, type and size checked).
 */
import sharp from 'sharp';
import type WebSocket from 'ws';
import { openUserSocket } from '../../stream/testing.ts';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { healthModule } from '../health.ts';
import { createLiveModule } from '../live.ts';
import { startAuthServer, HttpClient, type AuthTestServer } from '../../auth/testing.ts';
import { insertFixturePark } from '../../tiler/fixture.ts';
import { leaseRoomTo } from '../../kit/records/testing.ts';
import { notificationsModule } from '../../kit/notifications/module.ts';
import { leasingModule, sendReminders } from './index.ts';
import { twinModule } from '../twin/index.ts';
import { investModule } from '../invest/index.ts';
import { seedLeasing } from './seed.ts';
import { opportunityEntity, prospectEntity } from './definition.ts';
import { MAX_PHOTO_BYTES } from './photos.ts';
import type { StoredRecord } from '../../kit/records/define.ts';

async function until(cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const TENANT = '甲方科技有限公司';

for (const backend of ['pglite', 'postgres'] as const) {
  describe.skipIf(backend === 'postgres' && inject('pgMissing') !== null)(`leasing module [${backend}]`, () => {
    let s: AuthTestServer;
    type User = { client: HttpClient; id: string };
    let agent: User;
    let viewer: User;
    let tenantUser: User;
    let parkIdx = 0;
    let units: number[] = [];
    let leasedRoom = 0;
    let ws: WebSocket;
    const pushed: { type: string; units?: number[]; status?: string }[] = [];
    let prospect: StoredRecord;
    let opp: StoredRecord;
    const db = () => s.server.sc.db;
    const fire = (name: string, version: number, data?: Record<string, unknown>, id = opp.id) =>
      agent.client.req('POST', `/api/leasing/opportunities/${id}/transitions/${name}`, { version, ...(data ? { data } : {}) });
    const status = async (idx: number) => (await db().query<{ lease_status: string }>('SELECT lease_status FROM room WHERE idx = $1', [idx])).rows[0]!.lease_status;

    beforeAll(async () => {
      s = await startAuthServer(backend, { modules: [healthModule, createLiveModule({ mqtt: false }), twinModule, investModule, notificationsModule(), leasingModule] });
      parkIdx = (await insertFixturePark(db(), { grid: 2, floors: 2, roomsPerSide: 3, code: 'leasing' })).parkIdx;
      const offices = (await db().query<{ idx: number }>("SELECT idx FROM room WHERE leasable ORDER BY idx")).rows.map((r) => r.idx);
      leasedRoom = offices[0]!;
      units = offices.slice(1, 6);
      await db().query(`UPDATE room SET lease_status = 'vacant' WHERE idx = ANY($1::int[])`, [units]);
      await db().query(`UPDATE room SET lease_status = 'leased' WHERE idx = $1`, [leasedRoom]);
      const ent = await leaseRoomTo(db(), parkIdx, leasedRoom, TENANT, '91330100MA2AAAAA1X');
      agent = await s.userWith(['investment']);
      viewer = await s.userWith(['leadership_viewer']);
      tenantUser = await s.userWith(['enterprise_user'], ent);
      ws = await openUserSocket(s.server.url, viewer.client.cookies, pushed);
    }, 120_000);
    afterAll(async () => {
      ws?.close();
      await s?.server.stop();
    });

    it('investment staff record a prospect and an opportunity; readers may not write, tenants may not read', async () => {
      const bad = await agent.client.req('POST', '/api/leasing/prospects', { data: { company: 'X', contact: '', source: 'web', industry: 'ai', needArea: 5 } });
      expect(bad.status).toBe(400);
      const p = await agent.client.req('POST', '/api/leasing/prospects', { data: {
        company: '新锐芯片设计有限公司', contact: '李经理', phone: '0571-8888 1234', source: 'event', industry: 'ic_design', needArea: 600, needFloor: '3-5 层', budget: 95, moveIn: '2027-03-01' } });
      expect(p.status, p.text).toBe(201);
      prospect = p.body as StoredRecord;
      expect((await viewer.client.req('POST', '/api/leasing/prospects', { data: { company: '只读公司', contact: '某', source: 'event', industry: 'ai', needArea: 100 } })).status).toBe(403);
      expect((await viewer.client.req('GET', '/api/leasing/prospects')).status).toBe(200);
      // Enterprise users hold leasing:read (their own leases) but see no pipeline record.
      const scoped = await tenantUser.client.req('GET', '/api/leasing/prospects');
      expect(scoped.status).toBe(200);
      expect((scoped.body as { items: unknown[] }).items).toEqual([]);
      expect((await tenantUser.client.req('GET', `/api/leasing/prospects/${prospect.id}`)).status).toBe(404);
      expect((await tenantUser.client.req('GET', '/api/leasing/funnel')).status).toBe(403);
      const ghost = await agent.client.req('POST', '/api/leasing/opportunities', { data: { title: '无主商机', prospectId: 999_999, area: 100 } });
      expect(ghost.status, ghost.text).toBe(409);
      const o = await agent.client.req('POST', '/api/leasing/opportunities', { data: { title: '新锐芯片 入驻', prospectId: prospect.id, area: 600 } });
      expect(o.status, o.text).toBe(201);
      opp = o.body as StoredRecord;
      expect(opp.state).toBe('lead');
      const owner = await agent.client.req('PUT', `/api/leasing/opportunities/${opp.id}/assignees`, { version: 1, assignees: [agent.id] });
      expect(owner.status, owner.text).toBe(200);
      const act = await agent.client.req('POST', `/api/leasing/opportunities/${opp.id}/comments`, { body: '电话沟通：关注层高和电力容量' });
      expect(act.status, act.text).toBe(201);
    });

    it('a proposal holds vacant units only (all or nothing), shows them held and pushes the change', async () => {
      expect((await fire('visit', 2)).status).toBe(200);
      const wrong = await fire('propose', 3, { units: [units[0]!, leasedRoom] });
      expect(wrong.status, wrong.text).toBe(409);
      expect(wrong.text).toMatch(/not vacant/);
      expect(await status(units[0]!)).toBe('vacant');
      expect((await db().query('SELECT 1 FROM leasing_hold')).rows).toHaveLength(0);
      const before = pushed.length;
      const ok = await fire('propose', 3, { units: [units[0]!, units[1]!] });
      expect(ok.status, ok.text).toBe(200);
      expect(await status(units[0]!)).toBe('reserved');
      expect(await status(units[1]!)).toBe('reserved');
      const holds = await viewer.client.req('GET', `/api/leasing/holds?units=${units[0]},${units[1]},${units[2]}`);
      expect((holds.body as { holds: { unit: number; opportunityId: number }[] }).holds).toEqual([
        expect.objectContaining({ unit: units[0], opportunityId: opp.id }), expect.objectContaining({ unit: units[1], opportunityId: opp.id })]);
      await until(() => pushed.slice(before).some((m) => m.type === 'leasing.units'));
      expect(pushed.slice(before).find((m) => m.type === 'leasing.units')).toMatchObject({ units: [units[0], units[1]], status: 'reserved' });
      // A second opportunity cannot take a held unit.
      const o2 = (await agent.client.req('POST', '/api/leasing/opportunities', { data: { title: '另一商机', prospectId: prospect.id, area: 100 } })).body as StoredRecord;
      expect((await fire('visit', 1, undefined, o2.id)).status).toBe(200);
      const taken = await fire('propose', 2, { units: [units[1]!] }, o2.id);
      expect(taken.status).toBe(409);
      expect(taken.text).toMatch(new RegExp(`held by opportunity ${opp.id}`));
      // Losing a deal releases its holds.
      expect((await fire('propose', 2, { units: [units[2]!] }, o2.id)).status).toBe(200);
      expect(await status(units[2]!)).toBe('reserved');
      // Adding a unit to a proposal keeps the units it holds already (a second hold from a unit's panel).
      const more = await fire('propose', 3, { units: [units[2]!, units[3]!] }, o2.id);
      expect(more.status, more.text).toBe(200);
      expect(await status(units[3]!)).toBe('reserved');
      expect((await db().query<{ room_idx: number }>('SELECT room_idx FROM leasing_hold WHERE opportunity_id = $1 ORDER BY room_idx', [o2.id])).rows.map((r) => r.room_idx))
        .toEqual([units[2]!, units[3]!].sort((a, b) => a - b));
      expect((await fire('lose', 4, { lostReason: '预算不足' }, o2.id)).status).toBe(200);
      expect(await status(units[2]!)).toBe('vacant');
      expect(await status(units[3]!)).toBe('vacant');
    });

    it('signing creates the leases in one transaction: all or nothing, and only once', async () => {
      expect((await fire('negotiate', 4)).status).toBe(200);
      expect((await fire('sign', 5, { leaseStart: '2027-01-01' })).status).toBe(400); // credit code required
      // Someone else leased one of the held units meanwhile: the signing fails whole.
      const other = await leaseRoomTo(db(), parkIdx, units[1]!, '插队公司', '91330100MA2CCCCC3Z');
      const blocked = await fire('sign', 5, { creditCode: '91330100ma2ddddd4w', leaseStart: '2027-01-01', leaseYears: 3 });
      expect(blocked.status, blocked.text).toBe(409);
      expect((await db().query('SELECT 1 FROM lease WHERE room_idx = $1', [units[0]])).rows).toHaveLength(0);
      expect((await db().query(`SELECT 1 FROM enterprise WHERE credit_code = '91330100MA2DDDDD4W'`)).rows).toHaveLength(0);
      expect(await status(units[0]!)).toBe('reserved');
      await db().query('DELETE FROM lease WHERE enterprise_idx = $1', [other]);
      const before = pushed.length;
      const signed = await fire('sign', 5, { creditCode: '91330100ma2ddddd4w', leaseStart: '2027-01-01', leaseYears: 3 });
      expect(signed.status, signed.text).toBe(200);
      const leases = await db().query<{ room_idx: number; name: string; end_date: string }>(
        `SELECT l.room_idx, o.name, l.end_date::text AS end_date FROM lease l JOIN twin_object o ON o.idx = l.enterprise_idx JOIN enterprise e ON e.idx = l.enterprise_idx
         WHERE e.credit_code = '91330100MA2DDDDD4W' AND l.status = 'active' ORDER BY l.room_idx`);
      expect(leases.rows).toEqual([
        { room_idx: units[0], name: '新锐芯片设计有限公司', end_date: '2030-01-01' },
        { room_idx: units[1], name: '新锐芯片设计有限公司', end_date: '2030-01-01' },
      ]);
      expect(await status(units[0]!)).toBe('leased');
      expect((await db().query('SELECT 1 FROM leasing_hold')).rows).toHaveLength(0);
      await until(() => pushed.slice(before).some((m) => m.type === 'leasing.units' && m.status === 'leased'));
      // Firing again changes nothing.
      expect((await fire('sign', 6, { creditCode: '91330100MA2DDDDD4W', leaseStart: '2027-01-01' })).status).toBe(409);
      expect((await db().query(`SELECT 1 FROM lease l JOIN enterprise e ON e.idx = l.enterprise_idx WHERE e.credit_code = '91330100MA2DDDDD4W'`)).rows).toHaveLength(2);
      const audit = await db().query<{ action: string }>(`SELECT action FROM audit_log WHERE object = $1 ORDER BY seq`, [`opportunity:${opp.id}`]);
      expect(audit.rows.map((r) => r.action)).toEqual(expect.arrayContaining(['opportunity.transition.sign']));
    });

    it('the funnel counts opportunities and area per stage and the conversion between stages', async () => {
      const f = (await viewer.client.req('GET', '/api/leasing/funnel')).body as { stages: { stage: string; count: number; area: number; reached: number; conversion: number | null }[]; lost: { count: number }; winRate: number | null };
      const by = Object.fromEntries(f.stages.map((x) => [x.stage, x]));
      expect(by.signed).toMatchObject({ count: 1, area: 600, reached: 1 });
      expect(by.lead).toMatchObject({ count: 0, reached: 2 });
      expect(by.visit).toMatchObject({ reached: 2, conversion: 100 });
      expect(by.proposal).toMatchObject({ reached: 2, conversion: 100 });
      expect(by.negotiation).toMatchObject({ reached: 1, conversion: 50 });
      expect(f.lost.count).toBe(1);
      expect(f.winRate).toBe(50);
    });

    it('a follow-up date that has come reminds the owner once', async () => {
      const o = (await agent.client.req('POST', '/api/leasing/opportunities', { data: { title: '跟进测试', prospectId: prospect.id, area: 50, remindAt: '2000-01-01' } })).body as StoredRecord;
      expect(await sendReminders(s.server.sc)).toBe(1);
      expect(await sendReminders(s.server.sc)).toBe(0);
      const n = (await agent.client.req('GET', '/api/notifications')).body as { items: { kind: string; link: string }[] };
      expect(n.items.filter((i) => i.kind === 'leasing.reminder').map((i) => i.link)).toEqual([`/leasing?id=${o.id}`]);
    });

    describe('guest links', () => {
      let token = '';
      let linkId = 0;
      const anon = () => new HttpClient(s.server.url);
      it('open without an account and show exactly the link\'s units, public fields only', async () => {
        expect((await viewer.client.req('POST', '/api/leasing/guest-links', { title: 'x', units: [units[3]!] })).status).toBe(403);
        const r = await agent.client.req('POST', '/api/leasing/guest-links', { title: '为新锐芯片精选', units: [units[3]!, units[4]!, leasedRoom], days: 7 });
        expect(r.status, r.text).toBe(201);
        ({ token, id: linkId } = r.body as { token: string; id: number });
        const g = await anon().req('GET', `/api/leasing/guest/${token}`);
        expect(g.status, g.text).toBe(200);
        const body = g.body as { units: { idx: number; status: string }[] };
        expect(body.units.map((u) => u.idx).sort((a, b) => a - b)).toEqual([units[3]!, units[4]!, leasedRoom].sort((a, b) => a - b));
        expect(body.units.find((u) => u.idx === leasedRoom)!.status).toBe('let');
        const page = await anon().req('GET', `/api/leasing/guest/${token}/page`);
        expect(page.status).toBe(200);
        expect(page.headers.get('content-type')).toMatch(/text\/html/);
        expect((page.text.match(/data-unit="/g) ?? []).length).toBe(3);
        // No tenant name in anything the guest can fetch.
        const names = (await db().query<{ name: string }>(`SELECT name FROM twin_object WHERE kind = 'enterprise'`)).rows.map((x) => x.name);
        expect(names).toContain(TENANT);
        for (const n of names) {
          expect(g.text).not.toContain(n);
          expect(page.text).not.toContain(n);
        }
        // Every open is audited.
        const opens = await db().query('SELECT 1 FROM audit_log WHERE action = $1 AND object = $2 AND outcome = $3', ['leasing.guest.open', `guest-link:${linkId}`, 'success']);
        expect(opens.rows).toHaveLength(2);
        // The guest reaches nothing else.
        expect((await anon().req('GET', '/api/leasing/prospects')).status).toBe(401);
        expect((await anon().req('GET', '/api/leasing/guest-links')).status).toBe(401);
        expect((await anon().req('GET', `/api/leasing/units/${units[3]}/photos`)).status).toBe(401);
      });

      it('a probe through the guest link for other units or tenants gets nothing', async () => {
        const other = units[2]!; // a vacant unit of the park, not in the link
        const guest = new HttpClient(s.server.url, { bearer: token });
        // The token is no credential anywhere else: as a bearer, as a session cookie.
        const probes = [
          `/api/twin/objects/${leasedRoom}`, `/api/twin/objects/${other}`, '/api/twin/parks', '/api/invest/units?park=leasing',
          `/api/invest/units/${other}?park=leasing`, `/api/leasing/holds?units=${other},${leasedRoom}`, `/api/leasing/units/${other}/photos`,
          '/api/leasing/prospects', '/api/leasing/opportunities', '/api/leasing/funnel', '/api/auth/me',
        ];
        for (const path of probes) {
          const r = await guest.req('GET', path);
          expect(r.status, path).toBe(401);
          expect(r.text, path).not.toContain(TENANT);
          const c = new HttpClient(s.server.url);
          c.cookies.set('twin_session', token);
          expect((await c.req('GET', path)).status, `cookie ${path}`).toBe(401);
        }
        // Parameters cannot widen the link: only its own units, whatever the query asks.
        const linkUnits = [units[3]!, units[4]!, leasedRoom].sort((a, b) => a - b);
        for (const q of [`?units=${other}`, `?idx=${other}`, `?park=leasing&all=1`]) {
          const r = await anon().req('GET', `/api/leasing/guest/${token}${q}`);
          expect((r.body as { units: { idx: number }[] }).units.map((u) => u.idx).sort((a, b) => a - b), q).toEqual(linkUnits);
        }
        // Nothing under the guest path reaches another unit: no unit route, no photo of a unit outside the link.
        expect((await anon().req('GET', `/api/leasing/guest/${token}/units/${other}`)).status).toBeGreaterThanOrEqual(400);
        expect((await anon().req('GET', `/api/leasing/guest/${token}/photos/999999`)).status).toBe(404);
        // The let unit in the link shows as let, with no tenant, lease or contract field.
        const g = (await anon().req('GET', `/api/leasing/guest/${token}`)).body as { units: Record<string, unknown>[] };
        const let_ = g.units.find((u) => u.idx === leasedRoom)!;
        expect(Object.keys(let_).sort()).toEqual(['area', 'building', 'buildingEn', 'code', 'idx', 'level', 'photos', 'rent', 'status', 'use']);
        expect(let_.status).toBe('let');
      });

      it('a tampered link is refused (401); a revoked or expired one is gone (410)', async () => {
        const [id, exp, sig] = token.split('.');
        const flip = (c: string) => (c === 'A' ? 'B' : 'A');
        for (const t of [`${id}.${Number(exp) + 86_400}.${sig}`, `${id}.${exp}.${flip(sig![0]!)}${sig!.slice(1)}`, `${Number(id) + 1}.${exp}.${sig}`, 'garbage']) {
          expect((await anon().req('GET', `/api/leasing/guest/${t}`)).status, t).toBe(401);
        }
        expect((await anon().req('GET', `/api/leasing/guest/${id}.${Number(exp) + 1}.${sig}/page`)).status).toBe(401);
        const denied = await db().query('SELECT 1 FROM audit_log WHERE action = $1 AND outcome = $2', ['leasing.guest.open', 'denied']);
        expect(denied.rows.length).toBeGreaterThanOrEqual(5);
        // Expiry by the clock.
        const short = (await agent.client.req('POST', '/api/leasing/guest-links', { title: '一天', units: [units[3]!], days: 1 })).body as { token: string; id: number };
        expect((await anon().req('GET', `/api/leasing/guest/${short.token}`)).status).toBe(200);
        s.clock.advanceMinutes(24 * 60 + 1);
        expect((await anon().req('GET', `/api/leasing/guest/${short.token}`)).status).toBe(410);
        // The sessions expired with the day: sign in again.
        agent = { ...agent, client: (await s.userWith(['investment'])).client };
        viewer = await s.userWith(['leadership_viewer']);
        // Revocation.
        expect((await viewer.client.req('DELETE', `/api/leasing/guest-links/${linkId}`)).status).toBe(403);
        expect((await agent.client.req('DELETE', `/api/leasing/guest-links/${linkId}`)).status).toBe(204);
        expect((await anon().req('GET', `/api/leasing/guest/${token}`)).status).toBe(410);
        const gone = await anon().req('GET', `/api/leasing/guest/${token}/page`);
        expect(gone.status).toBe(410);
        expect(gone.text).toContain('此链接已失效');
        // Refusals of the revoked and the expired link are audited on their links too.
        const refused = await db().query<{ object: string; status: number }>(
          `SELECT object, (detail::jsonb->>'status')::int AS status FROM audit_log WHERE action = 'leasing.guest.open' AND outcome = 'denied' AND object = ANY($1::text[]) AND detail::jsonb->>'status' = '410' ORDER BY seq`,
          [[`guest-link:${linkId}`, `guest-link:${short.id}`]]);
        expect(refused.rows).toEqual([{ object: `guest-link:${short.id}`, status: 410 }, { object: `guest-link:${linkId}`, status: 410 }, { object: `guest-link:${linkId}`, status: 410 }]);
        const list = (await agent.client.req('GET', '/api/leasing/guest-links')).body as { links: { id: number; revokedAt: string | null; opens: number }[] };
        expect(list.links.find((l) => l.id === linkId)).toMatchObject({ opens: 6, revokedAt: expect.any(String) });
        expect(JSON.stringify(list)).not.toContain(token.split('.')[2]!);
      });
    });

    describe('unit photos', () => {
      const upload = (c: HttpClient, idx: number, bytes: Buffer, type = 'image/jpeg') =>
        fetch(`${s.server.url}/api/leasing/units/${idx}/photos`, { method: 'POST', body: new Uint8Array(bytes), headers: {
          'Content-Type': type, Cookie: [...c.cookies].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('; '), 'X-CSRF-Token': c.cookies.get('twin_csrf') ?? '' } });
      it('are resized server-side, checked for type and size, and shown in the guest link', async () => {
        const big = await sharp({ create: { width: 3000, height: 2000, channels: 3, background: '#3a7' } }).png().toBuffer();
        const r = await upload(agent.client, units[3]!, big, 'image/png');
        expect(r.status, await r.clone().text()).toBe(201);
        const photo = (await r.json()) as { id: number; width: number; height: number };
        expect(photo).toMatchObject({ width: 1600, height: 1067 });
        const got = await agent.client.req('GET', `/api/leasing/units/${units[3]}/photos/${photo.id}?size=thumb`);
        expect(got.status).toBe(200);
        expect(got.headers.get('content-type')).toBe('image/jpeg');
        const notImage = await upload(agent.client, units[3]!, Buffer.from('<html><script>alert(1)</script></html>'), 'image/jpeg');
        expect(notImage.status).toBe(400);
        expect(await notImage.text()).toMatch(/not an image/);
        const tooBig = await upload(agent.client, units[3]!, Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(MAX_PHOTO_BYTES)]));
        expect(tooBig.status).toBe(413);
        const broken = await upload(agent.client, units[3]!, Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(100, 1)]));
        expect(broken.status).toBe(400);
        expect((await upload(viewer.client, units[3]!, big, 'image/png')).status).toBe(403);
        const link = (await agent.client.req('POST', '/api/leasing/guest-links', { title: '带照片', units: [units[3]!] })).body as { token: string };
        const g = (await new HttpClient(s.server.url).req('GET', `/api/leasing/guest/${link.token}`)).body as { units: { photos: { id: number }[] }[] };
        expect(g.units[0]!.photos.map((p) => p.id)).toEqual([photo.id]);
        const img = await fetch(`${s.server.url}/api/leasing/guest/${link.token}/photos/${photo.id}`);
        expect(img.status).toBe(200);
        expect((await sharp(Buffer.from(await img.arrayBuffer())).metadata()).format).toBe('jpeg');
        // A photo of a unit outside the link is not reachable through it.
        const other = (await (await upload(agent.client, units[4]!, big, 'image/png')).json()) as { id: number };
        expect((await fetch(`${s.server.url}/api/leasing/guest/${link.token}/photos/${other.id}`)).status).toBe(404);
      });
    });

    it('sample data: a dozen prospects across the stages, holding vacant units; a second run adds nothing', async () => {
      await db().query(`DELETE FROM kit_record WHERE entity IN ('prospect', 'opportunity')`);
      const defs = { prospect: prospectEntity(), opportunity: opportunityEntity(s.server.sc, () => {}) };
      await seedLeasing(s.server.sc, defs, parkIdx);
      await seedLeasing(s.server.sc, defs, parkIdx);
      const p = await db().query('SELECT 1 FROM kit_record WHERE entity = $1', ['prospect']);
      expect(p.rows).toHaveLength(12);
      const st = await db().query<{ state: string; n: number }>(`SELECT state, count(*)::int AS n FROM kit_record WHERE entity = 'opportunity' GROUP BY state ORDER BY state`);
      expect(st.rows.map((r) => r.state)).toEqual(['lead', 'lost', 'negotiation', 'proposal', 'signed', 'visit']);
      const held = await db().query<{ lease_status: string }>('SELECT r.lease_status FROM leasing_hold h JOIN room r ON r.idx = h.room_idx');
      expect(held.rows.length).toBeGreaterThan(0);
      expect(held.rows.every((r) => r.lease_status === 'reserved')).toBe(true);
    });
  });
}
