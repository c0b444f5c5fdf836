/**
 * Remote control end to end with the real mosquitto and PostgreSQL (issue 15, must-show 2 and 5):
 * an operator's setpoint goes out on the command topic with its correlation id, the simulator's
 * responder applies it and answers, the new readings come back through the ingest pipeline (the
 * room's env sensor, and so the room's equipment roll-up, in the hub); a risky command without its
 * confirmation token is refused and nothing reaches the broker; a device that does not answer
 * times out; bad input is a clear 4xx with nothing written or published; every step audited.
 */
import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LAYER_IDS, STATUS } from '@park-twin/layers';
import { createTestDb, type TestDb } from '../../db/testing.ts';
import { startTestServer, type TestServer } from '../../testing/server.ts';
import { healthModule } from '../health.ts';
import { authModule } from '../../auth/module.ts';
import { hashPassword } from '../../auth/password.ts';
import { HttpClient } from '../../auth/testing.ts';
import { createLiveModule, liveRuntimeOf } from '../live.ts';
import { seedPark } from '../../seed/index.ts';
import { createLogger } from '../../log.ts';
import { startCommandResponder, type CommandResponder } from '../../sim/commands.ts';
import { controlModule } from './index.ts';
import { controlRuntimeOf } from './service.ts';

const MQTT = process.env.TWIN_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
type Cmd = { id: string; state: string; action: string; value: unknown; result: Record<string, unknown> | null; error: string | null; risky: boolean };

