import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { startAuthServer, HttpClient, TEST_ADMIN_PASSWORD, TEST_ADMIN_PASSWORD_CHANGED, type AuthTestServer } from './testing.ts';
import type { AuthService } from './service.ts';
import { RateLimiter } from './http.ts';

/**
 * A minimal WebSocket endpoint built only on the auth contract (authenticateUpgrade +
 * onSessionEnded), the way the stream hub uses it.
 */
async function miniWsServer(auth: AuthService): Promise<{ url: string; close(): Promise<void> }> {
  const wss = new WebSocketServer({ noServer: true });
  const bySession = new Map<string, Set<WebSocket>>();
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  server.on('upgrade', (req, socket, head) => {
    void auth.authenticateUpgrade(req).then((p) => {
      if (!p) {
        socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        const set = bySession.get(p.sessionId) ?? new Set();
        set.add(ws);
        bySession.set(p.sessionId, set);
        ws.send(JSON.stringify({ type: 'welcome', who: p.name }));
      });
    });
  });
  const off = auth.onSessionEnded((id, reason) => {
    for (const ws of bySession.get(id) ?? []) ws.close(4001, `session ended: ${reason}`);
    bySession.delete(id);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}/ws`,
    async close() {
      off();
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Opens a socket with the client's cookies; resolves on welcome, rejects on refusal. */
function openWs(url: string, client: HttpClient, origin = `http://${new URL(url).host}`): Promise<{ ws: WebSocket; closed: Promise<{ code: number; reason: string }> }> {
  return new Promise((resolve, reject) => {
    const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const ws = new WebSocket(url, { headers: { Cookie: cookie, Origin: origin } });
    const closed = new Promise<{ code: number; reason: string }>((r) => ws.on('close', (code, reason) => r({ code, reason: reason.toString() })));
    ws.once('message', () => resolve({ ws, closed }));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

async function auditCount(s: AuthTestServer, action: string, where = ''): Promise<number> {
  const r = await s.server.sc.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action = $1 ${where}`, [action]);
  return r.rows[0]!.n;
}

for (const backend of ['pglite', 'postgres'] as const) {
  describe.skipIf(backend === 'postgres' && inject('pgMissing') !== null)(`accounts and sessions [${backend}]`, () => {
    let s: AuthTestServer;
    let ws: Awaited<ReturnType<typeof miniWsServer>>;
    beforeAll(async () => {
      s = await startAuthServer(backend);
      ws = await miniWsServer(s.auth);
    }, 120_000);
    afterAll(async () => {
      await ws?.close();
      await s?.server.stop();
    });

    it('creates three separated administrators at first start, each forced to change its password', async () => {
      expect(s.printed.join('\n')).toMatch(/sysadmin[\s\S]*secadmin[\s\S]*auditor/);
      const c = new HttpClient(s.server.url);
      const r = await c.login('sysadmin', TEST_ADMIN_PASSWORD);
      expect(r.body).toMatchObject({ mustChangePassword: true });
      const cookie = r.headers.getSetCookie().find((x) => x.startsWith('twin_session='))!;
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toMatch(/SameSite=Strict/i);
      expect(cookie).not.toMatch(/Secure/i); // plain HTTP here; HTTPS sets Secure
      // Nothing but the password change until it is done.
      expect((await c.req('GET', '/api/users')).status).toBe(403);
      const weak = await c.req('POST', '/api/auth/password', { current: TEST_ADMIN_PASSWORD, next: 'sysadmin123' });
      expect(weak.status).toBe(400);
      expect(weak.text).toMatch(/username/);
      expect(weak.text).toMatch(/at least 3 of/);
      const ok = await c.req('POST', '/api/auth/password', { current: TEST_ADMIN_PASSWORD, next: TEST_ADMIN_PASSWORD_CHANGED });
      expect(ok.status).toBe(200);
      expect((await c.req('GET', '/api/users')).status).toBe(200);
      // Separated duties: the system administrator reads no audit and grants no roles.
      expect((await c.req('GET', '/api/audit')).status).toBe(403);
      const users = (await c.req('GET', '/api/users')).body as { users: { id: string; username: string }[] };
      const auditorId = users.users.find((u) => u.username === 'auditor')!.id;
      expect((await c.req('PUT', `/api/users/${auditorId}/roles`, { roles: ['system_admin'] })).status).toBe(403);
    });

    it('sends security headers: CSP without external origins, nosniff, frame-ancestors, referrer policy', async () => {
      for (const path of ['/api/health', '/']) {
        const r = await fetch(s.server.url + path);
        const csp = r.headers.get('content-security-policy')!;
        expect(csp).toMatch(/default-src 'self'/);
        expect(csp).toMatch(/frame-ancestors 'none'/);
        expect(csp).not.toMatch(/https?:\/\//);
        expect(r.headers.get('x-content-type-options')).toBe('nosniff');
        expect(r.headers.get('referrer-policy')).toBe('no-referrer');
        expect(r.headers.get('strict-transport-security')).toBeNull(); // only over HTTPS
      }
    });

    it('refuses mutations without the CSRF token and cross-origin logins, and audits both', async () => {
      const { client } = await s.userWith(['leadership_viewer']);
      const noCsrf = new HttpClient(s.server.url, { csrf: false });
      for (const [k, v] of client.cookies) noCsrf.cookies.set(k, v);
      const before = await auditCount(s, 'access.denied', "AND detail LIKE '%csrf-token-mismatch%'");
      expect((await noCsrf.req('POST', '/api/auth/logout')).status).toBe(401);
      expect(await auditCount(s, 'access.denied', "AND detail LIKE '%csrf-token-mismatch%'")).toBe(before + 1);
      expect((await client.req('GET', '/api/auth/me')).status).toBe(200); // still logged in
      const evil = new HttpClient(s.server.url, { origin: 'https://evil.example' });
      expect((await evil.req('POST', '/api/auth/login', { username: 'auditor', password: 'x' })).status).toBe(403);
      expect((await client.req('POST', '/api/auth/logout')).status).toBe(200);
      expect((await client.req('GET', '/api/auth/me')).status).toBe(401);
    });

    it('locks an account after 5 failed logins, even against the right password, until the lockout ends', async () => {
      const u = await s.userWith(['investment']);
      const c = new HttpClient(s.server.url);
      for (let i = 0; i < 4; i++) expect((await c.req('POST', '/api/auth/login', { username: u.username, password: 'Wrong-Pass-1' })).status).toBe(401);
      const fifth = await c.req('POST', '/api/auth/login', { username: u.username, password: 'Wrong-Pass-1' });
      expect(fifth.text).toMatch(/locked/);
      const right = await c.req('POST', '/api/auth/login', { username: u.username, password: u.password });
      expect(right.status).toBe(401);
      expect(right.text).toMatch(/locked/);
      expect(await auditCount(s, 'account.locked', `AND object = 'user:${u.username}'`)).toBe(1);
      expect(await auditCount(s, 'auth.login', `AND outcome = 'failure' AND actor_name = '${u.username}'`)).toBe(6);
      s.clock.advanceMinutes(14);
      expect((await c.req('POST', '/api/auth/login', { username: u.username, password: u.password })).status).toBe(401);
      s.clock.advanceMinutes(2);
      expect((await c.req('POST', '/api/auth/login', { username: u.username, password: u.password })).status).toBe(200);
    });

    it('ends a session idle for more than 15 minutes, and one past its absolute lifetime', async () => {
      const { client } = await s.userWith(['maintenance']);
      s.clock.advanceMinutes(14);
      expect((await client.req('GET', '/api/auth/me')).status).toBe(200); // activity resets the idle timer
      s.clock.advanceMinutes(14);
      expect((await client.req('GET', '/api/auth/me')).status).toBe(200);
      s.clock.advanceMinutes(16);
      const r = await client.req('GET', '/api/auth/me');
      expect(r.status).toBe(401);
      const ended = await s.server.sc.db.query<{ end_reason: string }>(
        `SELECT end_reason FROM auth_session WHERE ended_at IS NOT NULL ORDER BY ended_at DESC LIMIT 1`);
      expect(ended.rows[0]!.end_reason).toBe('idle');

      const busy = await s.userWith(['maintenance']);
      for (let h = 0; h < 11.5 * 6; h++) {
        s.clock.advanceMinutes(10);
        expect((await busy.client.req('GET', '/api/auth/me')).status).toBe(200);
      }
      s.clock.advanceMinutes(31); // 12 h after login, though never idle
      const late = await busy.client.req('GET', '/api/auth/me');
      expect(late.status).toBe(401);
    });

    it('does not let background polling keep an unattended session alive', async () => {
      const { client } = await s.userWith(['leadership_viewer']);
      for (let i = 0; i < 3; i++) {
        s.clock.advanceMinutes(5);
        expect((await client.req('GET', '/api/auth/me', undefined, { 'X-Twin-Background': '1' })).status).toBe(200);
      }
      s.clock.advanceMinutes(1); // 16 minutes without user activity
      expect((await client.req('GET', '/api/auth/me', undefined, { 'X-Twin-Background': '1' })).status).toBe(401);
    });

    it('closes an idle session\'s open WebSocket at the sweep, without any HTTP request', async () => {
      const { client } = await s.userWith(['leadership_viewer']);
      const { closed } = await openWs(ws.url, client);
      s.clock.advanceMinutes(16);
      const ended = await s.auth.sweep();
      expect(ended.length).toBeGreaterThan(0);
      expect(await closed).toMatchObject({ code: 4001, reason: 'session ended: idle' });
    });

    it('revokes every session of a user on password change and closes their open WebSockets', async () => {
      const u = await s.userWith(['property_manager']);
      const other = new HttpClient(s.server.url);
      await other.login(u.username, u.password);
      const sock = await openWs(ws.url, other);
      const sock2 = await openWs(ws.url, u.client);
      const r = await u.client.req('POST', '/api/auth/password', { current: u.password, next: 'Brand-New-Pass-7' });
      expect(r.status).toBe(200);
      expect(await sock.closed).toMatchObject({ code: 4001, reason: 'session ended: password-changed' });
      expect(await sock2.closed).toMatchObject({ code: 4001 });
      expect((await other.req('GET', '/api/auth/me')).status).toBe(401);
      // The caller got a fresh session; the old password no longer works.
      expect((await u.client.req('GET', '/api/auth/me')).status).toBe(200);
      expect((await new HttpClient(s.server.url).req('POST', '/api/auth/login', { username: u.username, password: u.password })).status).toBe(401);
      await expect(openWs(ws.url, other)).rejects.toThrow(/401/);
    });

    it('refuses WebSocket upgrades from a foreign Origin or without a session, and audits them', async () => {
      const { client } = await s.userWith(['leadership_viewer']);
      const before = await auditCount(s, 'access.denied', "AND object LIKE 'WS %'");
      await expect(openWs(ws.url, client, 'https://evil.example')).rejects.toThrow(/401/);
      await expect(openWs(ws.url, new HttpClient(s.server.url))).rejects.toThrow(/401/);
      expect(await auditCount(s, 'access.denied', "AND object LIKE 'WS %'")).toBe(before + 2);
      const ok = await openWs(ws.url, client);
      ok.ws.close();
    });

    it('pairs a command wall by one-time code or fragment token: read-only, no login, revocable', async () => {
      const sec = await s.admin('secadmin');
      const created = await sec.req('POST', '/api/devices', { name: 'Lobby wall 4x2', kind: 'wall' });
      expect(created.status).toBe(201);
      const d = created.body as { id: string; token: string; pairingCode: string; wallUrl: string };
      expect(d.wallUrl).toBe(`/wall#device=${d.token}`);
      const wall = new HttpClient(s.server.url);
      expect((await wall.req('POST', '/api/auth/device/pair', { code: d.pairingCode })).status).toBe(200);
      const me = (await wall.req('GET', '/api/auth/me')).body as { kind: string; permissions: string[] };
      expect(me.kind).toBe('device');
      expect(me.permissions.length).toBeGreaterThan(3);
      expect(me.permissions.every((p) => p.endsWith(':read'))).toBe(true);
      // Walls do not idle out.
      s.clock.advanceMinutes(120);
      expect((await wall.req('GET', '/api/auth/me')).status).toBe(200);
      // The code is one-time.
      expect((await new HttpClient(s.server.url).req('POST', '/api/auth/device/pair', { code: d.pairingCode })).status).toBe(401);
      // The token from the URL fragment works as often as needed, and as a bearer token.
      const wall2 = new HttpClient(s.server.url);
      expect((await wall2.req('POST', '/api/auth/device/session', { token: d.token })).status).toBe(200);
      expect((await new HttpClient(s.server.url, { bearer: d.token }).req('GET', '/api/auth/me')).status).toBe(200);
      expect((await wall.req('GET', '/api/users')).status).toBe(403);
      const sock = await openWs(ws.url, wall2);
      // The administrator's own session idled out during those two hours, as it should.
      expect((await sec.req('GET', '/api/devices')).status).toBe(401);
      const sec2 = await s.admin('secadmin');
      expect((await sec2.req('POST', `/api/devices/${d.id}/revoke`)).status).toBe(200);
      expect(await sock.closed).toMatchObject({ code: 4001 });
      expect((await wall.req('GET', '/api/auth/me')).status).toBe(401);
      expect((await new HttpClient(s.server.url, { bearer: d.token }).req('GET', '/api/auth/me')).status).toBe(401);
      expect((await new HttpClient(s.server.url).req('POST', '/api/auth/device/session', { token: d.token })).status).toBe(401);
    });

    it('stores phone and ID numbers encrypted (AES-256-GCM) and shows them only to the system administrator', async () => {
      const sys = await s.admin('sysadmin');
      const r = await sys.req('POST', '/api/users', { username: 'zhang.wei', displayName: '张伟', phone: '13812345678', idNumber: '11010519491231002X' });
      expect(r.status).toBe(201);
      const body = r.body as { user: { id: string; phone: string }; initialPassword: string };
      expect(body.user.phone).toBe('*******5678');
      expect(body.initialPassword.length).toBeGreaterThanOrEqual(12);
      const raw = await s.server.sc.db.query<{ phone_enc: string; id_number_enc: string }>('SELECT phone_enc, id_number_enc FROM app_user WHERE id = $1', [body.user.id]);
      expect(raw.rows[0]!.phone_enc).toMatch(/^v1:/);
      expect(raw.rows[0]!.phone_enc).not.toContain('5678');
      expect(Buffer.from(raw.rows[0]!.phone_enc.slice(3), 'base64').toString('latin1')).not.toContain('13812345678');
      expect(raw.rows[0]!.id_number_enc).not.toContain('1949');
      const one = (await sys.req('GET', `/api/users/${body.user.id}`)).body as { phone: string; idNumber: string };
      expect(one).toMatchObject({ phone: '13812345678', idNumber: '11010519491231002X' });
      // Moving a ciphertext to another row does not decrypt (the row id is bound in as associated data).
      expect(() => s.auth.cipher.decrypt(raw.rows[0]!.phone_enc, 'app_user.phone:00000000-0000-0000-0000-000000000000')).toThrow();
    });

    it('separates administrator duties: role grants by the security admin only, one admin role per account', async () => {
      const sec = await s.admin('secadmin');
      const aud = await s.admin('auditor');
      const assignments = (await sec.req('GET', '/api/roles/assignments')).body as { users: { id: string; username: string }[] };
      const target = assignments.users.find((u) => u.username === 'zhang.wei')!;
      expect((await sec.req('PUT', `/api/users/${target.id}/roles`, { roles: ['system_admin', 'auditor'] })).status).toBe(400);
      expect((await sec.req('PUT', `/api/users/${target.id}/roles`, { roles: ['maintenance', 'investment'] })).status).toBe(200);
      expect((await sec.req('POST', '/api/users', { username: 'sneaky', displayName: 'x' })).status).toBe(403);
      expect((await sec.req('GET', '/api/audit')).status).toBe(403);
      const me = (await sec.req('GET', '/api/auth/me')).body as { id: string };
      expect((await sec.req('PUT', `/api/users/${me.id}/roles`, { roles: ['auditor'] })).status).toBe(400);
      // The auditor reads and exports, and nothing else.
      const search = await aud.req('GET', '/api/audit?action=user.roles');
      expect(search.status).toBe(200);
      expect((search.body as { rows: { object: string }[] }).rows[0]!.object).toBe('user:zhang.wei');
      const exp = await aud.req('GET', '/api/audit/export');
      expect(exp.status).toBe(200);
      expect(exp.headers.get('x-audit-head')).toMatch(/^\d+:[0-9a-f]{64}$/);
      expect((await aud.req('GET', '/api/audit/verify')).body).toMatchObject({ ok: true });
      expect((await aud.req('GET', '/api/users')).status).toBe(403);
      expect((await aud.req('GET', '/api/devices')).status).toBe(403);
    });

    it('lets the system administrator disable, reset, unlock and delete accounts, ending their sessions', async () => {
      const sys = await s.admin('sysadmin');
      const u = await s.userWith(['investment']);
      const sock = await openWs(ws.url, u.client);
      expect((await sys.req('PATCH', `/api/users/${u.id}`, { disabled: true })).status).toBe(200);
      expect(await sock.closed).toMatchObject({ code: 4001 });
      expect((await u.client.req('GET', '/api/auth/me')).status).toBe(401);
      expect((await new HttpClient(s.server.url).req('POST', '/api/auth/login', { username: u.username, password: u.password })).text).toMatch(/disabled/);
      expect((await sys.req('PATCH', `/api/users/${u.id}`, { disabled: false })).status).toBe(200);
      const reset = await sys.req('POST', `/api/users/${u.id}/reset-password`);
      const temp = (reset.body as { initialPassword: string }).initialPassword;
      expect((await new HttpClient(s.server.url).req('POST', '/api/auth/login', { username: u.username, password: u.password })).status).toBe(401);
      const again = new HttpClient(s.server.url);
      expect(((await again.login(u.username, temp)).body as { mustChangePassword: boolean }).mustChangePassword).toBe(true);
      expect((await again.req('GET', '/api/auth/me')).status).toBe(200);
      expect((await sys.req('DELETE', `/api/users/${u.id}`)).status).toBe(204);
      expect((await again.req('GET', '/api/auth/me')).status).toBe(401);
      const me = (await sys.req('GET', '/api/auth/me')).body as { id: string };
      expect((await sys.req('DELETE', `/api/users/${me.id}`)).status).toBe(400);
      expect((await sys.req('POST', '/api/users', { username: 'bad name', displayName: 'x' })).status).toBe(400);
      expect((await sys.req('POST', '/api/users', { username: 'weak.pw', displayName: 'x', password: 'short' })).status).toBe(400);
      const n = await s.server.sc.db.query<{ n: number }>("SELECT count(*)::int AS n FROM app_user WHERE username = 'weak.pw'");
      expect(n.rows[0]!.n).toBe(0);
    });

    it('gives data-exchange clients a bearer identity with only the exchange role', async () => {
      const sec = await s.admin('secadmin');
      const created = (await sec.req('POST', '/api/devices', { name: 'City data hub', kind: 'exchange' })).body as { token: string; pairingCode: string | null };
      expect(created.pairingCode).toBeNull();
      const ex = new HttpClient(s.server.url, { bearer: created.token });
      const me = (await ex.req('GET', '/api/auth/me')).body as { kind: string; permissions: string[]; roles: string[] };
      expect(me.kind).toBe('exchange');
      expect(me.roles).toEqual(['data_exchange']);
      expect(me.permissions).toContain('exchange:read');
      expect(me.permissions).not.toContain('stream:read');
      // An exchange token cannot become a browser session.
      expect((await new HttpClient(s.server.url).req('POST', '/api/auth/device/session', { token: created.token })).status).toBe(401);
    });

    it('rejects oversized bodies before reading them', async () => {
      const c = new HttpClient(s.server.url);
      const big = 'x'.repeat(1024 * 1024 + 10);
      const r = await c.req('POST', '/api/auth/login', { username: 'a', password: big });
      expect(r.status).toBe(413);
    });
  });
}

