/**
 * Test helpers for the auth platform: a controllable clock, a cookie-keeping HTTP client that
 * behaves like the browser client (echoes the CSRF cookie on mutations), and a real server
 * started with the auth module under that clock.
 */
import { randomBytes } from 'node:crypto';
import type { Backend } from '../db/types.ts';
import { startTestServer, type TestServer } from '../testing/server.ts';
import { healthModule } from '../modules/health.ts';
import type { TwinModule } from '../modules/types.ts';
import { authModule } from './module.ts';
import { authService } from './index.ts';
import type { AuthService, AuthServiceOptions } from './service.ts';
import type { AuthSettings } from './config.ts';

/** The initial administrator password used by test servers. */
export const TEST_ADMIN_PASSWORD = 'Start-Pass-2026';
/** What test administrators change their password to at first login. */
export const TEST_ADMIN_PASSWORD_CHANGED = 'Second-Pass-88';

/**
 * A clock tests move by hand. It starts at the real time (whole minute), never at a fixed date:
 * cookies carry expiry dates from this clock, and a real browser drops a cookie that expired by
 * its own clock, so a fixed start made every browser login fail once that date was 12 hours past.
 */
export class TestClock {
  t = Math.floor(Date.now() / 60_000) * 60_000;
  readonly now = (): number => this.t;
  /** Moves time forward by minutes. */
  advanceMinutes(m: number): void {
    this.t += m * 60_000;
  }
}

/** One HTTP response, body parsed as JSON when it is JSON. */
export interface Res {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
  readonly text: string;
}

/** A client with its own cookie jar; mutations carry the CSRF token the way the web client sends it. */
export class HttpClient {
  readonly cookies = new Map<string, string>();
  constructor(readonly base: string, readonly opts: { csrf?: boolean; origin?: string; bearer?: string } = {}) {}

  /** Sends a request; `headers` adds or overrides headers. */
  async req(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res> {
    const h: Record<string, string> = {};
    if (this.cookies.size > 0) h.Cookie = [...this.cookies].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('; ');
    if (body !== undefined) h['Content-Type'] = 'application/json';
    if (this.opts.csrf !== false && method !== 'GET' && this.cookies.get('twin_csrf')) h['X-CSRF-Token'] = this.cookies.get('twin_csrf')!;
    if (this.opts.origin) h.Origin = this.opts.origin;
    if (this.opts.bearer) h.Authorization = `Bearer ${this.opts.bearer}`;
    const res = await fetch(this.base + path, { method, headers: { ...h, ...headers }, body: body === undefined ? null : JSON.stringify(body), redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      const k = pair!.slice(0, eq);
      const v = decodeURIComponent(pair!.slice(eq + 1));
      if (v === '' || /expires=Thu, 01 Jan 1970/i.test(c)) this.cookies.delete(k);
      else this.cookies.set(k, v);
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  }

  /** Logs in; throws unless it worked. */
  async login(username: string, password: string): Promise<Res> {
    const r = await this.req('POST', '/api/auth/login', { username, password });
    if (r.status !== 200) throw new Error(`login ${username} failed: ${r.status} ${r.text}`);
    return r;
  }
}

/** A started server with its auth service and clock. */
export interface AuthTestServer {
  readonly server: TestServer;
  readonly auth: AuthService;
  readonly clock: TestClock;
  readonly printed: string[];
  /** A client logged in as a bootstrap administrator whose first password change is done. */
  admin(username: 'sysadmin' | 'secadmin' | 'auditor'): Promise<HttpClient>;
  /** Creates a user with roles (and enterprise) directly and returns a logged-in client. */
  userWith(roles: string[], enterpriseIdx?: number | null): Promise<{ client: HttpClient; id: string; username: string; password: string }>;
}

/**
 * Starts a real server with the auth module under a test clock. `modules` replaces the module
 * list (the auth module is put where a module named 'auth' was, or after health).
 */
export async function startAuthServer(backend: Backend, opts: { settings?: Partial<AuthSettings>; modules?: TwinModule[]; auth?: AuthServiceOptions } = {}): Promise<AuthTestServer> {
  const clock = new TestClock();
  const printed: string[] = [];
  const auth = authModule({
    clock: clock.now,
    dataKey: randomBytes(32),
    sweepIntervalMs: null,
    print: (l) => printed.push(l),
    settings: { adminPassword: TEST_ADMIN_PASSWORD, rateLoginPerMinute: 100_000, rateApiPerMinute: 1_000_000, auditRefusalsPerMinute: 1_000_000, ...opts.settings },
    ...opts.auth,
  });
  const base = opts.modules ?? [healthModule, auth];
  const modules = base.some((m) => m.name === 'auth') ? base.map((m) => (m.name === 'auth' ? auth : m)) : [base[0]!, auth, ...base.slice(1)];
  const server = await startTestServer(backend, { modules });
  const svc = authService(server.sc);
  let n = 0;
  const out: AuthTestServer = {
    server, auth: svc, clock, printed,
    async admin(username) {
      const c = new HttpClient(server.url);
      if ((await c.req('POST', '/api/auth/login', { username, password: TEST_ADMIN_PASSWORD_CHANGED })).status === 200) return c;
      await c.login(username, TEST_ADMIN_PASSWORD);
      const ch = await c.req('POST', '/api/auth/password', { current: TEST_ADMIN_PASSWORD, next: TEST_ADMIN_PASSWORD_CHANGED });
      if (ch.status !== 200) throw new Error(`password change failed: ${ch.text}`);
      return c;
    },
    async userWith(roles, enterpriseIdx = null) {
      const username = `u${++n}-${randomBytes(3).toString('hex')}`;
      const password = `Pw-${randomBytes(6).toString('hex')}-X1`;
      const { hashPassword } = await import('./password.ts');
      const r = await server.sc.db.query<{ id: string }>(
        `INSERT INTO app_user (username, display_name, password_hash, roles, enterprise_idx, must_change_password, password_changed_at, created_at)
         VALUES ($1, $1, $2, $3, $4, false, $5, $5) RETURNING id`,
        [username, await hashPassword(password), roles, enterpriseIdx, new Date(clock.t)],
      );
      const client = new HttpClient(server.url);
      await client.login(username, password);
      return { client, id: r.rows[0]!.id, username, password };
    },
  };
  return out;
}
