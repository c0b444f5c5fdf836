/**
 * The notification centre on two server nodes over one PostgreSQL: a notification raised on one
 * node reaches the recipient's sockets on both (LISTEN/NOTIFY on commit), nothing reaches other
 * users, a notification of a rolled-back change never appears, and the outbox sends each outbound
 * notification exactly once although both nodes drain it.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDb, type TestDb } from '../../db/testing.ts';
import { startTestServer, type TestServer } from '../../testing/server.ts';
import { healthModule } from '../../modules/health.ts';
import { createLiveModule } from '../../modules/live.ts';
import { openGuardModule, openStreamAuth, testPrincipal, TestClient } from '../../stream/testing.ts';
import { notificationsModule } from './module.ts';
import { notificationCenter, notify } from './service.ts';
import type { OutboundChannel } from './channels.ts';

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.skipIf(inject('pgMissing') !== null)('notifications on two nodes', () => {
  let t: TestDb;
  let a: TestServer;
  let b: TestServer;
  let alice = '';
  let bob = '';
  const sent: number[] = [];
  /** Who the next socket authenticates as (the open test auth reads it at upgrade). */
  let next = '';
  const counting = (): OutboundChannel => ({ name: 'webhook', send: async (n) => { await new Promise((r) => setTimeout(r, 20)); sent.push(n.id); } });

  beforeAll(async () => {
    t = await createTestDb('postgres');
    const user = async (name: string) => (await t.db.query<{ id: string }>(
      `INSERT INTO app_user (username, display_name, password_hash, roles, must_change_password, password_changed_at, created_at)
       VALUES ($1, $1, 'x', '{maintenance}', false, now(), now()) RETURNING id`, [`${name}-${randomBytes(3).toString('hex')}`])).rows[0]!.id;
    alice = await user('alice');
    bob = await user('bob');
    const auth = () => openStreamAuth(() => testPrincipal({ id: next, kind: 'user', sessionId: `s-${next}` }));
    const start = () => startTestServer('postgres', { testDb: t, modules: [healthModule, openGuardModule, createLiveModule({ auth, mqtt: false }), notificationsModule()] });
    a = await start();
    b = await start();
    for (const s of [a, b]) notificationCenter(s.sc).channels = [counting()];
    await t.db.query(`INSERT INTO kit_notification_pref (user_id, channels, updated_at) VALUES ($1, '{"*": ["inapp", "webhook"]}', now())`, [alice]);
  }, 120_000);
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await t?.drop();
  });

  it('pushes to the recipient on both nodes, to nobody else, and sends outbound once', async () => {
    next = alice;
    const onA = await TestClient.connect(a.url);
    const onB = await TestClient.connect(b.url);
    next = bob;
    const bobOnB = await TestClient.connect(b.url);
    const pushes = (c: TestClient) => c.json.filter((m) => (m as { type: string }).type === 'notification') as unknown as { unread: number; notification: { id: number; kind: string } }[];

    for (let i = 0; i < 5; i++) {
      await notify(a.sc, { to: [alice], kind: 'test.ping', title: { zh: `第 ${i} 条`, en: `number ${i}` }, link: '/service/repairs?id=1' });
    }
    await until(() => pushes(onA).length === 5 && pushes(onB).length === 5);
    // Counts never go backwards and end at the true number.
    for (const c of [onA, onB]) {
      const counts = pushes(c).map((m) => m.unread);
      expect(counts.every((n, i) => i === 0 || n >= counts[i - 1]!), String(counts)).toBe(true);
      expect(counts.at(-1)).toBe(5);
    }
    expect(pushes(onA).map((m) => m.notification.kind)).toEqual(Array(5).fill('test.ping'));

    // A notification raised in a transaction that rolls back never appears.
    await expect(t.db.transaction(async (tx) => {
      await notify(a.sc, { to: [alice], kind: 'test.rolled-back', title: { zh: '回滚', en: 'rolled back' } }, tx);
      throw new Error('roll back on purpose');
    })).rejects.toThrow(/on purpose/);
    await notify(b.sc, { to: [alice], kind: 'test.after', title: { zh: '之后', en: 'after' } });
    await until(() => pushes(onA).length === 6);
    expect(pushes(onA).map((m) => m.notification.kind)).not.toContain('test.rolled-back');
    expect(pushes(bobOnB)).toEqual([]);

    // Both nodes drain the outbox at once: each notification is sent exactly once.
    await Promise.all([notificationCenter(a.sc).drainOutbox(), notificationCenter(b.sc).drainOutbox(), notificationCenter(a.sc).drainOutbox()]);
    await until(() => sent.length >= 6);
    await new Promise((r) => setTimeout(r, 200));
    expect(sent.length).toBe(6);
    expect(new Set(sent).size).toBe(6);
    const left = await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM kit_notification WHERE outbound <> '{}'");
    expect(left.rows[0]!.n).toBe(0);
    for (const c of [onA, onB, bobOnB]) c.ws.close();
  });
});
