/**
 * The plain alarm routes (POST /api/alarms/:id/acknowledge|clear) audit every handling in the
 * hash chain, successes with the change and refusals on their own, as the alarm console does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAYERS } from '@park-twin/layers';
import { healthModule } from './health.ts';
import { createLiveModule } from './live.ts';
import { seedPark } from '../seed/index.ts';
import { startAuthServer, type AuthTestServer } from '../auth/testing.ts';
import { authModule } from '../auth/module.ts';

describe('alarm handling through /api/alarms is audited', () => {
  let s: AuthTestServer;
  let room = 0;
  beforeAll(async () => {
    const live = createLiveModule();
    s = await startAuthServer('pglite', { modules: [healthModule, authModule(), live] });
    await seedPark(s.server.sc.db, { seed: 5, scale: 0.05, code: 'audit-alarm' });
    const r = await s.server.sc.db.query<{ idx: number }>("SELECT idx FROM twin_object WHERE kind = 'room' ORDER BY idx LIMIT 1", []);
    room = r.rows[0]!.idx;
  });
  afterAll(async () => {
    await s?.server.stop();
  });

  const rows = async (action: string) =>
    (await s.server.sc.db.query<{ outcome: string; actor_name: string; object: string }>(
      'SELECT outcome, actor_name, object FROM audit_log WHERE action = $1 ORDER BY seq', [action])).rows;

  it('writes one success row per acknowledge and clear, and a failure row for a refused one', async () => {
    const { client, username } = await s.userWith(['security_operator']);
    const id = (await s.server.sc.db.query<{ id: number }>(
      "INSERT INTO alarm (idx, layer, kind, severity, message, raised_at) VALUES ($1, $2, 'intrusion', 3, 'test', now()) RETURNING id",
      [room, LAYERS[0]!.id])).rows[0]!.id;
    expect((await client.req('POST', `/api/alarms/${id}/acknowledge`)).status).toBe(200);
    expect((await client.req('POST', `/api/alarms/${id}/acknowledge`)).status).toBe(409);
    expect((await client.req('POST', `/api/alarms/${id}/clear`)).status).toBe(200);
    const acks = await rows('alarm.acknowledge');
    expect(acks.map((r) => r.outcome)).toEqual(['success', 'failure']);
    expect(acks.every((r) => r.actor_name === username && r.object === `alarm:${id}`)).toBe(true);
    expect((await rows('alarm.clear')).map((r) => r.outcome)).toEqual(['success']);
  });
});
