/**
 * The real /ws stream hub behind the auth platform: upgrades refused (and audited) without a
 * valid credential or from a foreign Origin; every client message type enumerated from the
 * protocol union and sent by principals lacking the permission; sockets closed when the session
 * ends (logout, password change, idle sweep).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { clientMessageSchema, LAYERS, PROTOCOL_VERSION, type ClientMessage } from '@park-twin/layers';
import { allModules } from '../modules/index.ts';
import { ROLES } from './roles.ts';
import type { Permission } from './types.ts';
import { HttpClient, startAuthServer, type AuthTestServer } from './testing.ts';

/** One valid example per client message type; a new type without an example fails the test below. */
const EXAMPLES: Record<string, ClientMessage> = {
  hello: { type: 'hello', version: PROTOCOL_VERSION },
  subscribe: { type: 'subscribe', layers: LAYERS.map((l) => l.name) as never },
  unsubscribe: { type: 'unsubscribe' },
  ping: { type: 'ping', t: 1 },
};

interface Sock {
  ws: WebSocket;
  texts: { type: string; code?: string }[];
  binaries: number;
  closed: Promise<{ code: number }>;
  next(type: string): Promise<{ type: string; code?: string }>;
}

function open(url: string, headers: Record<string, string>): Promise<Sock> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    const texts: Sock['texts'] = [];
    const waiters: { type: string; fn: (m: { type: string }) => void }[] = [];
    const s: Sock = {
      ws, texts, binaries: 0,
      closed: new Promise((r) => ws.on('close', (code) => r({ code }))),
      next: (type) => new Promise((r) => {
        const seen = texts.find((t) => t.type === type);
        if (seen) {
          texts.splice(texts.indexOf(seen), 1);
          r(seen);
        } else waiters.push({ type, fn: r });
      }),
    };
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        s.binaries++;
        return;
      }
      const m = JSON.parse(String(data)) as { type: string };
      const w = waiters.findIndex((x) => x.type === m.type);
      if (w >= 0) waiters.splice(w, 1)[0]!.fn(m);
      else texts.push(m);
      if (m.type === 'welcome') resolve(s);
    });
    ws.once('unexpected-response', (_q, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

describe('WebSocket access control on the real stream hub', () => {
  let s: AuthTestServer;
  let wsUrl = '';
  let origin = '';
  const headersOf = (c: HttpClient, o = origin) => ({
    Cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; '), Origin: o,
  });
  const denied = async () => (await s.server.sc.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM audit_log WHERE action = 'access.denied' AND object LIKE 'WS %'")).rows[0]!.n;

  beforeAll(async () => {
    s = await startAuthServer('pglite', { modules: allModules() });
    wsUrl = `${s.server.url.replace(/^http/, 'ws').replace('localhost', '127.0.0.1')}/ws`;
    origin = `http://${new URL(wsUrl).host}`;
  }, 180_000);
  afterAll(async () => {
    await s?.server.stop();
  });

  it('refuses the upgrade without a credential, with an expired or tampered one, or from a foreign Origin; each audited', async () => {
    const viewer = await s.userWith(['leadership_viewer']);
    const expiring = await s.userWith(['leadership_viewer']);
    const forged = new HttpClient(s.server.url);
    for (const [k, v] of viewer.client.cookies) forged.cookies.set(k, k === 'twin_session' ? `${v.slice(0, -2)}xy` : v);
    const before = await denied();
    await expect(open(wsUrl, { Origin: origin })).rejects.toThrow(/401/);
    await expect(open(wsUrl, headersOf(forged))).rejects.toThrow(/401/);
    await expect(open(wsUrl, { Authorization: 'Bearer twd_forgedforgedforgedforgedforgedforged' })).rejects.toThrow(/401/);
    await expect(open(wsUrl, headersOf(viewer.client, 'https://evil.example'))).rejects.toThrow(/401/);
    await expect(open(wsUrl, headersOf(viewer.client, ''))).rejects.toThrow(/401/);
    s.clock.advanceMinutes(16);
    await expect(open(wsUrl, headersOf(expiring.client))).rejects.toThrow(/401/);
    expect(await denied()).toBe(before + 6);
  });

  it('enumerates every client message type; principals without the permission get no data', async () => {
    const types = clientMessageSchema.options.map((o) => (o.shape.type as unknown as { value: string }).value);
    expect([...types].sort()).toEqual(Object.keys(EXAMPLES).sort());
    const streamDenials = async () => (await s.server.sc.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM audit_log WHERE action = 'stream.denied' AND outcome = 'denied'")).rows[0]!.n;
    const before = await streamDenials();
    // An account without roles, and the auditor (no stream:read): authenticated, but entitled to nothing.
    for (const roles of [[], ['auditor'], ['system_admin']]) {
      const u = await s.userWith(roles);
      const sock = await open(wsUrl, headersOf(u.client));
      for (const type of types) sock.ws.send(JSON.stringify(EXAMPLES[type]));
      const err = await sock.next('error');
      expect(err).toMatchObject({ code: 'forbidden' });
      await sock.next('pong'); // pings are answered: they carry no park data
      expect(sock.binaries).toBe(0);
      expect(sock.texts.some((t) => t.type === 'subscribed')).toBe(false);
      sock.ws.close();
    }
    // Each refusal is audited (the writes are asynchronous: wait for them to land).
    for (let i = 0; i < 50 && (await streamDenials()) < before + 3; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await streamDenials()).toBeGreaterThanOrEqual(before + 3);
  });

  it('refuses each layer to a role without that layer\'s permission', async () => {
    for (const layer of LAYERS) {
      const role = ROLES.find((r) => r.permissions.includes('stream:read') && !r.permissions.includes(layer.permission as Permission));
      if (!role) continue; // every streaming role may see this layer
      const u = await s.userWith([role.id]);
      const sock = await open(wsUrl, headersOf(u.client));
      sock.ws.send(JSON.stringify(EXAMPLES.hello));
      sock.ws.send(JSON.stringify({ type: 'subscribe', layers: [layer.name] }));
      expect(await sock.next('error'), `${role.id} on ${layer.name}`).toMatchObject({ code: 'forbidden' });
      sock.ws.close();
    }
    // And a role that holds it is served.
    const ok = await s.userWith(['leadership_viewer']);
    const sock = await open(wsUrl, headersOf(ok.client));
    sock.ws.send(JSON.stringify(EXAMPLES.hello));
    sock.ws.send(JSON.stringify(EXAMPLES.subscribe));
    expect(await sock.next('subscribed')).toMatchObject({ type: 'subscribed' });
    sock.ws.close();
  });

  it('closes the open socket when its session ends: logout, password change, idle sweep', async () => {
    const a = await s.userWith(['maintenance']);
    const sa = await open(wsUrl, headersOf(a.client));
    expect((await a.client.req('POST', '/api/auth/logout')).status).toBe(200);
    expect((await sa.closed).code).toBe(4001);

    const b = await s.userWith(['maintenance']);
    const other = new HttpClient(s.server.url);
    await other.login(b.username, b.password);
    const sb = await open(wsUrl, headersOf(other));
    expect((await b.client.req('POST', '/api/auth/password', { current: b.password, next: 'Another-Good-Pass-5' })).status).toBe(200);
    expect((await sb.closed).code).toBe(4001);

    const c = await s.userWith(['maintenance']);
    const sc = await open(wsUrl, headersOf(c.client));
    s.clock.advanceMinutes(16);
    await s.auth.sweep();
    expect((await sc.closed).code).toBe(4001);
  });
});
