/**
 * Security linkage end to end with the real mosquitto and PostgreSQL (issue 15, must-show 3 and 5):
 * a perimeter intrusion raised by the ingest pipeline starts the sample plan; the steps run in
 * order (fly to, cameras, the zone's access points locked by remote command once the operator
 * confirms, public address and displays by command, a security work order); a cancelled step
 * sends nothing; malformed plans are refused with nothing written; every transition is audited.
 */
import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDb, type TestDb } from '../../db/testing.ts';
import { startTestServer, type TestServer } from '../../testing/server.ts';
import { healthModule } from '../health.ts';
import { authModule } from '../../auth/module.ts';
import { hashPassword } from '../../auth/password.ts';
import { HttpClient } from '../../auth/testing.ts';
import { createLiveModule, liveRuntimeOf } from '../live.ts';
import { seedPark } from '../../seed/index.ts';
import { createLogger } from '../../log.ts';
import { notificationsModule } from '../../kit/notifications/module.ts';
import { startCommandResponder, type CommandResponder } from '../../sim/commands.ts';
import { alarmsModule } from '../alarms/index.ts';
import { workordersModule } from '../workorders/index.ts';
import { controlModule } from '../control/index.ts';
import { linkageModule } from './index.ts';

const MQTT = process.env.TWIN_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
type Step = { n: number; kind: string; state: string; commands: Array<{ id: string; device: string; state: string }>; result: Record<string, unknown> | null; error: string | null };
type Run = { id: number; state: string; alarm: number; zone: number | null; steps: Step[] };

