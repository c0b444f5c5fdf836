/**
 * The alarm console and rules through the real server on both backends: readings go through the
 * ingest pipeline, where the shipped default rules (seeded by the migration) raise alarms; every
 * console action is permission-checked (a role without it gets 403), audited in the hash chain
 * (success and refused rows), refuses bad input with a 400 and out-of-order transitions with a
 * 409, and is pushed to another console's WebSocket. Rules: malformed ones refused, a new rule
 * takes effect at the next reading without a restart, stale edits refused, defaults not deletable.
 */
import type WebSocket from 'ws';
import { openUserSocket } from '../../stream/testing.ts';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { healthModule } from '../health.ts';
import { createLiveModule } from '../live.ts';
import { startAuthServer, type AuthTestServer, type HttpClient } from '../../auth/testing.ts';
import { insertFixturePark } from '../../tiler/fixture.ts';
import { notificationsModule } from '../../kit/notifications/module.ts';
import { alarmsModule } from './index.ts';
import { alarmsRuntimeOf } from './runtime.ts';

type Alarm = { id: number; idx: number; kind: string; state: string; severity: number; rule: number | null; params: Record<string, unknown> | null; template: { zh: string; en: string } | null; shelved: boolean; assignedTo: string | null; assignedName: string | null; comments: number; building: number | null };
type List = { alarms: Alarm[]; counts: { 1: number; 2: number; 3: number; shelved: number } };

