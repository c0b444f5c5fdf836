/**
 * HTTP side of the auth platform: the GuardDeps (who is calling, audit of every refusal), and the
 * middleware mounted before all routes (security headers, Origin check, rate limits, size limit).
 */
import type Koa from 'koa';
import type { TwinState } from '../http/route.ts';
import type { GuardDeps } from './guard.ts';
import { foldedPath } from '../http/canonical.ts';
import { CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE, sameSecret, type AuthService } from './service.ts';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Requests made without user interaction (polls, refreshes) send this header: they do not count as activity. */
export const BACKGROUND_HEADER = 'x-twin-background';

/** Why a presented credential was not accepted, for the audit row (kept off TwinState). */
const problems = new WeakMap<object, string>();

/** Reads the caller's credential: bearer device token, or session cookie (+ CSRF token on mutations). */
export function authGuardDeps(auth: AuthService): GuardDeps {
  return {
    async resolvePrincipal(ctx) {
      const header = ctx.get('Authorization');
      if (header) {
        const r = header.startsWith('Bearer ') ? await auth.resolveBearer(header.slice(7).trim()) : null;
        if (!r) problems.set(ctx, 'bad-bearer-token');
        return { principal: r?.principal ?? null, presented: true };
      }
      const token = ctx.cookies.get(SESSION_COOKIE);
      if (!token) return { principal: null, presented: false };
      // Background polling (header set by the client) must not keep an unattended session alive.
      const r = await auth.resolveSession(token, { touch: !ctx.get(BACKGROUND_HEADER) });
      if (!r) {
        problems.set(ctx, 'unknown-or-ended-session');
        return { principal: null, presented: true };
      }
      // Cookies ride along on cross-site requests; an echoed secret the other site cannot read proves intent.
      if (MUTATING.has(ctx.method) && !sameSecret(ctx.get(CSRF_HEADER), r.csrfToken ?? '')) {
        problems.set(ctx, 'csrf-token-mismatch');
        return { principal: null, presented: true };
      }
      return { principal: r.principal, presented: true };
    },
    async onDenied(ctx, denial) {
      const p = ctx.state.principal;
      await auth.audit({
        action: 'access.denied',
        outcome: 'denied',
        actor: p ? { kind: p.kind, id: p.id, name: p.name } : { kind: 'anonymous' },
        object: denial.route,
        source: ctx.ip,
        detail: {
          reason: denial.reason, status: denial.status, method: ctx.method, path: ctx.path,
          problem: problems.get(ctx) ?? null,
          target: denial.object ? { kind: denial.object.kind, idx: denial.object.idx ?? null, enterpriseIdx: denial.object.enterpriseIdx ?? null } : null,
        },
      });
    },
  };
}

/** Cookie options: HttpOnly (session), SameSite=Strict, Secure when the request came over TLS. */
export function setSessionCookies(ctx: Koa.Context | Koa.ParameterizedContext<TwinState>, token: string, csrf: string, expires: Date): void {
  const common = { sameSite: 'strict' as const, secure: ctx.secure, path: '/', expires, overwrite: true };
  ctx.cookies.set(SESSION_COOKIE, token, { ...common, httpOnly: true });
  // Readable by the page's own script (double submit), useless to another site under SameSite=Strict.
  ctx.cookies.set(CSRF_COOKIE, csrf, { ...common, httpOnly: false });
}

/** Clears both cookies (logout, ended session). */
export function clearSessionCookies(ctx: Koa.Context | Koa.ParameterizedContext<TwinState>): void {
  const opts = { sameSite: 'strict' as const, secure: ctx.secure, path: '/', expires: new Date(0), overwrite: true };
  ctx.cookies.set(SESSION_COOKIE, '', { ...opts, httpOnly: true });
  ctx.cookies.set(CSRF_COOKIE, '', { ...opts, httpOnly: false });
}

/**
 * Content-Security-Policy with no external origin: the twin is self-hosted. Workers and WASM
 * (tile decoders, PGlite in tools) need blob: workers and wasm-unsafe-eval.
 */
