/**
 * Layer grants on the real stream behind the auth platform (issue 13, blocking bug): a principal
 * subscribing to more layers than it may read is served the permitted ones and told which were
 * dropped; the refusal is audited once per session, not once per reconnect; enterprise users see
 * only their own leased rooms and their own economy record.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { LAYER_IDS, LAYERS, PROTOCOL_VERSION, decodeFrame, frameRecord, type ServerMessage } from '@park-twin/layers';
import { healthModule } from '../modules/health.ts';
import { createLiveModule } from '../modules/live.ts';
import { ROLES } from '../auth/roles.ts';
import { HttpClient, startAuthServer, type AuthTestServer } from '../auth/testing.ts';
import { insertLiveFixture, type LiveFixture } from './testing.ts';

/** A socket that keeps every JSON message and the idx/layer of every record it receives. */
interface Sock {
  ws: WebSocket;
  json: ServerMessage[];
  records: { idx: number; layer: number }[];
  until(pred: () => boolean): Promise<void>;
}

function open(url: string, c: HttpClient, origin: string): Promise<Sock> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { Cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; '), Origin: origin } });
    const s: Sock = {
      ws, json: [], records: [],
      until: async (pred) => {
        for (let i = 0; i < 150 && !pred(); i++) await new Promise((r) => setTimeout(r, 20));
        if (!pred()) throw new Error(`timed out; got ${JSON.stringify(s.json)}`);
      },
    };
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        const f = decodeFrame(new Uint8Array(data as Buffer));
        for (let i = 0; i < f.count; i++) s.records.push(frameRecord(f, i));
        return;
      }
      const m = JSON.parse(String(data)) as ServerMessage;
      s.json.push(m);
      if (m.type === 'welcome') resolve(s);
    });
    ws.once('unexpected-response', (_q, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

/** The layers a role may read on the stream, from the role table and each layer's permission. */
const readable = (roleId: string) => {
  const perms = ROLES.find((r) => r.id === roleId)!.permissions as readonly string[];
  return perms.includes('stream:read') ? LAYERS.filter((l) => perms.includes(l.permission)).map((l) => l.name) : [];
};

const OPERATIONAL = ['leadership_viewer', 'maintenance', 'security_operator', 'property_manager', 'investment', 'enterprise_user'];

describe('stream layer grants [pglite]', () => {
  let s: AuthTestServer;
  let fx: LiveFixture;
  let wsUrl = '';
  let origin = '';
  const live = createLiveModule({ mqtt: false });
  const streamDenials = async (username: string) => (await s.server.sc.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM audit_log WHERE action = 'stream.denied' AND outcome = 'denied' AND actor_name = $1", [username])).rows[0]!.n;
  const subscribeAll = async (sock: Sock) => {
    sock.ws.send(JSON.stringify({ type: 'hello', version: PROTOCOL_VERSION }));
    sock.ws.send(JSON.stringify({ type: 'subscribe', layers: LAYERS.map((l) => l.name) }));
    await sock.until(() => sock.json.some((m) => m.type === 'subscribed' || m.type === 'error'));
    return sock.json.find((m) => m.type === 'subscribed' || m.type === 'error')!;
  };

  beforeAll(async () => {
    s = await startAuthServer('pglite', { modules: [healthModule, live] });
    fx = await insertLiveFixture(s.server.sc.db, 'grantpark', 3);
    // The fixture's enterprise leases room 0 (with the occupancy sensor); room 1 is someone else's or vacant.
    await s.server.sc.db.query(`INSERT INTO lease (room_idx, enterprise_idx, start_date, end_date, rent, status) VALUES ($1, $2, '2025-01-01', '2030-01-01', 80, 'active')`, [fx.rooms[0], fx.enterprise]);
    await live.runtime!.directory.reload();
    wsUrl = `${s.server.url.replace(/^http/, 'ws').replace('localhost', '127.0.0.1')}/ws`;
    origin = `http://${new URL(wsUrl).host}`;
  }, 180_000);
  afterAll(async () => {
    await s?.server.stop();
  });

  it('serves every operational role the layers it may read when it asks for all of them, naming the rest', async () => {
    for (const role of OPERATIONAL) {
      const want = readable(role);
      expect(want.length, `${role} reads some live layer`).toBeGreaterThan(0);
      const u = await s.userWith([role], role === 'enterprise_user' ? fx.enterprise : null);
      const sock = await open(wsUrl, u.client, origin);
      expect(sock.json[0], role).toMatchObject({ type: 'welcome', allowed: want });
      const answer = await subscribeAll(sock);
      const dropped = LAYERS.map((l) => l.name).filter((n) => !want.includes(n));
      expect(answer, role).toEqual({ type: 'subscribed', layers: want, mode: 'snapshot', seq: expect.any(Number), ...(dropped.length ? { denied: dropped } : {}) });
      sock.ws.close();
    }
  });

  it('audits a dropped layer once per session, however often the client reconnects and asks again', async () => {
    const u = await s.userWith(['maintenance']);
    expect(await streamDenials(u.username)).toBe(0);
    for (let i = 0; i < 4; i++) {
      const sock = await open(wsUrl, u.client, origin);
      expect(await subscribeAll(sock)).toMatchObject({ type: 'subscribed', denied: ['security', 'economy'] });
      sock.ws.close();
    }
    // The audit write is asynchronous: give it time to land, then check that no more than one did.
    for (let i = 0; i < 50 && (await streamDenials(u.username)) < 1; i++) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 300));
    expect(await streamDenials(u.username)).toBe(1);
    const row = (await s.server.sc.db.query<{ detail: string }>(
      "SELECT detail FROM audit_log WHERE action = 'stream.denied' AND actor_name = $1", [u.username])).rows[0]!;
    expect(JSON.parse(row.detail)).toMatchObject({ denied: ['security', 'economy'], granted: ['occupancy', 'equipment', 'energy'] });
    expect(live.runtime!.stream!.stats.layersDenied).toBeGreaterThanOrEqual(4);

    // A new session (another login) is a new principal session: audited once more.
    const again = new HttpClient(s.server.url);
    await again.login(u.username, u.password);
    for (let i = 0; i < 2; i++) {
      const sock = await open(wsUrl, again, origin);
      await subscribeAll(sock);
      sock.ws.close();
    }
    for (let i = 0; i < 50 && (await streamDenials(u.username)) < 2; i++) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 300));
    expect(await streamDenials(u.username)).toBe(2);

    // A principal with no readable layer at all is refused with an error, also audited once per session.
    const none = await s.userWith(['auditor']);
    for (let i = 0; i < 3; i++) {
      const sock = await open(wsUrl, none.client, origin);
      expect(sock.json[0]).toMatchObject({ type: 'welcome', allowed: [] });
      expect(await subscribeAll(sock)).toMatchObject({ type: 'error', code: 'forbidden' });
      sock.ws.close();
    }
    for (let i = 0; i < 50 && (await streamDenials(none.username)) < 1; i++) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 300));
    expect(await streamDenials(none.username)).toBe(1);
  });

  it('shows an enterprise user the rooms it leases and its own economy record, nothing else', async () => {
    const hub = live.runtime!.hub;
    const ent = await s.userWith(['enterprise_user'], fx.enterprise);
    const staff = await s.userWith(['leadership_viewer']);
    const a = await open(wsUrl, ent.client, origin);
    const b = await open(wsUrl, staff.client, origin);
    await subscribeAll(a);
    await subscribeAll(b);
    a.records.length = 0;
    b.records.length = 0;
    hub.update(fx.rooms[0]!, LAYER_IDS.occupancy, 4, 0);
    hub.update(fx.rooms[1]!, LAYER_IDS.occupancy, 7, 0);
    hub.update(fx.enterprise, LAYER_IDS.economy, 100, 0);
    hub.flush();
    await b.until(() => b.records.some((r) => r.idx === fx.rooms[1]) && b.records.some((r) => r.idx === fx.enterprise));
    await a.until(() => a.records.some((r) => r.idx === fx.enterprise) && a.records.some((r) => r.idx === fx.rooms[0]));
    await new Promise((r) => setTimeout(r, 100));
    // The staff member sees the other room and the roll-ups (floor, building, park); the tenant does not.
    expect(b.records.some((r) => r.idx === fx.floor)).toBe(true);
    expect(new Set(a.records.map((r) => r.idx))).toEqual(new Set([fx.rooms[0], fx.enterprise]));
    a.ws.close();
    b.ws.close();
  });
});
