/**
 * Issue 14 item 4 / must-show 2: path spelling variants no longer slip past the checks that
 * compare paths. The probe sent 60 logins to each of `/api/auth/login/`, `/API/auth/login` and
 * `/api/auth/LOGIN` and every one was evaluated (login limit 10/min); `/API/...` also skipped the
 * API limiter, the Origin allowlist and `Cache-Control: no-store`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foldedPath, nonCanonical } from './canonical.ts';
import { HttpClient, startAuthServer, type AuthTestServer } from '../auth/testing.ts';

describe('canonical paths', () => {
  it('names what makes a server path non-canonical, and leaves the client app alone', () => {
    const bad = ['/API/auth/login', '/Api/health', '/api/auth/login/', '/api//auth/login', '/api/./auth/login', '/api/auth/../audit',
      '/api/auth/%6Cogin', '/api/auth%2Flogin', '/api/%2e%2e/x', '/tiles/p/x.glb/', '/TILES/p/tileset.json', '/WS', '/ws/', '/api\\auth', '/api/x%5Cy'];
    for (const p of bad) expect(nonCanonical(p), p).not.toBeNull();
    const good = ['/api/auth/login', '/api/users/3f1c0c4e-1111-4222-8333-444455556666', '/tiles/park-1/tileset.json', '/ws', '/api/x%20y', '/api/x%00y',
      '/', '/invest/', '/Wall', '/assets/index-AbCd1234.js', '/apix/thing/'];
    for (const p of good) expect(nonCanonical(p), p).toBeNull();
    expect(foldedPath('/API//Auth/Login/')).toBe('/api/auth/login');
  });
});

describe('path variants against a real server', () => {
  let s: AuthTestServer;
  beforeAll(async () => {
    s = await startAuthServer('pglite', { settings: { rateLoginPerMinute: 10 } });
  }, 120_000);
  afterAll(async () => {
    await s?.server.stop();
  });

  const loginAudits = async () => (await s.server.sc.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE action = 'auth.login'")).rows[0]!.n;

  it('never runs the login for a spelling variant, and variants share the login rate limit', async () => {
    const variants = ['/api/auth/login/', '/API/auth/login', '/api/auth/LOGIN', '/Api/Auth/Login/', '/api//auth/login', '/api/auth/%6Cogin', '/api/./auth/login'];
    const before = await loginAudits();
    const tally = new Map<string, number>();
    for (const v of variants) {
      for (let i = 0; i < 60; i++) {
        const r = await new HttpClient(s.server.url).req('POST', v, { username: 'auditor', password: `Guess-${i}-Xy` });
        tally.set(`${v} ${r.status}`, (tally.get(`${v} ${r.status}`) ?? 0) + 1);
        expect([404, 429], `${v} -> ${r.status} ${r.text}`).toContain(r.status);
        expect(r.headers.get('cache-control')).toBe('no-store');
        expect(r.headers.get('content-type')).toMatch(/application\/json/);
      }
    }
    console.log(`[paths] ${variants.length} variants x 60 login attempts: ${JSON.stringify(Object.fromEntries(tally))}`);
    expect(await loginAudits(), 'a variant reached the login handler').toBe(before);
    // The real path's budget was spent by the folded variants in this minute: the next login waits.
    expect((await new HttpClient(s.server.url).req('POST', '/api/auth/login', { username: 'auditor', password: 'Guess-X-1y' })).status).toBe(429);
    s.clock.advanceMinutes(1);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await new HttpClient(s.server.url).req('POST', '/api/auth/login', { username: 'nobody', password: `Guess-${i}-Zz` })).status);
    expect(statuses.filter((x) => x === 429)).toHaveLength(2);
  });

  it('applies the Origin allowlist and no-store to upper-case spellings too, and never serves the app for them', async () => {
    s.clock.advanceMinutes(1);
    const evil = new HttpClient(s.server.url, { origin: 'https://evil.example' });
    const r = await evil.req('POST', '/API/auth/login', { username: 'auditor', password: 'x' });
    expect(r.status).toBe(403);
    const g = await fetch(`${s.server.url}/API/health`);
    expect(g.status).toBe(404);
    expect(g.headers.get('cache-control')).toBe('no-store');
    expect(await g.text()).toMatch(/paths are exact/);
    expect((await fetch(`${s.server.url}/api/health/`)).status).toBe(404);
    expect((await fetch(`${s.server.url}/api/health`)).status).toBe(200);
  });
});
