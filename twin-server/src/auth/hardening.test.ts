/**
 * Issue 14 must-show 2 (items 2 and 3) and item 8: the attacks an independent probe used, run
 * again against a real server; each must now fail to get through.
 *  - lockout raced by parallel guesses (5 bursts of 50 evaluated 150 passwords; threshold 5),
 *  - lockout used to lock anyone out (administrators included) and to tell real usernames apart,
 *  - one administrator taking over, resetting, disabling or deleting another administrator's account,
 *  - common passwords, a NUL byte in the username, anonymous health details.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseArgs } from '../cli/args.ts';
import { runUser } from '../cli/user.ts';
import { HttpClient, startAuthServer, TEST_ADMIN_PASSWORD_CHANGED, type AuthTestServer, type Res } from './testing.ts';

/** Sends a JSON POST from a chosen loopback address (127.0.0.x), i.e. from another client machine. */
function postFrom(localAddress: string, base: string, path: string, body: unknown): Promise<{ status: number; message: string }> {
  const url = new URL(path, base);
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', localAddress,
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { text += c; });
      res.on('end', () => {
        let message = text;
        try {
          message = (JSON.parse(text) as { error?: { message: string } }).error?.message ?? 'ok';
        } catch { /* not JSON */ }
        resolve({ status: res.statusCode ?? 0, message });
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}

const message = (r: Res) => (r.body as { error?: { message: string } }).error?.message ?? '';

for (const backend of ['pglite', 'postgres'] as const) {
  describe.skipIf(backend === 'postgres' && inject('pgMissing') !== null)(`attacks from the security probe fail [${backend}]`, () => {
    let s: AuthTestServer;
    beforeAll(async () => {
      s = await startAuthServer(backend);
    }, 180_000);
    afterAll(async () => {
      await s?.server.stop();
    });

    const db = () => s.server.sc.db;
    /** Failed-login audit rows of a typed name: how many passwords were really checked, and how many were refused unchecked. */
    const loginFailures = async (name: string) => {
      const r = await db().query<{ detail: string }>("SELECT detail FROM audit_log WHERE action = 'auth.login' AND outcome = 'failure' AND actor_name = $1", [name]);
      const details = r.rows.map((x) => JSON.parse(x.detail) as { failures?: number; reason: string });
      return { evaluated: details.filter((d) => d.failures !== undefined).length, unchecked: details.filter((d) => d.failures === undefined).length };
    };

    it('5 bursts of 50 parallel guesses check at most 5 passwords, and the right one among them does not get in', async () => {
      const u = await s.userWith(['investment']);
      const url = s.server.url;
      const statuses: number[] = [];
      for (let burst = 0; burst < 5; burst++) {
        const rs = await Promise.all(Array.from({ length: 50 }, (_, i) => {
          // The right password sits in every burst after the first: checked, it would open a session.
          const password = burst > 0 && i === 25 ? u.password : `Wrong-Guess-${burst}-${i}`;
          return new HttpClient(url).req('POST', '/api/auth/login', { username: u.username, password });
        }));
        statuses.push(...rs.map((r) => r.status));
      }
      const f = await loginFailures(u.username);
      console.log(`[lockout] ${backend}: 250 parallel guesses, ${f.evaluated} passwords checked, ${f.unchecked} refused unchecked, ${statuses.filter((x) => x === 200).length} logins`);
      expect(statuses.filter((x) => x === 200)).toEqual([]);
      expect(f.evaluated).toBe(5);
      expect(f.unchecked).toBe(245);
      const sessions = await db().query<{ n: number }>('SELECT count(*)::int AS n FROM auth_session WHERE user_id = $1 AND ended_at IS NULL', [u.id]);
      expect(sessions.rows[0]!.n).toBe(1); // only the one userWith opened
      // After the lockout the owner gets in; another parallel burst again checks at most 5.
      s.clock.advanceMinutes(16);
      const again = await Promise.all(Array.from({ length: 50 }, (_, i) =>
        new HttpClient(url).req('POST', '/api/auth/login', { username: u.username, password: `Later-Guess-${i}` })));
      expect(again.every((r) => r.status === 401)).toBe(true);
      expect((await loginFailures(u.username)).evaluated).toBe(10);
      s.clock.advanceMinutes(16);
      expect((await new HttpClient(url).req('POST', '/api/auth/login', { username: u.username, password: u.password })).status).toBe(200);
    });

    it('a guesser locks out only itself: the administrator logs in from elsewhere, and unknown names lock the same way', async () => {
      const base = s.server.url;
      // Make sure sysadmin has its own password set (first-login change done).
      await s.admin('sysadmin');
      const attacker = '127.0.0.2';
      const seen: { status: number; message: string }[] = [];
      for (let i = 0; i < 6; i++) seen.push(await postFrom(attacker, base, '/api/auth/login', { username: 'sysadmin', password: `Guess-Nr-${i}x` }));
      expect(seen.map((r) => r.status)).toEqual([401, 401, 401, 401, 401, 401]);
      expect(seen[4]!.message).toMatch(/locked/);
      // The right password from the attacker's address is refused while its lock lasts...
      expect((await postFrom(attacker, base, '/api/auth/login', { username: 'sysadmin', password: TEST_ADMIN_PASSWORD_CHANGED })).message).toMatch(/locked/);
      // ...but the administrator at its own desk is not locked out.
      const desk = await postFrom('127.0.0.1', base, '/api/auth/login', { username: 'sysadmin', password: TEST_ADMIN_PASSWORD_CHANGED });
      expect(desk).toEqual({ status: 200, message: 'ok' });

      // Username probing: an unknown name answers exactly like a real one, lock included.
      const probe = async (username: string, from: string) => {
        const out: string[] = [];
        for (let i = 0; i < 7; i++) {
          const r = await postFrom(from, base, '/api/auth/login', { username, password: `Probe-Pw-${i}z` });
          out.push(`${r.status} ${r.message}`);
        }
        return out;
      };
      const real = await probe('auditor', '127.0.0.3');
      const unknown = await probe('no.such.person', '127.0.0.3');
      expect(unknown).toEqual(real);
      expect(real.at(-1)).toMatch(/^401 .*locked/);

      // The lock ends by itself.
      s.clock.advanceMinutes(16);
      expect((await postFrom(attacker, base, '/api/auth/login', { username: 'sysadmin', password: TEST_ADMIN_PASSWORD_CHANGED })).status).toBe(200);
    });

    it('answers a NUL byte in the username with 401 (not 500) and audits the attempt', async () => {
      const r = await new HttpClient(s.server.url).req('POST', '/api/auth/login', { username: 'sys\u0000admin', password: 'Whatever-1x' });
      expect(r.status).toBe(401);
      const row = await db().query<{ actor_name: string }>("SELECT actor_name FROM audit_log WHERE action = 'auth.login' AND actor_name = $1", ['sys\ufffdadmin']);
      expect(row.rows).toHaveLength(1);
    });

    it('refuses common passwords and thin disguises of them', async () => {
      const sys = await s.admin('sysadmin');
      const u = await s.userWith(['maintenance']);
      for (const weak of ['Passw0rd', 'P@ssw0rd', 'Qwerty123', 'Admin@123', 'Woaini1314!']) {
        const r = await u.client.req('POST', '/api/auth/password', { current: u.password, next: weak });
        expect({ weak, status: r.status }).toEqual({ weak, status: 400 });
        expect(message(r)).toMatch(/too common/);
        const c = await sys.req('POST', '/api/users', { username: `weak.${weak.length}x`, displayName: 'x', password: weak });
        expect(c.status).toBe(400);
      }
      expect((await u.client.req('POST', '/api/auth/password', { current: u.password, next: 'Lantern-Orchard-58' })).status).toBe(200);
    });

    it('shows anonymous callers only that the server is up; details need system:read', async () => {
      const anon = await new HttpClient(s.server.url).req('GET', '/api/health');
      expect(anon.status).toBe(200);
      expect(anon.body).toEqual({ status: 'ok' });
      const sys = await s.admin('sysadmin');
      const full = await sys.req('GET', '/api/health');
      expect(full.body).toMatchObject({ status: 'ok', backend, migration: { level: expect.any(Number) }, uptimeSeconds: expect.any(Number) });
      expect(String((full.body as { postgis: string }).postgis)).toMatch(/^3\./);
      const aud = await s.admin('auditor');
      expect((await aud.req('GET', '/api/health')).body).toEqual({ status: 'ok' });
      // A forged cookie on the public route is simply anonymous.
      const forged = new HttpClient(s.server.url);
      forged.cookies.set('twin_session', 'forged');
      expect((await forged.req('GET', '/api/health')).body).toEqual({ status: 'ok' });
    });

    describe('three-administrator separation', () => {
      const ids = new Map<string, string>();
      let sys: HttpClient;
      let sec: HttpClient;
      let aud: HttpClient;
      beforeAll(async () => {
        sys = await s.admin('sysadmin');
        sec = await s.admin('secadmin');
        aud = await s.admin('auditor');
        const users = (await sys.req('GET', '/api/users')).body as { users: { id: string; username: string }[] };
        for (const u of users.users) ids.set(u.username, u.id);
      });
      const refusals = async () => (await db().query<{ n: number }>(
        "SELECT count(*)::int AS n FROM audit_log WHERE action = 'access.denied' AND detail LIKE '%administrator-account%'")).rows[0]!.n;
      const hashes = async () => (await db().query<{ username: string; password_hash: string; disabled: boolean; roles: string[] }>(
        "SELECT username, password_hash, disabled, roles FROM app_user WHERE username IN ('sysadmin', 'secadmin', 'auditor') ORDER BY username")).rows;

      it('refuses every takeover, reset, disable, delete and role change of another administrator, auditing each', async () => {
        const before = await hashes();
        const r0 = await refusals();
        const attempts: [HttpClient, string, string, unknown?][] = [];
        for (const victim of ['auditor', 'secadmin']) {
          const id = ids.get(victim)!;
          attempts.push(
            [sys, 'POST', `/api/users/${id}/reset-password`],
            [sys, 'PATCH', `/api/users/${id}`, { disabled: true }],
            [sys, 'PATCH', `/api/users/${id}`, { displayName: 'Taken over' }],
            [sys, 'PATCH', `/api/users/${id}`, { enterpriseIdx: null }],
            [sys, 'DELETE', `/api/users/${id}`],
          );
        }
        for (const victim of ['auditor', 'sysadmin']) attempts.push([sec, 'PUT', `/api/users/${ids.get(victim)!}/roles`, { roles: [] }]);
        attempts.push([sec, 'PUT', `/api/users/${ids.get('sysadmin')!}/roles`, { roles: ['auditor'] }]);
        // Not even on one's own account: a one-time password is for the console.
        attempts.push([sys, 'POST', `/api/users/${ids.get('sysadmin')!}/reset-password`]);
        for (const [client, method, path, body] of attempts) {
          const r = await client.req(method, path, body);
          expect({ method, path, status: r.status }).toEqual({ method, path, status: 403 });
          expect(message(r)).toMatch(/administrator account.*console/);
        }
        expect(await refusals()).toBe(r0 + attempts.length);
        expect(await hashes()).toEqual(before);
        // The victims still work, with their own passwords and rights.
        expect((await aud.req('GET', '/api/audit?limit=1')).status).toBe(200);
        expect((await sec.req('GET', '/api/roles')).status).toBe(200);
        expect((await new HttpClient(s.server.url).req('POST', '/api/auth/login', { username: 'auditor', password: TEST_ADMIN_PASSWORD_CHANGED })).status).toBe(200);
        // What stays allowed: one's own profile fields, and lifting a lockout (it grants nobody access).
        expect((await sys.req('PATCH', `/api/users/${ids.get('sysadmin')!}`, { displayName: '系统管理员（值班）' })).status).toBe(200);
        expect((await sys.req('POST', `/api/users/${ids.get('auditor')!}/unlock`)).status).toBe(200);
      });

      it('protects a second administrator the same way, and recovery works from the console, audited', async () => {
        const created = await sys.req('POST', '/api/users', { username: 'ops.admin2', displayName: 'Second sysadmin' });
        expect(created.status).toBe(201);
        const id = (created.body as { user: { id: string } }).user.id;
        expect((await sec.req('PUT', `/api/users/${id}/roles`, { roles: ['system_admin'] })).status).toBe(200);
        expect((await sys.req('POST', `/api/users/${id}/reset-password`)).status).toBe(403);
        expect((await sys.req('DELETE', `/api/users/${id}`)).status).toBe(403);

        const out: string[] = [];
        const say = (l: string) => out.push(l);
        expect(await runUser(db(), parseArgs(['disable', 'auditor']), say, () => s.auth.now())).toBe(0);
        expect((await aud.req('GET', '/api/audit?limit=1')).status).toBe(401);
        expect((await new HttpClient(s.server.url).req('POST', '/api/auth/login', { username: 'auditor', password: TEST_ADMIN_PASSWORD_CHANGED })).text).toMatch(/disabled/);
        expect(await runUser(db(), parseArgs(['enable', 'auditor']), say, () => s.auth.now())).toBe(0);
        expect(await runUser(db(), parseArgs(['reset-password', 'auditor']), say, () => s.auth.now())).toBe(0);
        const temp = /one-time password (\S{20})/.exec(out.at(-1)!)![1]!;
        const again = new HttpClient(s.server.url);
        expect(((await again.login('auditor', temp)).body as { mustChangePassword: boolean }).mustChangePassword).toBe(true);
        const console_ = await db().query<{ action: string }>(
          "SELECT action FROM audit_log WHERE actor_kind = 'system' AND actor_name = 'console' AND object = 'user:auditor' ORDER BY seq");
        expect(console_.rows.map((r) => r.action)).toEqual(['user.disable', 'user.enable', 'user.password.reset']);
      });
    });
  });
}