async function until<T>(fn: () => Promise<T | undefined> | T | undefined, what: string, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(inject('mqttMissing') !== null || inject('pgMissing') !== null)('remote control end to end: mosquitto + PostgreSQL', () => {
  let t: TestDb;
  let srv: TestServer;
  let park = '';
  let responder: CommandResponder;
  let spy: MqttClient;
  const seen: Array<{ topic: string; body: Record<string, unknown> }> = [];
  let tech: HttpClient;
  let guard: HttpClient;
  let fcu: { idx: number; code: string; room: number; env: string; envIdx: number };
  let lift: { idx: number; code: string };
  let deaf: { idx: number; code: string };
  let door: { idx: number; code: string };

  const login = async (roles: string[]) => {
    const username = `u-${randomBytes(3).toString('hex')}`;
    const password = `Pw-${randomBytes(6).toString('hex')}-X1`;
    await t.db.query(`INSERT INTO app_user (username, display_name, password_hash, roles, must_change_password, password_changed_at, created_at)
      VALUES ($1, $1, $2, $3, false, now(), now())`, [username, await hashPassword(password), roles]);
    const c = new HttpClient(srv.url);
    await c.login(username, password);
    return c;
  };
  const audit = async (action: string, command: string) => (await t.db.query<{ outcome: string; actor_name: string }>(
    `SELECT outcome, actor_name FROM audit_log WHERE action = $1 AND detail::jsonb->>'command' = $2 ORDER BY seq`, [action, command])).rows;
  const get = async (id: string) => (await tech.req('GET', `/api/control/commands/${id}`)).body as Cmd;

  beforeAll(async () => {
    t = await createTestDb('postgres');
    park = `ctl-${randomBytes(3).toString('hex')}`;
    await seedPark(t.db, { seed: 5, scale: 0.1, code: park });
    srv = await startTestServer('postgres', {
      testDb: t, env: { MQTT_URL: MQTT },
      modules: [healthModule, authModule({ dataKey: randomBytes(32), sweepIntervalMs: null, print: () => {}, settings: { adminPassword: 'Adm-Pass-2026-x', rateApiPerMinute: 1_000_000 } }),
        createLiveModule(), controlModule({ timeoutMs: 2500 })],
    });
    const one = async <T>(sql: string) => {
      const r = await t.db.query<T>(sql, [park]);
      if (!r.rows[0]) throw new Error(`fixture: ${sql}`);
      return r.rows[0];
    };
    fcu = await one<typeof fcu>(`SELECT f.idx, f.code, f.room_idx AS room, s.code AS env, s.idx AS "envIdx" FROM equipment f JOIN park p ON p.idx = f.park_idx
      JOIN equipment s ON s.room_idx = f.room_idx AND s.type = 'env_sensor' WHERE p.code = $1 AND f.type = 'fan_coil' ORDER BY f.idx LIMIT 1`);
    lift = await one(`SELECT e.idx, e.code FROM equipment e JOIN park p ON p.idx = e.park_idx WHERE p.code = $1 AND e.type = 'elevator' ORDER BY e.idx LIMIT 1`);
    deaf = await one(`SELECT e.idx, e.code FROM equipment e JOIN park p ON p.idx = e.park_idx WHERE p.code = $1 AND e.type = 'fan_coil' AND e.idx <> ${fcu.idx} ORDER BY e.idx LIMIT 1`);
    door = await one(`SELECT e.idx, e.code FROM equipment e JOIN park p ON p.idx = e.park_idx WHERE p.code = $1 AND e.type = 'access_reader' ORDER BY e.idx LIMIT 1`);
    responder = await startCommandResponder({ db: t.db, log: createLogger('silent'), url: MQTT, deaf: (p, c) => p === park && c === deaf.code, delayMs: 50 });
    spy = await mqtt.connectAsync(MQTT, { clientId: `spy-${randomBytes(3).toString('hex')}`, log: () => {} });
    spy.on('message', (topic, payload) => {
      if (topic.startsWith(`park/${park}/cmd/`)) seen.push({ topic, body: JSON.parse(payload.toString()) as Record<string, unknown> });
    });
    await spy.subscribeAsync(`park/${park}/cmd/#`, { qos: 1 });
    tech = await login(['maintenance']);
    guard = await login(['security_operator']);
  }, 180_000);
  afterAll(async () => {
    await spy?.endAsync();
    await responder?.close();
    await srv?.stop();
    await t?.drop();
  });

  it('a setpoint goes out with its correlation id, the simulator applies it, the result and the room\'s new readings come back', async () => {
    const live = liveRuntimeOf(srv.sc)!;
    // The room is too hot: its env sensor over the room limit puts the room's equipment roll-up in alarm.
    expect(live.ingest.handle({ park, layer: 'equipment', device: fcu.env }, { status: 'normal', temperature: 37, seq: 1, ts: Date.now() }, 'mqtt').ok).toBe(true);
    await live.writer.drain();
    live.hub.flush();
    // The room's equipment roll-up (what the scene colours the room with) is in alarm.
    expect(live.hub.get(fcu.room, LAYER_IDS.equipment)?.status).toBe(STATUS.alarm);
    const r = await tech.req('POST', '/api/control/commands', { idx: fcu.idx, action: 'setpoint', value: 21.5 });
    expect(r.status, r.text).toBe(202);
    const { command, confirmation } = r.body as { command: Cmd; confirmation: null };
    expect(confirmation).toBeNull();
    expect(command.state).toBe('sent');
    // On the broker: the documented topic, the correlation id, the value.
    const req = await until(() => seen.find((m) => m.body.id === command.id), 'the request on the broker');
    expect(req.topic).toBe(`park/${park}/cmd/${fcu.code}/req`);
    expect(req.body).toMatchObject({ id: command.id, action: 'setpoint', value: 21.5 });
    const res = await until(() => seen.find((m) => m.topic.endsWith('/res') && m.body.id === command.id), 'the device result');
    expect(res.topic).toBe(`park/${park}/cmd/${fcu.code}/res`);
    const done = await until(async () => { const c = await get(command.id); return c.state === 'sent' ? undefined : c; }, 'the command settled');
    expect(done.state).toBe('succeeded');
    expect(done.result).toMatchObject({ setpoint: 21.5, running: true });
    const dev = (await tech.req('GET', `/api/control/devices/${fcu.idx}`)).body as { state: Record<string, unknown>; recent: Cmd[]; commands: Array<{ action: string; allowed: boolean }> };
    expect(dev.state).toMatchObject({ setpoint: 21.5 });
    expect(dev.recent[0]!.id).toBe(command.id);
    expect(dev.commands.map((c) => c.action)).toEqual(['start', 'stop', 'setpoint', 'mode']);
    // The new state through the normal telemetry path: the env sensor reports the room at the setpoint.
    const stored = await until(async () => {
      const rows = (await t.db.query<{ value: number; status: number }>('SELECT value, status FROM live_state WHERE idx = $1 AND layer = $2', [fcu.envIdx, LAYER_IDS.equipment])).rows;
      return rows[0] && Math.abs(Number(rows[0].value) - 21.8) < 0.01 ? rows[0] : undefined;
    }, 'the env sensor reading at the setpoint');
    expect(Number(stored.status)).toBe(STATUS.normal);
    live.hub.flush();
    expect(live.hub.get(fcu.room, LAYER_IDS.equipment)?.status).toBe(STATUS.normal);
    expect(await audit('control.command.send', command.id)).toEqual([expect.objectContaining({ outcome: 'success' })]);
    expect(await audit('control.command.result', command.id)).toEqual([{ outcome: 'success', actor_name: fcu.code }]);
  }, 60_000);

  it('a risky command is not sent without its confirmation: no token 400, a wrong one 403, nothing on the broker; the right one sends it', async () => {
    const r = await tech.req('POST', '/api/control/commands', { idx: lift.idx, action: 'recall' });
    expect(r.status, r.text).toBe(202);
    const { command, confirmation } = r.body as { command: Cmd; confirmation: { token: string; expiresAt: string } };
    expect(command.state).toBe('awaiting_confirmation');
    expect(command.risky).toBe(true);
    expect(confirmation.token.length).toBeGreaterThan(20);
    const noToken = await tech.req('POST', `/api/control/commands/${command.id}/confirm`, {});
    expect(noToken.status).toBe(400);
    expect(noToken.text).toContain('token');
    const wrong = await tech.req('POST', `/api/control/commands/${command.id}/confirm`, { token: 'x'.repeat(32) });
    expect(wrong.status).toBe(403);
    expect(wrong.text).toContain('not sent');
    // Another operator cannot confirm it either.
    const other = await login(['maintenance']);
    expect((await other.req('POST', `/api/control/commands/${command.id}/confirm`, { token: confirmation.token })).status).toBe(403);
    await new Promise((res) => setTimeout(res, 800));
    expect(seen.filter((m) => m.body.id === command.id)).toEqual([]);
    expect(controlRuntimeOf(srv.sc)!.stats.published).toBeGreaterThan(0);
    expect((await get(command.id)).state).toBe('awaiting_confirmation');
    expect((await t.db.query(`SELECT 1 FROM audit_log WHERE action = 'control.command.refused' AND outcome = 'failure' AND detail::jsonb->>'command' = $1`, [command.id])).rows.length).toBe(2);
    // The operator confirms: now it goes out, and the lift answers.
    const ok = await tech.req('POST', `/api/control/commands/${command.id}/confirm`, { token: confirmation.token });
    expect(ok.status, ok.text).toBe(200);
    expect((ok.body as Cmd).state).toBe('sent');
    await until(() => seen.find((m) => m.body.id === command.id && m.topic.endsWith('/req')), 'the confirmed request on the broker');
    const done = await until(async () => { const c = await get(command.id); return c.state === 'sent' ? undefined : c; }, 'the recall settled');
    expect(done.state).toBe('succeeded');
    expect(await audit('control.command.confirm', command.id)).toHaveLength(1);
    // Used once: confirming again is out of order.
    expect((await tech.req('POST', `/api/control/commands/${command.id}/confirm`, { token: confirmation.token })).status).toBe(409);
  }, 60_000);

  it('a device that does not answer: the command times out, audited', async () => {
    const r = await tech.req('POST', '/api/control/commands', { idx: deaf.idx, action: 'stop' });
    expect(r.status, r.text).toBe(202);
    const id = (r.body as { command: Cmd }).command.id;
    await until(() => seen.find((m) => m.body.id === id), 'the request on the broker');
    const done = await until(async () => { const c = await get(id); return c.state === 'sent' ? undefined : c; }, 'the timeout', 15_000);
    expect(done.state).toBe('timeout');
    expect(done.error).toMatch(/no answer from the device within 3 s|within 2 s/);
    expect(await audit('control.command.timeout', id)).toEqual([{ outcome: 'failure', actor_name: 'control' }]);
    // A late or forged answer (another device's topic) changes nothing.
    spy.publish(`park/${park}/cmd/${fcu.code}/res`, JSON.stringify({ id, ok: true }), { qos: 1 });
    await new Promise((res) => setTimeout(res, 500));
    expect((await get(id)).state).toBe('timeout');
  }, 60_000);

  it('bad input: unknown device 404, malformed body 400, unknown action and out-of-range value 422, a door without security:control 403; nothing written, nothing sent', async () => {
    const count = async () => Number((await t.db.query<{ n: string }>('SELECT count(*) AS n FROM device_command')).rows[0]!.n);
    const before = await count();
    const published = seen.length;
    const cases: Array<[HttpClient, unknown, number, RegExp]> = [
      [tech, { idx: 99_999_999, action: 'stop' }, 404, /no device 99999999/],
      [tech, { idx: fcu.idx }, 400, /action/],
      [tech, { idx: fcu.idx, action: 'setpoint', value: 21, extra: 1 }, 400, /extra/],
      [tech, { idx: 'ten', action: 'stop' }, 400, /idx/],
      [tech, { idx: fcu.idx, action: 'explode' }, 422, /no command explode/],
      [tech, { idx: fcu.idx, action: 'setpoint', value: 45 }, 422, /between 16 and 30/],
      [tech, { idx: fcu.idx, action: 'setpoint' }, 422, /needs a value/],
      [tech, { idx: fcu.idx, action: 'mode', value: 'turbo' }, 422, /one of auto, cool, heat, fan/],
      [tech, { idx: door.idx, action: 'lock' }, 403, /security:control/],
    ];
    for (const [c, body, status, text] of cases) {
      const r = await c.req('POST', '/api/control/commands', body);
      expect(r.status, `${JSON.stringify(body)}: ${r.text}`).toBe(status);
      expect(r.text).toMatch(text);
    }
    // A reader on the floor plan is not a room: a room idx is an unknown device.
    expect((await tech.req('POST', '/api/control/commands', { idx: fcu.room, action: 'stop' })).status).toBe(404);
    expect((await tech.req('POST', '/api/control/commands/not-a-uuid/confirm', { token: 'x'.repeat(20) })).status).toBe(400);
    expect((await tech.req('POST', `/api/control/commands/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}/confirm`, { token: 'x'.repeat(20) })).status).toBe(404);
    await new Promise((res) => setTimeout(res, 500));
    expect(await count()).toBe(before);
    expect(seen.length).toBe(published);
    // The security operator may lock the door.
    const ok = await guard.req('POST', '/api/control/commands', { idx: door.idx, action: 'lock' });
    expect(ok.status, ok.text).toBe(202);
    expect((await t.db.query(`SELECT 1 FROM audit_log WHERE action = 'control.command.refused' AND outcome = 'failure' AND object = $1`, ['object:99999999'])).rows).toHaveLength(1);
  }, 60_000);
});