describe('login rate limit over HTTP', () => {
  let s: AuthTestServer;
  beforeAll(async () => {
    s = await startAuthServer('pglite', { settings: { rateLoginPerMinute: 3 } });
  }, 120_000);
  afterAll(async () => {
    await s?.server.stop();
  });

  it('answers 429 with Retry-After past the per-minute limit, audits it once, and recovers after the window', async () => {
    const c = new HttpClient(s.server.url);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await c.req('POST', '/api/auth/login', { username: 'nobody', password: 'Nope-Nope-1' })).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429]);
    const r = await c.req('POST', '/api/auth/login', { username: 'nobody', password: 'Nope-Nope-1' });
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await auditCount(s, 'rate.limited')).toBe(1);
    // Other API routes have their own, larger budget.
    expect((await c.req('GET', '/api/health')).status).toBe(200);
    s.clock.advanceMinutes(1);
    expect((await c.req('POST', '/api/auth/login', { username: 'nobody', password: 'Nope-Nope-1' })).status).toBe(401);
  });
});

describe('rate limiter', () => {
  it('allows the limit per window, then asks to retry after the window, auditing once', () => {
    let t = 0;
    const rl = new RateLimiter(5, 60_000, () => t);
    for (let i = 0; i < 5; i++) expect(rl.hit('ip').wait).toBe(0);
    expect(rl.hit('ip')).toEqual({ wait: 60, first: true });
    expect(rl.hit('ip').first).toBe(false);
    expect(rl.hit('other').wait).toBe(0);
    t += 60_000;
    expect(rl.hit('ip').wait).toBe(0);
  });
});
