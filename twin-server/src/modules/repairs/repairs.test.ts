/**
 * The repairs module's journey on both backends, through the real auth platform, the stream's
 * WebSocket and real outbound channels (a local SMTP sink and a local robot webhook started
 * here): a tenant reports a repair on its room, the property manager is notified, assigns and
 * dispatches it, the assignee works it, the tenant is notified (socket push, email, webhook) and
 * rates it. Plus enterprise scoping, attachments (limits and safe download headers), CSV and
 * Excel export, SLA escalation and the sample data.
 */
import http from 'node:http';
import net from 'node:net';
import ExcelJS from 'exceljs';
import type WebSocket from 'ws';
import { openUserSocket } from '../../stream/testing.ts';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { healthModule } from '../health.ts';
import { createLiveModule } from '../live.ts';
import { startAuthServer, type AuthTestServer, type HttpClient } from '../../auth/testing.ts';
import { insertFixturePark } from '../../tiler/fixture.ts';
import { leaseRoomTo } from '../../kit/records/testing.ts';
import { notificationsModule } from '../../kit/notifications/module.ts';
import { notificationCenter } from '../../kit/notifications/service.ts';
import { smtpChannel, webhookChannel } from '../../kit/notifications/channels.ts';
import { escalateOverdue } from '../../kit/records/sla.ts';
import { repairsModule } from './index.ts';
import { repairEntity } from './definition.ts';
import { seedRepairs } from './seed.ts';
import type { StoredRecord } from '../../kit/records/define.ts';

/** A minimal SMTP sink: accepts every message and keeps (to, data). */
async function startSmtpSink(): Promise<{ port: number; mails: { to: string[]; data: string }[]; close(): Promise<void> }> {
  const mails: { to: string[]; data: string }[] = [];
  const server = net.createServer((sock) => {
    let buf = '';
    let inData = false;
    let to: string[] = [];
    let data = '';
    sock.write('220 sink ESMTP\r\n');
    sock.on('data', (chunk) => {
      buf += chunk.toString('utf8');
      for (;;) {
        if (inData) {
          const end = buf.indexOf('\r\n.\r\n');
          if (end < 0) return;
          data += buf.slice(0, end);
          buf = buf.slice(end + 5);
          inData = false;
          mails.push({ to, data });
          to = [];
          data = '';
          sock.write('250 OK queued\r\n');
          continue;
        }
        const nl = buf.indexOf('\r\n');
        if (nl < 0) return;
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        const cmd = line.slice(0, 4).toUpperCase();
        if (cmd === 'EHLO' || cmd === 'HELO') sock.write('250 sink\r\n');
        else if (cmd === 'MAIL') sock.write('250 OK\r\n');
        else if (cmd === 'RCPT') {
          to.push(/<([^>]*)>/.exec(line)?.[1] ?? '');
          sock.write('250 OK\r\n');
        } else if (cmd === 'DATA') {
          inData = true;
          sock.write('354 go ahead\r\n');
        } else if (cmd === 'QUIT') {
          sock.end('221 bye\r\n');
        } else sock.write('250 OK\r\n');
      }
    });
    sock.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as net.AddressInfo).port, mails, close: () => new Promise((r) => server.close(() => r())) };
}