async function until<T>(fn: () => Promise<T | undefined> | T | undefined, what: string, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(inject('mqttMissing') !== null || inject('pgMissing') !== null)('security linkage end to end: mosquitto + PostgreSQL', () => {
  let t: TestDb;
  let srv: TestServer;
  let park = '';
  let responder: CommandResponder;
  let spy: MqttClient;
  const seen: Array<{ topic: string; body: Record<string, unknown> }> = [];
  let op: HttpClient;
  let cams: Array<{ idx: number; code: string }>;
  let gates: string[];
  let seq = 0;

  const login = async (roles: string[]) => {
    const username = `u-${randomBytes(3).toString('hex')}`;
    const password = `Pw-${randomBytes(6).toString('hex')}-X1`;
    await t.db.query(`INSERT INTO app_user (username, display_name, password_hash, roles, must_change_password, password_changed_at, created_at)
      VALUES ($1, '值班员李四', $2, $3, false, now(), now())`, [username, await hashPassword(password), roles]);
    const c = new HttpClient(srv.url);
    await c.login(username, password);
    return c;
  };
  const intrusion = async (code: string) => {
    const live = liveRuntimeOf(srv.sc)!;
    expect(live.ingest.handle({ park, layer: 'security', device: code }, { event: 'intrusion', seq: ++seq, ts: Date.now() }, 'mqtt').ok).toBe(true);
    await live.writer.drain();
  };
  const runFor = (idx: number) => until(async () => {
    const r = (await op.req('GET', '/api/linkage/runs?state=all&limit=20')).body as { runs: Array<Run & { idx: number }> };
    return r.runs.find((x) => x.idx === idx);
  }, `a linkage run for ${idx}`);
  const run = async (id: number) => (await op.req('GET', `/api/linkage/runs/${id}`)).body as Run;
  const stepIs = (id: number, n: number, state: string) => until(async () => ((await run(id)).steps[n]!.state === state ? run(id) : undefined), `step ${n} ${state}`);

  beforeAll(async () => {
    t = await createTestDb('postgres');
    park = `lk-${randomBytes(3).toString('hex')}`;
    await seedPark(t.db, { seed: 5, scale: 0.1, code: park });
    srv = await startTestServer('postgres', {
      testDb: t, env: { MQTT_URL: MQTT },
      modules: [healthModule, authModule({ dataKey: randomBytes(32), sweepIntervalMs: null, print: () => {}, settings: { adminPassword: 'Adm-Pass-2026-x', rateApiPerMinute: 1_000_000 } }),
        createLiveModule(), notificationsModule(), alarmsModule(), workordersModule(), controlModule({ timeoutMs: 4000 }), linkageModule()],
    });
    cams = (await t.db.query<{ idx: number; code: string }>(`SELECT e.idx, e.code FROM camera c JOIN equipment e ON e.idx = c.idx JOIN park p ON p.idx = e.park_idx
      WHERE p.code = $1 AND c.coverage = 'perimeter' ORDER BY e.idx LIMIT 2`, [park])).rows;
    expect(cams).toHaveLength(2);
    gates = (await t.db.query<{ code: string }>(`SELECT e.code FROM access_point ap JOIN equipment e ON e.idx = ap.idx JOIN zone z ON z.idx = ap.zone_idx JOIN park p ON p.idx = e.park_idx
      WHERE p.code = $1 AND z.zone_type = 'perimeter' ORDER BY e.idx`, [park])).rows.map((r) => r.code);
    expect(gates.length).toBeGreaterThan(0);
    responder = await startCommandResponder({ db: t.db, log: createLogger('silent'), url: MQTT, delayMs: 50 });
    spy = await mqtt.connectAsync(MQTT, { clientId: `spy-${randomBytes(3).toString('hex')}`, log: () => {} });
    spy.on('message', (topic, payload) => seen.push({ topic, body: JSON.parse(payload.toString()) as Record<string, unknown> }));
    await spy.subscribeAsync(`park/${park}/cmd/+/req`, { qos: 1 });
    op = await login(['security_operator']);
  }, 180_000);
  afterAll(async () => {
    await spy?.endAsync();
    await responder?.close();
    await srv?.stop();
    await t?.drop();
  });

  it('an intrusion runs the sample plan step by step: cameras, doors locked by command after the operator confirms, PA, displays, a work order', async () => {
    await intrusion(cams[0]!.code);
    const r0 = await runFor(cams[0]!.idx);
    // fly_to and cameras need no one; the lock step waits for the operator.
    const waiting = await stepIs(r0.id, 2, 'awaiting_confirmation');
    expect(waiting.steps.slice(0, 2).map((s) => s.state)).toEqual(['done', 'done']);
    expect(waiting.steps[1]!.result).toMatchObject({ alarm: r0.alarm, idx: cams[0]!.idx });
    expect(waiting.steps.slice(3).map((s) => s.state)).toEqual(['pending', 'pending', 'pending']);
    expect(seen.filter((m) => m.body.action === 'lock')).toEqual([]);
    const c = await op.req('POST', `/api/linkage/runs/${r0.id}/steps/2/confirm`, {});
    expect(c.status, c.text).toBe(200);
    const locked = await stepIs(r0.id, 2, 'done');
    expect(locked.steps[2]!.commands.map((x) => x.device).sort()).toEqual([...gates].sort());
    expect(locked.steps[2]!.commands.every((x) => x.state === 'succeeded')).toBe(true);
    expect(seen.filter((m) => m.body.action === 'lock').map((m) => m.topic.split('/')[3]).sort()).toEqual([...gates].sort());
    for (const g of gates) expect(responder.state(park, g)?.access).toBe('locked');
    const done = await until(async () => { const r = await run(r0.id); return r.state === 'done' ? r : undefined; }, 'the run done');
    expect(done.steps.map((s) => s.state)).toEqual(['done', 'done', 'done', 'done', 'done', 'done']);
    expect(seen.find((m) => m.topic === `park/${park}/cmd/pa/req`)?.body.value).toMatchObject({ zh: expect.stringContaining('周界') });
    expect(seen.find((m) => m.topic === `park/${park}/cmd/signage/req`)).toBeTruthy();
    const wo = done.steps[5]!.result as { workOrder: number; code: string };
    const order = await t.db.query<{ source: string; source_ref: string; trade: string }>('SELECT source, source_ref, trade FROM wo_order WHERE record_id = $1', [wo.workOrder]);
    expect(order.rows[0]).toEqual({ source: 'linkage', source_ref: `run:${r0.id}`, trade: 'weak_current' });
    const audit = (await t.db.query<{ action: string; actor_kind: string; actor_id: string | null; actor_name: string }>(
      `SELECT action, actor_kind, actor_id, actor_name FROM audit_log WHERE object = $1 ORDER BY seq`, [`linkage_run:${r0.id}`])).rows;
    expect(audit.map((a) => a.action)).toEqual(['linkage.run.start', 'linkage.step.done', 'linkage.step.done', 'linkage.step.confirm', 'linkage.step.start', 'linkage.step.done',
      'linkage.step.start', 'linkage.step.done', 'linkage.step.start', 'linkage.step.done', 'linkage.step.done', 'linkage.run.done']);
    // The operator who confirmed: by user id and username on the confirm row, the confirmed step's rows and its lock commands (modules/actors.ts).
    const confirm = audit.find((a) => a.action === 'linkage.step.confirm')!;
    expect(confirm.actor_name).toMatch(/^u-/);
    const opId = (await t.db.query<{ id: string }>('SELECT id FROM app_user WHERE username = $1', [confirm.actor_name])).rows[0]!.id;
    expect(audit.slice(3, 6).map((a) => [a.action, a.actor_kind, a.actor_id, a.actor_name])).toEqual(
      [['linkage.step.confirm', 'user', opId, confirm.actor_name], ['linkage.step.start', 'user', opId, confirm.actor_name], ['linkage.step.done', 'user', opId, confirm.actor_name]]);
    expect(audit.filter((a) => a.actor_kind === 'system').every((a) => a.actor_id === null && a.actor_name === 'linkage')).toBe(true);
    const sends = (await t.db.query<{ actor_kind: string; actor_id: string | null; actor_name: string }>(
      `SELECT actor_kind, actor_id, actor_name FROM audit_log WHERE action = 'control.command.send' AND detail::jsonb->>'action' = 'lock' AND detail::jsonb->>'command' = ANY($1::text[])`,
      [locked.steps[2]!.commands.map((x) => x.id)])).rows;
    expect(sends).toHaveLength(gates.length);
    for (const r of sends) expect(r).toEqual({ actor_kind: 'user', actor_id: opId, actor_name: confirm.actor_name });
  }, 90_000);

  it('cancelling the lock step sends no lock command; the run goes on without it', async () => {
    const before = seen.filter((m) => m.body.action === 'lock').length;
    await intrusion(cams[1]!.code);
    const r1 = await runFor(cams[1]!.idx);
    await stepIs(r1.id, 2, 'awaiting_confirmation');
    const c = await op.req('POST', `/api/linkage/runs/${r1.id}/steps/2/cancel`, {});
    expect(c.status, c.text).toBe(200);
    const done = await until(async () => { const r = await run(r1.id); return r.state === 'done' ? r : undefined; }, 'the run done');
    expect(done.steps[2]).toMatchObject({ state: 'cancelled', commands: [] });
    expect(done.steps[3]!.state).toBe('done');
    await new Promise((res) => setTimeout(res, 500));
    expect(seen.filter((m) => m.body.action === 'lock').length).toBe(before);
    // Out of order: a finished step cannot be confirmed or cancelled again.
    expect((await op.req('POST', `/api/linkage/runs/${r1.id}/steps/2/confirm`, {})).status).toBe(409);
    expect((await op.req('POST', `/api/linkage/runs/${r1.id}/steps/9/cancel`, {})).status).toBe(409);
    expect((await op.req('POST', '/api/linkage/runs/999999/cancel', {})).status).toBe(404);
  }, 90_000);

  it('malformed plans: 400 naming the field, unknown command 422, stale edit 409, a plan with runs not deletable; nothing written', async () => {
    const count = async () => Number((await t.db.query<{ n: string }>('SELECT count(*) AS n FROM linkage_plan')).rows[0]!.n);
    const n0 = await count();
    const good = { code: 'test.plan', name: { zh: '测试', en: 'Test' }, trigger: { kinds: ['perimeter_intrusion'] }, steps: [{ kind: 'fly_to' }] };
    const bad: Array<[unknown, number, RegExp]> = [
      [{ ...good, steps: [] }, 400, /steps/],
      [{ ...good, steps: [{ kind: 'teleport' }] }, 400, /kind/],
      [{ ...good, steps: [{ kind: 'command', target: 'zone_access_points' }] }, 400, /action/],
      [{ ...good, steps: [{ kind: 'command', target: 'everywhere', action: 'lock' }] }, 400, /target/],
      [{ ...good, trigger: { kinds: [] } }, 400, /kinds/],
      [{ ...good, code: 'Bad Code' }, 400, /code/],
      [{ ...good, steps: [{ kind: 'command', target: 'zone_access_points', action: 'explode' }] }, 422, /no device takes the command explode/],
      [{ ...good, trigger: { kinds: ['x'], zone: 99_999_999 } }, 422, /no zone/],
      [{ ...good, code: 'intrusion.perimeter' }, 409, /exists already/],
    ];
    for (const [body, status, text] of bad) {
      const r = await op.req('POST', '/api/linkage/plans', body);
      expect(r.status, `${JSON.stringify(body)}: ${r.text}`).toBe(status);
      expect(r.text).toMatch(text);
    }
    expect(await count()).toBe(n0);
    const created = await op.req('POST', '/api/linkage/plans', good);
    expect(created.status, created.text).toBe(201);
    const p = created.body as { id: number; version: number };
    expect((await op.req('PUT', `/api/linkage/plans/${p.id}`, { version: p.version, plan: { ...good, enabled: false } })).status).toBe(200);
    expect((await op.req('PUT', `/api/linkage/plans/${p.id}`, { version: p.version, plan: good })).status).toBe(409);
    const sample = ((await op.req('GET', '/api/linkage/plans')).body as { plans: Array<{ id: number; code: string }> }).plans.find((x) => x.code === 'intrusion.perimeter')!;
    expect((await op.req('DELETE', `/api/linkage/plans/${sample.id}`)).status).toBe(409);
    expect((await op.req('DELETE', `/api/linkage/plans/${p.id}`)).status).toBe(204);
    // Maintenance may read plans but not write them.
    const tech = await login(['maintenance']);
    expect((await tech.req('GET', '/api/linkage/plans')).status).toBe(200);
    expect((await tech.req('POST', '/api/linkage/plans', { ...good, code: 'x.y' })).status).toBe(403);
    expect(await count()).toBe(n0);
  }, 60_000);
});
