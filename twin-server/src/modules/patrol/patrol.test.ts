/**
 * Guard patrol and access control on both backends through the real server and auth platform
 * (issue 15, G5 items 3 and 4): a route's schedule plans a round, scans mark its visits, a
 * checkpoint not visited in time raises one alarm (with its rule, so the console names it in
 * both languages) and the round closes incomplete; forced and held-open doors raise alarms; a
 * visitor pass outside its window, revoked or unknown is refused at the access point; watch-list
 * hits at biometric terminals are stored (no image accepted) and raise an alarm; bad input (unknown
 * park, device, checkpoint or entry, malformed events) is a clear 4xx with nothing written; the
 * sample data is seeded once. The clock is the test's, so nothing depends on today's date.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { healthModule } from '../health.ts';
import { createLiveModule } from '../live.ts';
import { startAuthServer, type AuthTestServer, type HttpClient } from '../../auth/testing.ts';
import { seedPark } from '../../seed/index.ts';
import { notificationsModule } from '../../kit/notifications/module.ts';
import { alarmsModule } from '../alarms/index.ts';
import { patrolModule } from './index.ts';
import { patrolRuntimeOf } from './service.ts';
import { seedPatrol } from './seed.ts';
import { startSecuritySim } from '../../sim/security.ts';
import { createLogger } from '../../log.ts';
import { mayPublish, mosquittoAcl, registerDeviceTopics } from '../../ingest/identity.ts';

/** The start of the next 5-minute round after `t` (the sample perimeter schedule). */
const PatrolRuntimeStart = (t: number) => Math.ceil(t / 300_000) * 300_000;

type Round = { id: number; state: string; visits: Array<{ n: number; tag: string; state: string; alarm: number | null; guard: string | null }> };

describe('event topics and the device ACL', () => {
  it('a device may publish only its own security events, of the known kinds', () => {
    const gate = { name: 'GATE-S-AC1', kind: 'device' as const };
    expect(mayPublish(gate, 'park/p1/events/GATE-S-AC1/access')).toBe(true);
    expect(mayPublish(gate, 'park/p1/events/GATE-S-AC1/watchlist')).toBe(true);
    expect(mayPublish(gate, 'park/p1/events/GATE-S-AC1/patrol')).toBe(true);
    expect(mayPublish(gate, 'park/p1/events/GATE-N-AC1/access')).toBe(false);
    expect(mayPublish(gate, 'park/p1/events/GATE-S-AC1/image')).toBe(false);
    expect(mayPublish(gate, 'park/+/events/GATE-S-AC1/access')).toBe(false);
    expect(mayPublish(gate, 'park/p1/cmd/GATE-S-AC1/res')).toBe(true);
    expect(mayPublish(gate, 'park/p1/cmd/GATE-S-AC1/req')).toBe(false);
  });
  it('a module adds its device topics (catering face checkout) to the ACL and to mayPublish while it is on', () => {
    const till = { name: 'CANTEEN-1-FACE', kind: 'device' as const };
    registerDeviceTopics([]);
    expect(mayPublish(till, 'park/p1/catering/CANTEEN-1-FACE/face')).toBe(false);
    expect(mosquittoAcl()).not.toContain('catering');
    registerDeviceTopics([{ name: 'catering', deviceTopics: [{ segment: 'catering', leaf: 'face' }] }]);
    expect(mayPublish(till, 'park/p1/catering/CANTEEN-1-FACE/face')).toBe(true);
    expect(mayPublish(till, 'park/p1/catering/CANTEEN-2-FACE/face')).toBe(false);
    expect(mayPublish(till, 'park/p1/catering/CANTEEN-1-FACE/order')).toBe(false);
    expect(mayPublish(till, 'park/p1/events/CANTEEN-1-FACE/access')).toBe(true);
    expect(mosquittoAcl()).toContain('pattern write park/+/catering/%u/face');
    expect(() => registerDeviceTopics([{ name: 'x', deviceTopics: [{ segment: 'cmd', leaf: 'req' }] }])).toThrow(/lower-case topic levels/);
    registerDeviceTopics([]);
  });
});