export const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self' data: blob:",
  "worker-src 'self' blob:",
  "media-src 'self' blob:", // live video (hls.js plays through MediaSource blob: URLs)
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Fixed-window counters per key; small and in-process (each node limits its own traffic). */
export class RateLimiter {
  readonly #windows = new Map<string, { start: number; n: number }>();
  constructor(readonly limit: number, readonly windowMs: number, readonly clock: () => number) {}

  /** Counts one hit; `wait` is seconds to wait when over the limit (else 0), `first` marks the first refused hit. */
  hit(key: string): { wait: number; first: boolean } {
    const now = this.clock();
    let w = this.#windows.get(key);
    if (!w || now - w.start >= this.windowMs) {
      w = { start: now, n: 0 };
      this.#windows.set(key, w);
      if (this.#windows.size > 50_000) this.#prune(now);
    }
    w.n++;
    return { wait: w.n > this.limit ? Math.max(1, Math.ceil((w.start + this.windowMs - now) / 1000)) : 0, first: w.n === this.limit + 1 };
  }

  #prune(now: number): void {
    for (const [k, w] of this.#windows) if (now - w.start >= this.windowMs) this.#windows.delete(k);
  }
}

/** Paths whose abuse is guessing credentials: limited much harder than the rest of the API. */
const LOGIN_PATHS = new Set(['/api/auth/login', '/api/auth/device/pair', '/api/auth/device/session', '/api/auth/password']);

/** The middleware list of the auth module, mounted after the error handler and before routes. */
export function securityMiddleware(auth: AuthService, clock: () => number): Koa.Middleware<TwinState>[] {
  const s = auth.settings;
  const login = new RateLimiter(s.rateLoginPerMinute, 60_000, clock);
  const api = new RateLimiter(s.rateApiPerMinute, 60_000, clock);
  const headers: Koa.Middleware<TwinState> = async (ctx, next) => {
    ctx.set('Content-Security-Policy', CSP);
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
    ctx.set('Permissions-Policy', 'camera=(self), microphone=(), geolocation=(self), xr-spatial-tracking=(self)');
    if (ctx.secure) ctx.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    if (foldedPath(ctx.path).startsWith('/api/')) ctx.set('Cache-Control', 'no-store');
    await next();
  };
  const limits: Koa.Middleware<TwinState> = async (ctx, next) => {
    const len = Number(ctx.get('Content-Length') || 0);
    if (len > s.bodyLimitBytes) ctx.throw(413, 'request body too large');
    // Classified on the folded path, so a spelling variant is limited like the path it imitates
    // (the canonical-path check then refuses the variant itself: http/canonical.ts).
    const folded = foldedPath(ctx.path);
    if (folded.startsWith('/api/')) {
      const isLogin = LOGIN_PATHS.has(folded) && ctx.method === 'POST';
      const { wait, first } = (isLogin ? login : api).hit(`${ctx.ip}|${isLogin ? 'login' : 'api'}`);
      if (wait > 0) {
        ctx.set('Retry-After', String(wait));
        // One audit row per client and window, so a flood cannot flood the audit trail too.
        if (first) await auth.audit({ action: 'rate.limited', outcome: 'denied', source: ctx.ip, object: `${ctx.method} ${ctx.path}`, detail: { retryAfter: wait } })
          .catch(() => {});
        ctx.throw(429, 'too many requests, try again later');
      }
      // A cross-site page may not drive mutations, even unauthenticated ones such as login.
      const origin = ctx.get('Origin');
      if (MUTATING.has(ctx.method) && origin && !auth.originAllowed(origin, ctx.get('Host'), ctx.secure)) {
        await auth.audit({ action: 'access.denied', outcome: 'denied', source: ctx.ip, object: `${ctx.method} ${ctx.path}`, detail: { reason: 'origin-not-allowed', origin } });
        ctx.throw(403, 'cross-origin request refused');
      }
    }
    await next();
  };
  return [headers, limits];
}
