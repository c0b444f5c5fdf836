/**
 * Stream authorization: no principal -> 401 on upgrade; stream:read per subscription and each
 * layer's permission; sockets of an ended session are closed with `bye`; wrong protocol version.
 */
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAYER_IDS, type ServerMessage } from '@park-twin/layers';
import type { Permission, Principal } from '../auth/types.ts';
import { startTestServer, type TestServer } from '../testing/server.ts';
import { healthModule } from '../modules/health.ts';
import { createLiveModule } from '../modules/live.ts';
import { openGuardModule, openStreamAuth, testPrincipal, TestClient } from './testing.ts';

describe('stream authorization [pglite]', () => {
  let srv: TestServer;
  let who: Principal | null = null;
  const auth = openStreamAuth(() => who);
  const live = createLiveModule({ auth: () => auth, mqtt: false });
  const errors = (c: TestClient) => c.json.filter((m): m is Extract<ServerMessage, { type: 'error' }> => m.type === 'error');

  beforeAll(async () => {
    srv = await startTestServer('pglite', { modules: [healthModule, openGuardModule, live] });
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it('refuses an upgrade without a principal with 401', async () => {
    who = null;
    const ws = new WebSocket(srv.url.replace(/^http/, 'ws') + '/ws');
    const status = await new Promise<number>((resolve) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => resolve(-1));
    });
    expect(status).toBe(401);
    expect(live.runtime!.stream!.stats.refusedUpgrades).toBe(1);
  });

  it('checks stream:read and each layer permission per subscription', async () => {
    const only = (perms: Permission[]) => testPrincipal({ permissions: new Set(perms), sessionId: `s-${perms.join()}` });
    who = only(['park:read']);
    const c1 = await TestClient.connect(srv.url);
    c1.send({ type: 'hello', version: 1 });
    c1.send({ type: 'subscribe', layers: ['occupancy'] });
    await c1.until(() => errors(c1).length > 0);
    expect(errors(c1)[0]).toMatchObject({ code: 'forbidden', message: 'stream:read required' });

    who = only(['stream:read', 'park:read']);
    const c2 = await TestClient.connect(srv.url);
    c2.send({ type: 'hello', version: 1 });
    await c2.until(() => c2.json.some((m) => m.type === 'welcome'));
    expect(c2.json.find((m) => m.type === 'welcome')).toMatchObject({ allowed: ['occupancy'] });
    // Only economy: refused outright. Occupancy and economy: occupancy served, economy named as dropped.
    c2.send({ type: 'subscribe', layers: ['economy'] });
    await c2.until(() => errors(c2).length > 0);
    expect(errors(c2)[0]!.message).toContain('economy');
    c2.send({ type: 'subscribe', layers: ['occupancy', 'economy'] });
    await c2.until(() => c2.json.some((m) => m.type === 'subscribed'));
    expect(c2.json.find((m) => m.type === 'subscribed')).toMatchObject({ layers: ['occupancy'], denied: ['economy'] });
    expect(c2.frames).toHaveLength(1); // the (empty) snapshot

    // Subscribing before hello is refused; a wrong version closes the socket.
    who = testPrincipal({ sessionId: 'other' });
    const c3 = await TestClient.connect(srv.url);
    c3.send({ type: 'subscribe', layers: ['occupancy'] });
    await c3.until(() => errors(c3).length > 0);
    expect(errors(c3)[0]!.code).toBe('not-ready');
    c3.send({ type: 'hello', version: 99 });
    const code = await new Promise<number>((r) => c3.ws.once('close', (c) => r(c)));
    expect(code).toBe(4002);
    c1.close();

    // Ending the session closes its sockets with a bye; others stay.
    auth.endSession(`s-stream:read,park:read`);
    const closed = await new Promise<number>((r) => c2.ws.once('close', (c) => r(c)));
    expect(closed).toBe(4001);
    expect(c2.json.at(-1)).toEqual({ type: 'bye', reason: 'session ended' });
    expect(live.runtime!.stream!.stats.closedBySessionEnd).toBe(1);
  });

  it("shows an enterprise user only its own enterprise's economy figures", async () => {
    const hub = live.runtime!.hub;
    who = testPrincipal({ enterpriseIdx: 9001, sessionId: 'ent' });
    const ent = await TestClient.connect(srv.url);
    who = testPrincipal({ sessionId: 'staff' });
    const staff = await TestClient.connect(srv.url);
    for (const c of [ent, staff]) {
      c.send({ type: 'hello', version: 1 });
      c.send({ type: 'subscribe', layers: ['economy'] });
      await c.until(() => c.frames.length > 0);
    }
    hub.update(9001, LAYER_IDS.economy, 10, 0);
    hub.update(9002, LAYER_IDS.economy, 20, 0);
    hub.flush();
    await staff.until(() => staff.frames.flatMap((f) => f.records).length >= 2);
    await ent.until(() => ent.frames.flatMap((f) => f.records).length >= 1);
    expect(staff.frames.flatMap((f) => f.records).map((r) => r.idx).sort()).toEqual([9001, 9002]);
    // Reconnect: the snapshot is scoped too.
    who = testPrincipal({ enterpriseIdx: 9001, sessionId: 'ent2' });
    const again = await TestClient.connect(srv.url);
    again.send({ type: 'hello', version: 1 });
    again.send({ type: 'subscribe', layers: ['economy'] });
    await again.until(() => again.frames.length > 0);
    for (const c of [ent, again]) expect(c.frames.flatMap((f) => f.records).map((r) => r.idx)).toEqual([9001]);
    for (const c of [ent, staff, again]) c.close();
  });
});