for (const backend of ['pglite', 'postgres'] as const) {
  describe.skipIf(backend === 'postgres' && inject('pgMissing') !== null)(`guard patrol and access control [${backend}]`, () => {
    let s: AuthTestServer;
    let op: HttpClient;
    let viewer: HttpClient;
    const park = 'patrol';
    let parkIdx = 0;
    let aps: Array<{ idx: number; code: string }> = [];
    let bio: { idx: number; code: string };
    // The test's clock: the start of a round 10 s after a whole hour of some day.
    let now = Date.UTC(2026, 4, 12, 9, 0, 10);
    const clock = () => now;

    const event = (device: string, kind: string, body: Record<string, unknown>) => op.req('POST', '/api/patrol/events', { park, device, kind, event: body });
    const count = async (table: string) => Number((await s.server.sc.db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
    const rounds = async () => ((await op.req('GET', `/api/patrol/rounds?park=${park}`)).body as { rounds: Round[] }).rounds;

    beforeAll(async () => {
      s = await startAuthServer(backend, { modules: [healthModule, createLiveModule({ mqtt: false }), notificationsModule(), alarmsModule(), patrolModule({ clock, tickMs: 3_600_000 })] });
      const db = s.server.sc.db;
      await seedPark(db, { seed: 5, scale: 0.05, code: park });
      parkIdx = Number((await db.query<{ idx: number }>('SELECT idx FROM park WHERE code = $1', [park])).rows[0]!.idx);
      aps = (await db.query<{ idx: number; code: string }>('SELECT e.idx, e.code FROM equipment e JOIN access_point ap ON ap.idx = e.idx WHERE e.park_idx = $1 AND NOT ap.biometric ORDER BY e.idx LIMIT 4', [parkIdx])).rows;
      expect(aps.length).toBeGreaterThanOrEqual(4);
      const b = await db.query<{ idx: number; code: string }>('SELECT e.idx, e.code FROM equipment e JOIN access_point ap ON ap.idx = e.idx WHERE e.park_idx = $1 AND e.idx <> ALL($2::int[]) ORDER BY e.idx LIMIT 1', [parkIdx, aps.map((a) => a.idx)]);
      bio = b.rows[0]!;
      await db.query('UPDATE access_point SET biometric = true WHERE idx = $1', [bio.idx]);
      await seedPatrol(db, parkIdx, now);
      op = (await s.userWith(['security_operator'])).client;
      viewer = (await s.userWith(['leadership_viewer'])).client;
    }, 180_000);
    afterAll(async () => {
      await s?.server.stop();
    });

    it('sample data: readers, two routes with schedules, a watch list and passes; a second seed adds nothing', async () => {
      const r = (await viewer.req('GET', `/api/patrol/routes?park=${park}`)).body as { routes: Array<{ code: string; checkpoints: Array<{ tag: string; name: string | null }>; schedules: Array<{ everyS: number }> }> };
      expect(r.routes.map((x) => x.code).sort()).toEqual(['building', 'perimeter']);
      const per = r.routes.find((x) => x.code === 'perimeter')!;
      expect(per.checkpoints.length).toBeGreaterThan(0);
      expect(per.checkpoints[0]!.name).toBeTruthy();
      expect(per.schedules[0]!.everyS).toBe(300);
      const before = [await count('patrol_route'), await count('patrol_checkpoint'), await count('visitor_pass'), await count('watchlist_entry'), await count('patrol_reader')];
      await seedPatrol(s.server.sc.db, parkIdx, now);
      expect([await count('patrol_route'), await count('patrol_checkpoint'), await count('visitor_pass'), await count('watchlist_entry'), await count('patrol_reader')]).toEqual(before);
      const passes = (await viewer.req('GET', `/api/patrol/passes?park=${park}`)).body as { passes: Array<{ status: string }> };
      expect(passes.passes.map((p) => p.status).sort()).toEqual(['expired', 'not_yet', 'valid']);
    });

    it('a scheduled round: a scan marks its visit, a checkpoint not visited in time raises one alarm, the round closes incomplete', async () => {
      // Only the test's route plans rounds here.
      await s.server.sc.db.query('UPDATE patrol_schedule SET enabled = false');
      const offsetS = Math.floor((now % 86_400_000) / 1000) - 10;
      const created = await op.req('POST', '/api/patrol/routes', {
        park, code: 'night', name: { zh: '夜间巡更', en: 'Night round' },
        checkpoints: aps.slice(0, 3).map((a, i) => ({ tag: `N-${i + 1}`, idx: a.idx, dueS: 30 * (i + 1) })), schedule: { everyS: 3600, offsetS, graceS: 10 },
      });
      expect(created.status, created.text).toBe(201);
      const rt = patrolRuntimeOf(s.server.sc)!;
      expect(await rt.tick(now)).toEqual({ planned: 1, missed: 0 });
      expect(await rt.tick(now)).toEqual({ planned: 0, missed: 0 });
      const start = now - 10_000;
      const scan1 = { id: randomUUID(), tag: 'N-1', ts: start + 20_000 };
      const a = await event('GUARD-PDA-01', 'patrol', scan1);
      expect(a.status, a.text).toBe(202);
      expect(a.body).toMatchObject({ outcome: 'visited', duplicate: false });
      // The same event again (a redelivery): stored once.
      expect((await event('GUARD-PDA-01', 'patrol', scan1)).body).toMatchObject({ duplicate: true });
      expect(Number((await s.server.sc.db.query<{ n: string }>('SELECT count(*) AS n FROM patrol_scan WHERE id = $1', [scan1.id])).rows[0]!.n)).toBe(1);
      // N-2 was due 60 s after the start, with 10 s of grace: at +75 s it is missed.
      now = start + 75_000;
      expect(await rt.tick(now)).toEqual({ planned: 0, missed: 1 });
      expect((await rt.tick(now)).missed).toBe(0);
      let r = (await rounds()).find((x) => x.visits.some((v) => v.tag === 'N-1'))!;
      expect(r.visits.map((v) => v.state)).toEqual(['visited', 'missed', 'pending']);
      expect(r.visits[0]!.guard).toBe('保安 张伟');
      const alarmId = r.visits[1]!.alarm!;
      expect(alarmId).toBeGreaterThan(0);
      const alarm = (await op.req('GET', `/api/alarm-console/alarms/${alarmId}`)).body as { alarm: { kind: string; idx: number; severity: number; ruleName: { zh: string; en: string }; template: { zh: string }; params: Record<string, unknown> } };
      expect(alarm.alarm).toMatchObject({ kind: 'patrol_missed', idx: aps[1]!.idx, severity: 2, ruleName: { zh: '巡更漏检', en: 'Missed patrol checkpoint' }, params: { tag: 'N-2', route: 'night' } });
      expect(alarm.alarm.template.zh).toContain('{tag}');
      // A late scan of N-2 is recorded but does not undo the miss; N-3 in time closes the round, incomplete.
      expect((await event('GUARD-PDA-02', 'patrol', { id: randomUUID(), tag: 'N-2', ts: now })).body).toMatchObject({ outcome: 'recorded' });
      expect((await event('GUARD-PDA-02', 'patrol', { id: randomUUID(), tag: 'N-3', ts: now })).body).toMatchObject({ outcome: 'visited' });
      r = (await rounds()).find((x) => x.id === r.id)!;
      expect(r.state).toBe('incomplete');
      expect(r.visits.map((v) => v.state)).toEqual(['visited', 'missed', 'visited']);
      expect(Number((await s.server.sc.db.query<{ n: string }>("SELECT count(*) AS n FROM alarm WHERE kind = 'patrol_missed'")).rows[0]!.n)).toBe(1);
    });

    it('access events: forced and held open raise alarms; a pass outside its window, revoked or unknown is refused; a valid one granted', async () => {
      const forced = await event(aps[0]!.code, 'access', { id: randomUUID(), event: 'forced_open', ts: now });
      expect(forced.status, forced.text).toBe(202);
      expect(forced.body).toMatchObject({ outcome: 'alarm', alarm: expect.any(Number) });
      const held = await event(aps[1]!.code, 'access', { id: randomUUID(), event: 'held_open', heldSeconds: 95, ts: now });
      expect(held.body).toMatchObject({ outcome: 'alarm' });
      const kinds = (await s.server.sc.db.query<{ kind: string; severity: number; params: Record<string, unknown>; rule_id: number | null }>(
        "SELECT kind, severity, params, rule_id FROM alarm WHERE kind IN ('door_forced_open', 'door_held_open') ORDER BY kind")).rows;
      expect(kinds.map((k) => [k.kind, k.severity, k.rule_id !== null])).toEqual([['door_forced_open', 3, true], ['door_held_open', 2, true]]);
      expect(kinds[1]!.params).toMatchObject({ seconds: 95 });

      const mk = async (fromH: number, toH: number) => {
        const r = await op.req('POST', '/api/patrol/passes', { park, visitor: '访客', host: '园区管理处', validFrom: new Date(now + fromH * 3_600_000).toISOString(), validTo: new Date(now + toH * 3_600_000).toISOString() });
        expect(r.status, r.text).toBe(201);
        return r.body as { id: number; code: string; status: string };
      };
      const valid = await mk(-1, 2);
      const later = await mk(3, 5);
      const revoked = await mk(-1, 2);
      expect([valid.status, later.status]).toEqual(['valid', 'not_yet']);
      expect((await op.req('POST', `/api/patrol/passes/${revoked.id}/revoke`, {})).status).toBe(200);
      expect((await op.req('POST', `/api/patrol/passes/${revoked.id}/revoke`, {})).status).toBe(409);
      const swipe = async (code: string) => (await event(aps[2]!.code, 'access', { id: randomUUID(), event: 'granted', pass: code, ts: now })).body as { outcome: string; reason: string | null };
      expect(await swipe(valid.code)).toMatchObject({ outcome: 'granted', reason: null });
      expect(await swipe(later.code)).toMatchObject({ outcome: 'refused', reason: expect.stringContaining('valid') });
      expect(await swipe(revoked.code)).toMatchObject({ outcome: 'refused', reason: 'visitor pass revoked' });
      expect(await swipe('NOPASS99')).toMatchObject({ outcome: 'refused', reason: 'unknown visitor pass' });
      const list = (await viewer.req('GET', `/api/patrol/access-events?park=${park}&outcome=refused`)).body as { events: Array<{ pass: string; outcome: string; name: string | null }> };
      expect(list.events.map((e) => e.pass).sort()).toEqual([later.code, revoked.code, 'NOPASS99'].sort());
      expect(list.events[0]!.name).toBeTruthy();
      // A pass longer than 30 days, or ending before it starts: 422, nothing issued.
      const n0 = await count('visitor_pass');
      expect((await op.req('POST', '/api/patrol/passes', { park, visitor: 'x', host: 'y', validFrom: '2026-01-01T00:00:00Z', validTo: '2026-03-01T00:00:00Z' })).status).toBe(422);
      expect((await op.req('POST', '/api/patrol/passes', { park, visitor: 'x', host: 'y', validFrom: '2026-01-02T00:00:00Z', validTo: '2026-01-01T00:00:00Z' })).status).toBe(422);
      expect((await op.req('POST', '/api/patrol/passes', { park, visitor: '', host: 'y', validFrom: '2026-01-01T00:00:00Z', validTo: '2026-01-01T10:00:00Z' })).status).toBe(400);
      expect(await count('visitor_pass')).toBe(n0);
    });

    it('watch-list hits: stored with an alarm at a biometric terminal; an image is refused; a plain reader cannot report them', async () => {
      const hit = await event(bio.code, 'watchlist', { id: randomUUID(), entry: 'WL-001', score: 0.93, ts: now });
      expect(hit.status, hit.text).toBe(202);
      expect(hit.body).toMatchObject({ outcome: 'hit', alarm: expect.any(Number) });
      const w = (await viewer.req('GET', `/api/patrol/watchlist?park=${park}`)).body as { entries: unknown[]; hits: Array<{ entry: string; score: number; device: string }> };
      expect(w.entries).toHaveLength(2);
      expect(w.hits[0]).toMatchObject({ entry: 'WL-001', device: bio.code });
      const n0 = await count('watchlist_hit');
      const img = await event(bio.code, 'watchlist', { id: randomUUID(), entry: 'WL-001', score: 0.9, image: 'iVBORw0KGgo=' });
      expect(img.status).toBe(400);
      expect(img.text).toMatch(/image/);
      const plain = await event(aps[0]!.code, 'watchlist', { id: randomUUID(), entry: 'WL-001', score: 0.9 });
      expect(plain.status).toBe(422);
      expect(plain.text).toMatch(/not a biometric terminal/);
      expect(await count('watchlist_hit')).toBe(n0);
    });

    it('bad input: unknown park, device, checkpoint or entry 404; malformed 400 naming the field; readers cannot post; nothing written', async () => {
      const tables = ['patrol_scan', 'access_event', 'watchlist_hit', 'alarm', 'patrol_route', 'patrol_checkpoint'];
      const before = await Promise.all(tables.map(count));
      const refusedBefore = patrolRuntimeOf(s.server.sc)!.stats.refused;
      const cases: Array<[Record<string, unknown>, number, RegExp]> = [
        [{ park: 'nowhere', device: 'GUARD-PDA-01', kind: 'patrol', event: { id: randomUUID(), tag: 'N-1' } }, 404, /unknown park nowhere/],
        [{ park, device: 'GUARD-PDA-99', kind: 'patrol', event: { id: randomUUID(), tag: 'N-1' } }, 404, /unknown patrol reader GUARD-PDA-99/],
        [{ park, device: 'GUARD-PDA-01', kind: 'patrol', event: { id: randomUUID(), tag: 'NOPE-1' } }, 404, /unknown checkpoint NOPE-1/],
        [{ park, device: 'GUARD-PDA-01', kind: 'patrol', event: { id: 'not-a-uuid', tag: 'N-1' } }, 400, /id/],
        [{ park, device: 'GUARD-PDA-01', kind: 'patrol', event: { id: randomUUID(), tag: 'N-1', ts: now + 3_600_000 } }, 400, /ts/],
        [{ park, device: 'NO-SUCH-DOOR', kind: 'access', event: { id: randomUUID(), event: 'granted' } }, 404, /unknown access point NO-SUCH-DOOR/],
        [{ park, device: aps[0]!.code, kind: 'access', event: { id: randomUUID(), event: 'exploded' } }, 400, /event/],
        [{ park, device: aps[0]!.code, kind: 'access', event: { id: randomUUID(), event: 'forced_open', pass: 'V1234' } }, 400, /pass/],
        [{ park, device: bio.code, kind: 'watchlist', event: { id: randomUUID(), entry: 'WL-404', score: 0.9 } }, 404, /unknown watch-list entry WL-404/],
        [{ park, device: bio.code, kind: 'watchlist', event: { id: randomUUID(), entry: 'WL-001', score: 7 } }, 400, /score/],
        [{ park, device: bio.code, kind: 'teleport', event: {} }, 400, /kind/],
      ];
      for (const [body, status, text] of cases) {
        const r = await op.req('POST', '/api/patrol/events', body);
        expect(r.status, `${JSON.stringify(body)}: ${r.text}`).toBe(status);
        expect(r.text).toMatch(text);
      }
      // Refusals of the runtime are counted (the MQTT path logs them the same way).
      expect(patrolRuntimeOf(s.server.sc)!.stats.refused - refusedBefore).toBe(10);
      expect((await viewer.req('POST', '/api/patrol/events', { park, device: aps[0]!.code, kind: 'access', event: { id: randomUUID(), event: 'granted' } })).status).toBe(403);
      const route = (cp: Record<string, unknown>, code = 'bad') => op.req('POST', '/api/patrol/routes', { park, code, name: { zh: '坏', en: 'Bad' }, checkpoints: [cp], schedule: { everyS: 600 } });
      expect((await route({ tag: 'X-1', idx: 99_999_999, dueS: 60 })).status).toBe(422);
      expect((await route({ tag: 'X-1', idx: aps[0]!.idx, dueS: 1 })).status).toBe(400);
      expect((await route({ tag: 'X-1', idx: aps[0]!.idx, dueS: 60 }, 'night')).status).toBe(409);
      expect((await op.req('POST', '/api/patrol/routes', { park, code: 'dup', name: { zh: '重', en: 'Dup' }, checkpoints: [{ tag: 'D', idx: aps[0]!.idx, dueS: 60 }, { tag: 'D', idx: aps[1]!.idx, dueS: 90 }], schedule: { everyS: 600 } })).status).toBe(422);
      expect(await Promise.all(tables.map(count))).toEqual(before);
      const audit = await s.server.sc.db.query<{ outcome: string }>("SELECT outcome FROM audit_log WHERE action = 'patrol_route.create' ORDER BY seq");
      expect(audit.rows.filter((a) => a.outcome === 'failure').length).toBe(3);
    });

    it('the simulator: over ten simulated minutes guards scan the sample rounds, skip a checkpoint now and then (missed alarms), doors and terminals report, a perimeter intrusion is published', async () => {
      const db = s.server.sc.db;
      await db.query("UPDATE patrol_schedule SET enabled = (route_id IN (SELECT id FROM patrol_route WHERE code = 'perimeter'))");
      const rt = patrolRuntimeOf(s.server.sc)!;
      const published: Array<{ topic: string; body: Record<string, unknown> }> = [];
      const handled: Promise<unknown>[] = [];
      const client = {
        connected: true,
        publish(topic: string, payload: string) {
          const body = JSON.parse(payload) as Record<string, unknown>;
          published.push({ topic, body });
          const [, p, kind, device, ev] = topic.split('/') as [string, string, string, string, string?];
          if (kind === 'events' && ev) handled.push(rt.handle(p, device, ev as 'patrol', body).catch((err: unknown) => err));
        },
      };
      // A low-discrepancy sequence instead of Math.random: every range of chances is hit, the test is repeatable.
      let k = 0;
      const rand = () => ((++k * 0.618_033_988_75) % 1);
      const sim = startSecuritySim({ db, client: client as never, log: createLogger('silent'), everyMs: 3_600_000, rand, chances: { skip: 0.25, forced: 0.02, held: 0.02, watch: 0.02, intrusion: 0.02 } });
      const t0 = PatrolRuntimeStart(now);
      const missedBefore = rt.stats.missed;
      for (let t = t0; t <= t0 + 600_000; t += 2000) {
        now = t;
        await rt.tick(t);
        await sim.tick(t);
        await Promise.all(handled.splice(0));
      }
      sim.close();
      expect(sim.stats.scans).toBeGreaterThan(3);
      expect(sim.stats.skipped).toBeGreaterThan(0);
      expect(rt.stats.missed - missedBefore).toBe(sim.stats.skipped);
      expect(sim.stats.access).toBeGreaterThan(5);
      expect(sim.stats.intrusions).toBeGreaterThan(0);
      expect(published.some((m) => m.topic.endsWith('/access') && m.body.event === 'forced_open')).toBe(true);
      expect(published.some((m) => /\/security\//.test(m.topic) && m.body.event === 'intrusion')).toBe(true);
      const rs = (await rounds()).filter((r) => r.visits.length && r.state !== 'open');
      expect(rs.length).toBeGreaterThanOrEqual(1);
      expect(rs.some((r) => r.visits.some((v) => v.state === 'visited'))).toBe(true);
      const refusedSwipes = Number((await db.query<{ n: string }>("SELECT count(*) AS n FROM access_event WHERE outcome = 'refused' AND pass_code IS NOT NULL")).rows[0]!.n);
      expect(refusedSwipes).toBeGreaterThan(0);
    }, 120_000);
  });
}