/** A local robot webhook that keeps every JSON body and answers like WeCom ({errcode: 0}). */
async function startWebhook(): Promise<{ url: string; bodies: unknown[]; close(): Promise<void> }> {
  const bodies: unknown[] = [];
  const server = http.createServer((req, res) => {
    let b = '';
    req.on('data', (c: Buffer) => { b += c.toString('utf8'); });
    req.on('end', () => {
      bodies.push(JSON.parse(b));
      res.setHeader('Content-Type', 'application/json');
      res.end('{"errcode":0,"errmsg":"ok"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/cgi-bin/webhook/send?key=test`, bodies, close: () => new Promise((r) => server.close(() => r())) };
}

async function until(cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 7)]);

for (const backend of ['pglite', 'postgres'] as const) {
  describe.skipIf(backend === 'postgres' && inject('pgMissing') !== null)(`repairs module [${backend}]`, () => {
    let s: AuthTestServer;
    let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
    let hook: Awaited<ReturnType<typeof startWebhook>>;
    type User = { client: HttpClient; id: string; username: string; password: string };
    let tenant: User;
    let otherTenant: User;
    let pm: User;
    let tech: User;
    let tech2: User;
    let parkIdx = 0;
    let roomA = 0;
    let roomB = 0;
    let ws: WebSocket;
    const pushed: { type: string; unread?: number }[] = [];
    let repair: StoredRecord;

    const fire = (c: HttpClient, name: string, version: number, data?: Record<string, unknown>) =>
      c.req('POST', `/api/repairs/${repair.id}/transitions/${name}`, { version, ...(data ? { data } : {}) });
    const reload = async () => {
      const r = await pm.client.req('GET', `/api/repairs/${repair.id}`);
      repair = (r.body as { record: StoredRecord }).record;
      return repair;
    };
    const notes = async (c: HttpClient) => (await c.req('GET', '/api/notifications')).body as { unread: number; items: { kind: string; title: { zh: string; en: string }; link: string }[] };

    beforeAll(async () => {
      smtp = await startSmtpSink();
      hook = await startWebhook();
      s = await startAuthServer(backend, { modules: [healthModule, createLiveModule({ mqtt: false }), notificationsModule(), repairsModule] });
      notificationCenter(s.server.sc).channels = [smtpChannel(`smtp://127.0.0.1:${smtp.port}`, 'twin@park.test'), webhookChannel(hook.url, 'wecom')];
      const db = s.server.sc.db;
      parkIdx = (await insertFixturePark(db, { grid: 1, floors: 1, roomsPerSide: 2, code: 'repairs' })).parkIdx;
      const rooms = (await db.query<{ idx: number }>("SELECT idx FROM room WHERE use = 'office' ORDER BY idx")).rows.map((r) => r.idx);
      [roomA, roomB] = [rooms[0]!, rooms[1]!];
      const entA = await leaseRoomTo(db, parkIdx, roomA, '甲科技有限公司', '91330100MA2AAAAA1X');
      const entB = await leaseRoomTo(db, parkIdx, roomB, '乙软件有限公司', '91330100MA2BBBBB2Y');
      tenant = await s.userWith(['enterprise_user'], entA);
      otherTenant = await s.userWith(['enterprise_user'], entB);
      pm = await s.userWith(['property_manager']);
      tech = await s.userWith(['maintenance']);
      tech2 = await s.userWith(['maintenance']);
      ws = await openUserSocket(s.server.url, tenant.client.cookies, pushed);
    }, 120_000);
    afterAll(async () => {
      ws?.close();
      await s?.server.stop();
      await smtp?.close();
      await hook?.close();
    });

    it('a tenant reports a repair on its own room only; the property managers are notified', async () => {
      const prefs = await tenant.client.req('PUT', '/api/notifications/prefs', { email: 'tenant@jia.test', channels: { '*': ['inapp'], 'repair.done': ['inapp', 'email', 'webhook'] } });
      expect(prefs.status, prefs.text).toBe(200);
      const bad = await tenant.client.req('POST', '/api/repairs', { objectIdx: roomA, data: { title: 'x', category: 'hvac', urgency: 'normal' } });
      expect(bad.status).toBe(400); // title too short
      const foreign = await tenant.client.req('POST', '/api/repairs', { objectIdx: roomB, data: { title: '空调不制冷', category: 'hvac', urgency: 'urgent' } });
      expect(foreign.status, foreign.text).toBe(403);
      const r = await tenant.client.req('POST', '/api/repairs', { objectIdx: roomA, data: { title: '空调不制冷', category: 'hvac', urgency: 'urgent', description: '室温 29 度' } });
      expect(r.status, r.text).toBe(201);
      repair = r.body as StoredRecord;
      expect(repair).toMatchObject({ state: 'submitted', objectIdx: roomA, createdBy: tenant.id, version: 1 });
      expect(repair.dueAt).not.toBeNull();
      const n = await notes(pm.client);
      expect(n.items.map((i) => i.kind)).toContain('repair.submitted');
      expect(n.items.find((i) => i.kind === 'repair.submitted')!.link).toBe(`/service/repairs?id=${repair.id}`);
      // The other tenant neither lists nor opens it.
      const list = (await otherTenant.client.req('GET', '/api/repairs')).body as { items: StoredRecord[] };
      expect(list.items.map((i) => i.id)).not.toContain(repair.id);
      expect((await otherTenant.client.req('GET', `/api/repairs/${repair.id}`)).status).toBe(404);
      expect((await tenant.client.req('GET', `/api/repairs?objectIdx=${roomA}`)).body).toMatchObject({ items: [{ id: repair.id }] });
      // Search finds it by a Chinese substring.
      expect(((await pm.client.req('GET', `/api/repairs?q=${encodeURIComponent('制冷')}`)).body as { items: StoredRecord[] }).items.map((i) => i.id)).toContain(repair.id);
    });

    it('the property manager assigns and dispatches; only an assignee works it; the tenant is pushed, mailed and posted', async () => {
      expect((await tenant.client.req('PUT', `/api/repairs/${repair.id}/assignees`, { version: 1, assignees: [tech.id] })).status).toBe(403);
      const early = await fire(pm.client, 'dispatch', 1);
      expect(early.status).toBe(409);
      expect(early.text).toMatch(/assign someone first/);
      const who = (await pm.client.req('GET', '/api/repairs/assignable')).body as { users: { id: string }[] };
      expect(who.users.map((u) => u.id)).toEqual(expect.arrayContaining([tech.id, tech2.id]));
      expect(who.users.map((u) => u.id)).not.toContain(pm.id);
      const a = await pm.client.req('PUT', `/api/repairs/${repair.id}/assignees`, { version: 1, assignees: [tech.id] });
      expect(a.status, a.text).toBe(200);
      expect((await notes(tech.client)).items.map((i) => i.kind)).toContain('repair.assigned');
      expect((await fire(pm.client, 'dispatch', 2)).status).toBe(200);
      expect((await notes(tech.client)).items.map((i) => i.kind)).toContain('repair.dispatched');
      expect((await fire(tech2.client, 'start', 3)).text).toMatch(/only an assignee/);
      expect((await fire(pm.client, 'start', 3)).status).toBe(403); // property managers do not hold repairs:work
      expect((await fire(tech.client, 'start', 3)).status).toBe(200);
      const before = pushed.length;
      expect((await fire(tech.client, 'finish', 4)).status).toBe(200);
      await until(() => pushed.slice(before).some((m) => m.type === 'notification'));
      const push = pushed.slice(before).find((m) => m.type === 'notification') as unknown as { unread: number; notification: { kind: string } };
      expect(push.notification.kind).toBe('repair.done');
      expect(push.unread).toBe((await notes(tenant.client)).unread);
      await until(() => smtp.mails.length > 0 && hook.bodies.length > 0);
      expect(smtp.mails[0]!.to).toEqual(['tenant@jia.test']);
      expect(smtp.mails[0]!.data).toMatch(/Subject: /);
      expect(hook.bodies[0]).toMatchObject({ msgtype: 'markdown', markdown: { content: expect.stringContaining('空调不制冷') } });
      const row = await s.server.sc.db.query<{ outbound: string[]; outbound_error: string | null }>(
        "SELECT outbound, outbound_error FROM kit_notification WHERE kind = 'repair.done'");
      expect(row.rows[0]).toMatchObject({ outbound: [], outbound_error: null });
    });

    it('the tenant rates it (reporter only, rating required) and the record closes', async () => {
      await reload();
      expect(repair.state).toBe('done');
      expect((await fire(pm.client, 'rate', repair.version, { rating: 5 })).text).toMatch(/only the reporter/);
      expect((await fire(tenant.client, 'rate', repair.version, { rating: 9 })).status).toBe(400);
      const none = await fire(tenant.client, 'rate', repair.version);
      expect(none.status).toBe(400);
      expect(none.text).toMatch(/requires rating/);
      // The tenant is offered the transition before giving a rating.
      expect(((await tenant.client.req('GET', `/api/repairs/${repair.id}`)).body as { allowed: string[] }).allowed).toEqual(['rate', 'rework']);
      const ok = await fire(tenant.client, 'rate', repair.version, { rating: 5, feedback: '很快' });
      expect(ok.status, ok.text).toBe(200);
      expect((ok.body as StoredRecord)).toMatchObject({ state: 'closed', data: { rating: 5, feedback: '很快' } });
      const audit = await s.server.sc.db.query<{ action: string }>('SELECT action FROM audit_log WHERE object = $1 AND outcome = $2 ORDER BY seq', [`repair:${repair.id}`, 'success']);
      expect(audit.rows.map((r) => r.action)).toEqual(['repair.create', 'repair.assign', 'repair.transition.dispatch', 'repair.transition.start',
        'repair.transition.finish', 'repair.transition.rate']);
      // A closed record cannot be edited.
      expect((await pm.client.req('PATCH', `/api/repairs/${repair.id}`, { version: repair.version + 1, data: { urgency: 'normal' } })).status).toBe(409);
    });

    it('attachments: allowed types and size only, downloaded as attachments with nosniff, not by another tenant', async () => {
      const url = `${s.server.url}/api/repairs/${repair.id}/attachments`;
      const send = (c: HttpClient, name: string, type: string, body: Buffer) => fetch(`${url}?name=${encodeURIComponent(name)}`, {
        method: 'POST', body, headers: { 'Content-Type': type, 'X-CSRF-Token': c.cookies.get('twin_csrf')!, Cookie: [...c.cookies].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('; ') },
      });
      const ok = await send(tenant.client, '现场照片.png', 'image/png', PNG);
      expect(ok.status, await ok.clone().text()).toBe(201);
      const { id } = (await ok.json()) as { id: number };
      expect((await send(tenant.client, 'x.html', 'text/html', Buffer.from('<script>alert(1)</script>'))).status).toBe(415);
      expect((await send(tenant.client, 'fake.png', 'image/png', Buffer.from('<html><script>alert(1)</script>'))).status).toBe(415);
      expect((await send(tenant.client, 'big.png', 'image/png', Buffer.concat([PNG, Buffer.alloc(10 * 1024 * 1024)]))).status).toBe(413);
      const dl = await tenant.client.req('GET', `/api/repairs/${repair.id}/attachments/${id}`);
      expect(dl.status).toBe(200);
      expect(dl.headers.get('content-disposition')).toMatch(/^attachment; /);
      expect(dl.headers.get('content-disposition')).toContain(encodeURIComponent('现场照片.png'));
      expect(dl.headers.get('x-content-type-options')).toBe('nosniff');
      expect(dl.headers.get('content-security-policy')).toContain('sandbox');
      expect(dl.headers.get('content-type')).toBe('application/octet-stream');
      expect((await otherTenant.client.req('GET', `/api/repairs/${repair.id}/attachments/${id}`)).status).toBe(404);
      const detail = (await tenant.client.req('GET', `/api/repairs/${repair.id}`)).body as { attachments: { name: string; size: number }[] };
      expect(detail.attachments).toEqual([expect.objectContaining({ name: '现场照片.png', size: PNG.length })]);
    });

    it('exports the filtered list as CSV and Excel in the chosen language', async () => {
      const csv = await pm.client.req('GET', '/api/repairs/export?format=csv&lang=zh&f.category=hvac');
      expect(csv.status).toBe(200);
      expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="repair\.csv"/);
      const raw = await fetch(`${s.server.url}/api/repairs/export?format=csv`, { headers: { Cookie: [...pm.client.cookies].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('; ') } });
      expect([...new Uint8Array(await raw.arrayBuffer()).slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // BOM: spreadsheets read UTF-8
      const lines = csv.text.replace(/^\uFEFF/, '').trim().split('\r\n');
      expect(lines[0]).toBe('编号,问题概述,类别,紧急程度,位置,状态,时限,提交人,创建时间');
      expect(lines.some((l) => l.startsWith(`${repair.id},空调不制冷,空调暖通,紧急,`) && l.includes(',已完结,'))).toBe(true);
      const res = await fetch(`${s.server.url}/api/repairs/export?format=xlsx&lang=en`, { headers: { Cookie: [...pm.client.cookies].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('; ') } });
      expect(res.status).toBe(200);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as never);
      const sheet = wb.worksheets[0]!;
      expect(sheet.getRow(1).getCell(2).value).toBe('Summary');
      expect(sheet.getRow(2).getCell(6).value).toBe('Closed');
      // The other tenant's export holds none of it.
      const other = await otherTenant.client.req('GET', '/api/repairs/export?format=csv');
      expect(other.text.replace(/^\uFEFF/, '').trim().split('\r\n')).toHaveLength(1);
    });

    it('an overdue request is escalated once to the property managers (audited)', async () => {
      const r = await tenant.client.req('POST', '/api/repairs', { objectIdx: roomA, data: { title: '灯管闪烁', category: 'lighting', urgency: 'normal' } });
      const id = (r.body as StoredRecord).id;
      const def = repairEntity(s.server.sc);
      expect(await escalateOverdue(s.server.sc, def)).toBe(0);
      s.clock.advanceMinutes(31);
      // Half an hour idles every session out: sign in again.
      for (const u of [tenant, otherTenant, pm, tech, tech2]) await u.client.login(u.username, u.password);
      expect(await escalateOverdue(s.server.sc, def)).toBe(1);
      expect(await escalateOverdue(s.server.sc, def)).toBe(0);
      const n = await notes(pm.client);
      expect(n.items.filter((i) => i.kind === 'repair.overdue').map((i) => i.link)).toEqual([`/service/repairs?id=${id}`]);
      const a = await s.server.sc.db.query('SELECT 1 FROM audit_log WHERE action = $1 AND object = $2', ['repair.escalate', `repair:${id}`]);
      expect(a.rows).toHaveLength(1);
      const rec = (await pm.client.req('GET', `/api/repairs/${id}`)).body as { record: StoredRecord };
      expect(rec.record.escalatedAt).not.toBeNull();
    });

    it('mark read lowers the unread count; nobody reads another user\'s notifications', async () => {
      const n = await notes(pm.client);
      expect(n.unread).toBeGreaterThan(0);
      expect((await pm.client.req('POST', '/api/notifications/read', { all: true })).body).toEqual({ unread: 0 });
      expect((await notes(pm.client)).unread).toBe(0);
      const mine = await s.server.sc.db.query<{ id: number }>('SELECT id FROM kit_notification WHERE user_id = $1 AND read_at IS NULL LIMIT 1', [tenant.id]);
      if (mine.rows[0]) {
        await pm.client.req('POST', '/api/notifications/read', { ids: [Number(mine.rows[0].id)] });
        const still = await s.server.sc.db.query('SELECT read_at FROM kit_notification WHERE id = $1', [mine.rows[0].id]);
        expect(still.rows[0]).toMatchObject({ read_at: null });
      }
      expect((await pm.client.req('PUT', '/api/notifications/prefs', { email: null, channels: { '*': ['fax'] } })).status).toBe(400);
    });

    it('sample data: requests in every state on leased rooms, once', async () => {
      const def = repairEntity(s.server.sc);
      const before = (await s.server.sc.db.query<{ n: number }>("SELECT count(*)::int AS n FROM kit_record WHERE entity = 'repair'")).rows[0]!.n;
      await s.server.sc.db.query("DELETE FROM kit_record WHERE entity = 'repair'");
      await seedRepairs(s.server.sc, def, parkIdx);
      await seedRepairs(s.server.sc, def, parkIdx);
      const rows = await s.server.sc.db.query<{ state: string; n: number }>("SELECT state, count(*)::int AS n FROM kit_record WHERE entity = 'repair' GROUP BY state");
      const by = Object.fromEntries(rows.rows.map((r) => [r.state, r.n]));
      expect(Object.keys(by).sort()).toEqual(['assigned', 'cancelled', 'closed', 'in_progress', 'submitted', 'done'].sort());
      expect(Object.values(by).reduce((a, b) => a + b, 0)).toBe(12);
      expect(before).toBeGreaterThan(0);
      const list = (await tenant.client.req('GET', '/api/repairs?limit=50')).body as { items: StoredRecord[] };
      expect(list.items.length).toBeGreaterThan(0);
      expect(list.items.every((i) => i.objectIdx === roomA)).toBe(true);
    });
  });
}