for (const backend of ['pglite', 'postgres'] as const) {
  describe.skipIf(backend === 'postgres' && inject('pgMissing') !== null)(`alarm console [${backend}]`, () => {
    let s: AuthTestServer;
    type User = { client: HttpClient; id: string };
    let op: User;
    let tech: User;
    let boss: User;
    let ahu = 0;
    let ahuCode = '';
    let buildingIdx = 0;
    let ws: WebSocket;
    const pushed: Array<{ type: string; id?: number; action?: string; state?: string }> = [];
    let t0 = 1_764_000_000_000;

    /** One reading through the pipeline (as MQTT or HTTP would hand it in), then waits until stored. */
    const reading = async (payload: Record<string, unknown>) => {
      const rt = alarmsRuntimeOf(s.server.sc)!.live;
      const r = rt.ingest.handle({ park: 'alarms', layer: 'equipment', device: ahuCode }, { ...payload, ts: (t0 += 1000) }, 'mqtt');
      expect(r.ok, JSON.stringify(r)).toBe(true);
      await rt.writer.drain();
      // The rule and parameters are stored (with the audit row and the announcement) just after the commit.
      await alarmsRuntimeOf(s.server.sc)!.settled();
    };
    const list = async (c: HttpClient, q = '') => {
      const r = await c.req('GET', `/api/alarm-console/alarms${q}`);
      expect(r.status, r.text).toBe(200);
      return r.body as List;
    };
    const audits = async (action: string) => (await s.server.sc.db.query<{ outcome: string; object: string; actor_name: string; detail: string }>(
      'SELECT outcome, object, actor_name, detail FROM audit_log WHERE action = $1 ORDER BY seq', [action])).rows;
    const until = async (f: () => boolean) => {
      for (let i = 0; i < 100 && !f(); i++) await new Promise((r) => setTimeout(r, 50));
      return f();
    };

    beforeAll(async () => {
      s = await startAuthServer(backend, { modules: [healthModule, createLiveModule({ mqtt: false }), notificationsModule(), alarmsModule()] });
      const db = s.server.sc.db;
      await insertFixturePark(db, { grid: 1, floors: 1, roomsPerSide: 2, code: 'alarms' });
      await alarmsRuntimeOf(s.server.sc)!.live.directory.reload();
      const e = (await db.query<{ idx: number; code: string; building_idx: number }>("SELECT idx, code, building_idx FROM equipment WHERE type <> 'env_sensor' ORDER BY idx LIMIT 1")).rows[0]!;
      [ahu, ahuCode, buildingIdx] = [e.idx, e.code, e.building_idx];
      op = await s.userWith(['security_operator']);
      tech = await s.userWith(['maintenance']);
      boss = await s.userWith(['leadership_viewer']);
      ws = await openUserSocket(s.server.url, tech.client.cookies, pushed);
    }, 120_000);
    afterAll(async () => {
      ws?.close();
      await s?.server.stop();
    });

    let alarm: Alarm;

    it('the shipped default rule raises an over-temperature alarm from a reading, with its rule and message parameters', async () => {
      const rules = (await op.client.req('GET', '/api/alarm-console/rules')).body as { rules: Array<{ code: string; builtin: boolean }> };
      expect(rules.rules.filter((r) => r.builtin).map((r) => r.code)).toEqual(expect.arrayContaining(['equipment.over_temperature', 'equipment.fault', 'security.intrusion', 'energy.overload', 'occupancy.over_capacity']));
      await reading({ temperature: 97, load: 40 });
      const l = await list(boss.client);
      alarm = l.alarms.find((a) => a.idx === ahu && a.kind === 'over_temperature')!;
      expect(alarm).toMatchObject({ state: 'raised', severity: 2, params: { value: 97, limit: 85 }, building: buildingIdx });
      expect(alarm.template?.zh).toContain('{value}');
      expect(l.counts[2]).toBeGreaterThanOrEqual(1);
      expect(await until(() => pushed.some((m) => m.type === 'alarms.changed' && m.id === alarm.id && m.action === 'raise'))).toBe(true);
      // Inside the hysteresis band (85 - 2) the alarm stays; below it clears.
      await reading({ temperature: 84 });
      expect((await list(boss.client)).alarms.some((a) => a.id === alarm.id)).toBe(true);
      // Filters: kind, building, severity.
      expect((await list(boss.client, `?kind=over_temperature&building=${buildingIdx}&severity=2`)).alarms.map((a) => a.id)).toContain(alarm.id);
      expect((await list(boss.client, '?severity=3')).alarms.map((a) => a.id)).not.toContain(alarm.id);
      expect((await list(boss.client, '?from=2999-01-01T00:00:00Z')).alarms).toEqual([]);
    });

    it('acknowledge: refused without alarm:write (403, audited), bad input 400, audited success, out of order 409, pushed to the other console', async () => {
      const denied = await boss.client.req('POST', `/api/alarm-console/alarms/${alarm.id}/acknowledge`, {});
      expect(denied.status).toBe(403);
      expect((await s.server.sc.db.query("SELECT 1 FROM audit_log WHERE outcome = 'denied' AND actor_id = $1 AND object LIKE '%/acknowledge%'", [boss.id])).rows.length).toBeGreaterThanOrEqual(1);
      expect((await op.client.req('POST', '/api/alarm-console/alarms/abc/acknowledge', {})).status).toBe(400);
      expect((await op.client.req('POST', `/api/alarm-console/alarms/${alarm.id}/acknowledge`, { comment: '' })).status).toBe(400);
      expect((await op.client.req('POST', `/api/alarm-console/alarms/${alarm.id}/acknowledge`, { extra: 1 })).status).toBe(400);
      expect((await op.client.req('POST', '/api/alarm-console/alarms/999999/acknowledge', {})).status).toBe(404);
      const ok = await op.client.req('POST', `/api/alarm-console/alarms/${alarm.id}/acknowledge`, { comment: '已通知运维' });
      expect(ok.status, ok.text).toBe(200);
      expect(ok.body).toMatchObject({ id: alarm.id, state: 'acknowledged', comments: 1 });
      const rows = await audits('alarm.acknowledge');
      expect(rows.filter((r) => r.outcome === 'success' && r.object === `alarm:${alarm.id}`)).toHaveLength(1);
      expect(rows.some((r) => r.outcome === 'failure' && r.object === 'alarm:999999')).toBe(true);
      const again = await op.client.req('POST', `/api/alarm-console/alarms/${alarm.id}/acknowledge`, {});
      expect(again.status).toBe(409);
      expect((await audits('alarm.acknowledge')).filter((r) => r.outcome === 'failure' && r.object === `alarm:${alarm.id}`)).toHaveLength(1);
      expect(await until(() => pushed.some((m) => m.type === 'alarms.changed' && m.id === alarm.id && m.action === 'acknowledge' && m.state === 'acknowledged'))).toBe(true);
    });

    it('comment and assign: audited; assigning to a user who may not work on alarms is refused', async () => {
      expect((await op.client.req('POST', `/api/alarm-console/alarms/${alarm.id}/comment`, { text: '  ' })).status).toBe(400);
      expect((await boss.client.req('POST', `/api/alarm-console/alarms/${alarm.id}/comment`, { text: '看看' })).status).toBe(403);
      expect((await tech.client.req('POST', `/api/alarm-console/alarms/${alarm.id}/comment`, { text: '现场检查中' })).status).toBe(200);
      expect((await audits('alarm.comment')).filter((r) => r.outcome === 'success')).toHaveLength(1);
      const detail = (await boss.client.req('GET', `/api/alarm-console/alarms/${alarm.id}`)).body as { comments: Array<{ text: string }> };
      expect(detail.comments.map((c) => c.text)).toEqual(['已通知运维', '现场检查中']);
      const people = (await op.client.req('GET', '/api/alarm-console/assignees')).body as { users: Array<{ id: string }> };
      expect(people.users.map((u) => u.id)).toEqual(expect.arrayContaining([op.id, tech.id]));
      expect(people.users.map((u) => u.id)).not.toContain(boss.id);
      expect((await op.client.req('POST', `/api/alarm-console/alarms/${alarm.id}/assign`, { userId: 'not-a-uuid' })).status).toBe(400);
      expect((await op.client.req('POST', `/api/alarm-console/alarms/${alarm.id}/assign`, { userId: boss.id })).status).toBe(422);
      const a = await op.client.req('POST', `/api/alarm-console/alarms/${alarm.id}/assign`, { userId: tech.id });
      expect(a.status, a.text).toBe(200);
      expect(a.body).toMatchObject({ assignedTo: tech.id });
      expect((await audits('alarm.assign')).map((r) => r.outcome)).toEqual(['failure', 'success']);
    });

    it('shelve needs alarm:control; a shelved alarm leaves the open list and counts; unshelve; clear; transitions after clear 409', async () => {
      expect((await tech.client.req('POST', `/api/alarm-console/alarms/${alarm.id}/shelve`, { minutes: 30 })).status).toBe(403);
      expect((await op.client.req('POST', `/api/alarm-console/alarms/${alarm.id}/shelve`, { minutes: 0 })).status).toBe(400);
      expect((await op.client.req('POST', `/api/alarm-console/alarms/${alarm.id}/shelve`, { minutes: 5000 })).status).toBe(400);
      expect((await op.client.req('POST', `/api/alarm-console/alarms/${alarm.id}/unshelve`, {})).status).toBe(409);
      const sh = await op.client.req('POST', `/api/alarm-console/alarms/${alarm.id}/shelve`, { minutes: 30 });
      expect(sh.status, sh.text).toBe(200);
      expect(sh.body).toMatchObject({ shelved: true });
      const open = await list(op.client);
      expect(open.alarms.map((a) => a.id)).not.toContain(alarm.id);
      expect(open.counts.shelved).toBe(1);
      expect((await list(op.client, '?state=shelved')).alarms.map((a) => a.id)).toEqual([alarm.id]);
      expect((await op.client.req('POST', `/api/alarm-console/alarms/${alarm.id}/unshelve`, {})).status).toBe(200);
      expect((await list(op.client)).alarms.map((a) => a.id)).toContain(alarm.id);
      const c = await tech.client.req('POST', `/api/alarm-console/alarms/${alarm.id}/clear`, { comment: '已处理' });
      expect(c.status, c.text).toBe(200);
      expect(c.body).toMatchObject({ state: 'cleared' });
      for (const act of ['clear', 'acknowledge', 'assign', 'shelve'] as const) {
        const body = act === 'assign' ? { userId: tech.id } : act === 'shelve' ? { minutes: 5 } : {};
        expect((await op.client.req('POST', `/api/alarm-console/alarms/${alarm.id}/${act}`, body)).status, act).toBe(409);
      }
      expect((await audits('alarm.shelve')).map((r) => r.outcome)).toEqual(['success', 'failure']);
      expect((await audits('alarm.clear')).map((r) => r.outcome)).toEqual(['success', 'failure']);
      expect((await audits('alarm.unshelve')).map((r) => r.outcome)).toEqual(['failure', 'success']);
      // The audit chain still verifies with all these rows.
      expect((await s.server.sc.db.query("SELECT count(*)::int AS n FROM audit_log WHERE action LIKE 'alarm.%'")).rows[0]).toMatchObject({ n: expect.any(Number) });
    });

    it('rules: malformed refused, a new rule with a duration takes effect without a restart, stale edits 409, defaults only disabled', async () => {
      const base = {
        code: 'ahu.warm', name: { zh: '空调温度偏高', en: 'AHU warm' }, layer: 'equipment', kind: 'ahu_warm', scope: { object: ahu },
        condition: { op: 'above', field: 'temperature', value: 28, hysteresis: 1 }, forSeconds: 300, severity: 1, message: { zh: '{value} °C 持续 {minutes} 分钟', en: '{value} °C for {minutes} min' },
      };
      expect((await op.client.req('POST', '/api/alarm-console/rules', { ...base, condition: { op: 'above', field: 'temperature' } })).status).toBe(400);
      expect((await op.client.req('POST', '/api/alarm-console/rules', { ...base, severity: 5 })).status).toBe(400);
      expect((await op.client.req('POST', '/api/alarm-console/rules', { ...base, condition: null })).status).toBe(400);
      expect((await op.client.req('POST', '/api/alarm-console/rules', { ...base, condition: { op: 'above', field: 'humidity', value: 1 } })).status).toBe(422);
      expect((await op.client.req('POST', '/api/alarm-console/rules', { ...base, layer: 'weather' })).status).toBe(422);
      expect((await tech.client.req('POST', '/api/alarm-console/rules', base)).status).toBe(403);
      const created = await op.client.req('POST', '/api/alarm-console/rules', base);
      expect(created.status, created.text).toBe(201);
      const rule = created.body as { id: number; version: number };
      expect((await op.client.req('POST', '/api/alarm-console/rules', base)).status).toBe(409);
      expect((await audits('alarm_rule.create')).map((r) => r.outcome)).toEqual(expect.arrayContaining(['success', 'failure']));
      // 30 °C for 4 minutes: nothing; at 5 minutes: raised; back to 27.5 (inside the band): still; 26.9: cleared.
      const warm = async () => (await list(op.client, '?state=all&kind=ahu_warm')).alarms;
      for (let i = 0; i < 5; i++) await reading({ temperature: 30 + i * 0.1 });
      t0 += 4 * 60_000;
      await reading({ temperature: 30 });
      expect((await warm()).filter((a) => a.state !== 'cleared')).toEqual([]);
      t0 += 55_000;
      await reading({ temperature: 30 });
      const raised = await warm();
      expect(raised).toHaveLength(1);
      expect(raised[0]).toMatchObject({ state: 'raised', severity: 1, rule: rule.id, params: { value: 30, limit: 28, minutes: 5 } });
      await reading({ temperature: 27.5 });
      expect((await warm())[0]!.state).toBe('raised');
      await reading({ temperature: 26.9 });
      expect((await warm())[0]!.state).toBe('cleared');
      // Edit: the version must match.
      const upd = await op.client.req('PUT', `/api/alarm-console/rules/${rule.id}`, { version: rule.version, rule: { ...base, forSeconds: 0 } });
      expect(upd.status, upd.text).toBe(200);
      expect((await op.client.req('PUT', `/api/alarm-console/rules/${rule.id}`, { version: rule.version, rule: base })).status).toBe(409);
      await reading({ temperature: 31 });
      expect((await warm()).filter((a) => a.state === 'raised')).toHaveLength(1);
      const builtin = ((await op.client.req('GET', '/api/alarm-console/rules')).body as { rules: Array<{ id: number; builtin: boolean }> }).rules.find((r) => r.builtin)!;
      expect((await op.client.req('DELETE', `/api/alarm-console/rules/${builtin.id}`)).status).toBe(409);
      expect((await op.client.req('DELETE', `/api/alarm-console/rules/${rule.id}`)).status).toBe(204);
      expect((await op.client.req('DELETE', `/api/alarm-console/rules/${rule.id}`)).status).toBe(404);
    });

    it('malformed rules: each 400 names the field, nothing is written (no row, no version change, no reload)', async () => {
      const db = s.server.sc.db;
      const base = {
        code: 'bad.rule', name: { zh: '坏规则', en: 'Bad rule' }, layer: 'equipment', kind: 'bad_rule', scope: {},
        condition: { op: 'above', field: 'temperature', value: 28 }, forSeconds: 0, severity: 2, message: { zh: '{value}', en: '{value}' },
      };
      const snapshot = async () => (await db.query<{ n: number; v: number }>('SELECT count(*)::int AS n, coalesce(sum(version), 0)::int AS v FROM alarm_rule')).rows[0];
      const before = await snapshot();
      const reloads = alarmsRuntimeOf(s.server.sc)!.stats.reloads;
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ ...base, condition: { op: 'above', field: 'temperature' } }, 'condition.value'],
        [{ ...base, condition: { op: 'between', field: 'temperature', value: 1 } }, 'condition'],
        [{ ...base, condition: { op: 'all', of: [] } }, 'condition'],
        [{ ...base, condition: { op: 'above', field: 'temperature', value: 28, hysteresis: -1 } }, 'condition'],
        [{ ...base, severity: 0 }, 'severity'],
        [{ ...base, forSeconds: -5 }, 'forSeconds'],
        [{ ...base, code: 'Bad Code!' }, 'code'],
        [{ ...base, scope: { building: 'A' } }, 'scope'],
        [{ ...base, message: { zh: '只有中文' } }, 'message'],
        [{ ...base, name: undefined }, 'name'],
      ];
      for (const [body, field] of cases) {
        const r = await op.client.req('POST', '/api/alarm-console/rules', body);
        expect(r.status, JSON.stringify(body)).toBe(400);
        // The error envelope is { error: { message, issues: [{ path, message }] } } (http/errors).
        const issues = (r.body as { error?: { issues?: Array<{ path: string; message: string }> } }).error?.issues ?? [];
        expect(issues.map((i) => String(i.path)).join(' '), `${JSON.stringify(body)} -> ${r.text}`).toContain(field);
        expect(issues.every((i) => i.message.length > 0)).toBe(true);
        // Nothing written by the refused request.
        expect(await snapshot(), JSON.stringify(body)).toEqual(before);
      }
      // The same through an edit of an existing rule: refused, the rule unchanged.
      const existing = ((await op.client.req('GET', '/api/alarm-console/rules')).body as { rules: Array<{ id: number; version: number }> }).rules[0]!;
      const put = await op.client.req('PUT', `/api/alarm-console/rules/${existing.id}`, { version: existing.version, rule: { ...base, condition: { op: 'below', field: 'temperature', value: 'cold' } } });
      expect(put.status).toBe(400);
      expect(JSON.stringify((put.body as { error: { issues: unknown[] } }).error.issues)).toContain('condition');
      expect(await snapshot()).toEqual(before);
      expect(alarmsRuntimeOf(s.server.sc)!.stats.reloads).toBe(reloads);
    });
  });
}
