/**
 * The auth platform's core: accounts, server-side sessions, device identities and auditing.
 * One instance per ServerContext (see index.ts). Time comes from an injectable clock so idle
 * timeouts, lockouts and lifetimes are tested without sleeping.
 */
import { EventEmitter } from 'node:events';
import type http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { randomInt, timingSafeEqual } from 'node:crypto';
import type { ServerContext } from '../context.ts';
import type { Queryable } from '../db/index.ts';
import type { Permission, Principal } from './types.ts';
import { loadAuthSettings, type AuthSettings } from './config.ts';
import { anchorSinkFor, appendAudit, AuditAnchorer, ensureAuditKey, loadAuditKey, purgeAudit, RefusalAggregator, type AnchorSink, type AuditEvent } from './audit.ts';
import { DataCipher, loadDataKey, randomToken, sha256 } from './crypto.ts';
import { generatePassword, hashPassword, passwordProblems, verifyPassword } from './password.ts';
import { permissionsFor, roleById, WALL_PERMISSIONS } from './roles.ts';

export const SESSION_COOKIE = 'twin_session';
export const CSRF_COOKIE = 'twin_csrf';
export const CSRF_HEADER = 'x-csrf-token';
/** Device tokens start with this, so a leaked one is recognizable in logs and scanners. */
export const DEVICE_TOKEN_PREFIX = 'twd_';
/** The three separated administrator accounts created at first start. */
export const BOOTSTRAP_ACCOUNTS = [
  { username: 'sysadmin', displayName: '系统管理员', role: 'system_admin' },
  { username: 'secadmin', displayName: '安全管理员', role: 'security_admin' },
  { username: 'auditor', displayName: '审计管理员', role: 'auditor' },
] as const;

/** Device sessions (command walls) live long; revocation is how they end early. */
const DEVICE_SESSION_DAYS = 365;
const PAIRING_MINUTES = 10;
/** last_seen_at is written at most this often per session, to keep reads cheap. */
const TOUCH_EVERY_MS = 15_000;

/** Options for tests and embedding. */
export interface AuthServiceOptions {
  /** Overrides of the settings read from the environment. */
  readonly settings?: Partial<AuthSettings>;
  /** Milliseconds since the epoch; tests pass a controllable clock. */
  readonly clock?: () => number;
  /** AES-256-GCM key for personal fields (else TWIN_DATA_KEY or a generated key file). */
  readonly dataKey?: Buffer;
  /** Where the first-start administrator passwords are printed (once). */
  readonly print?: (line: string) => void;
  /** Background sweep of idle sessions; tests call sweep() by hand instead. */
  readonly sweepIntervalMs?: number | null;
}

/** A live session row. */
interface SessionRow {
  id: string;
  csrf_token: string;
  user_id: string | null;
  device_id: string | null;
  last_seen_at: Date;
  expires_at: Date;
  idle_seconds: number | null;
  ended_at: Date | null;
}

interface UserRow {
  id: string;
  username: string;
  display_name: string;
  password_hash: string;
  roles: string[];
  enterprise_idx: number | null;
  must_change_password: boolean;
  password_changed_at: Date;
  failed_logins: number;
  locked_until: Date | null;
  disabled: boolean;
}

interface DeviceRow {
  id: string;
  name: string;
  kind: 'wall' | 'exchange';
  revoked_at: Date | null;
}

/** A resolved credential: who, and through which session. */
export interface Resolved {
  readonly principal: Principal;
  /** Present for cookie sessions: the CSRF token mutating requests must echo. */
  readonly csrfToken?: string;
  readonly via: 'session' | 'bearer';
}

/** Outcome of a login attempt. */
export type LoginResult =
  | { ok: true; token: string; csrfToken: string; sessionId: string; userId: string; mustChangePassword: boolean; expiresAt: Date }
  | { ok: false; reason: 'invalid' | 'locked' | 'disabled' };

/** Request facts recorded with audited actions. */
export interface RequestInfo {
  readonly source?: string | null;
  readonly userAgent?: string | null;
}

/** Why a session ended, reported to onSessionEnded listeners and the audit log. */
export type EndReason = 'logout' | 'revoked' | 'password-changed' | 'idle' | 'expired' | 'user-disabled' | 'user-deleted' | 'device-revoked';

/** The audit shape other modules may pass: a principal instead of an actor, outcome optional. */
export interface LooseAuditEvent {
  readonly action: string;
  readonly principal?: Principal;
  readonly outcome?: AuditEvent['outcome'];
  readonly object?: string | null;
  readonly source?: string | null;
  readonly detail?: Record<string, unknown>;
}

/** Splits a Cookie header into name/value pairs. */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 1) continue;
    const k = part.slice(0, eq).trim();
    if (out.has(k)) continue;
    const raw = part.slice(eq + 1).trim();
    try {
      out.set(k, decodeURIComponent(raw));
    } catch {
      out.set(k, raw); // malformed percent-encoding: kept as sent (it then matches no session)
    }
  }
  return out;
}

/** What every account name looks like (the app_user CHECK constraint). */
export const USERNAME = /^[a-z][a-z0-9._-]{2,31}$/;

/**
 * The throttle and audit key of a typed username: trimmed, lower-case, control characters (NUL
 * included, which PostgreSQL text cannot hold) replaced by U+FFFD, at most 64 characters.
 */
export function loginKey(typed: string): string {
  // eslint-disable-next-line no-control-regex
  return [...typed.trim().toLowerCase().replace(/[\u0000-\u001f\u007f]/g, '\ufffd')].slice(0, 64).join('');
}

/** Constant-time string comparison for tokens. */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Accounts, sessions, devices and audit for one server. */
export class AuthService {
  readonly settings: AuthSettings;
  readonly cipher: DataCipher;
  readonly #sc: ServerContext;
  readonly #clock: () => number;
  readonly #events = new EventEmitter();
  readonly #print: (line: string) => void;
  readonly #sweepMs: number | null;
  #timer: NodeJS.Timeout | undefined;
  #lastPurge = 0;
  /** Folds floods of anonymous refusals (one summary row per source and minute past the first few). */
  readonly refusals: RefusalAggregator;
  /** Where the audit head is anchored off the database (null: TWIN_AUDIT_ANCHOR=off). */
  readonly anchorSink: AnchorSink | null;
  #anchorer: AuditAnchorer | undefined;
  #refusalTimer: NodeJS.Timeout | undefined;

  constructor(sc: ServerContext, opts: AuthServiceOptions = {}) {
    this.#sc = sc;
    this.settings = { ...loadAuthSettings(), ...opts.settings };
    this.#clock = opts.clock ?? Date.now;
    this.#sweepMs = opts.sweepIntervalMs === undefined ? 30_000 : opts.sweepIntervalMs;
    this.#events.setMaxListeners(0);
    const dataDir = sc.config.db.backend === 'pglite' ? sc.config.db.dataDir : path.resolve(process.env.TWIN_DATA_DIR || './.twin-data');
    this.#print = opts.print ?? secretPrinter(dataDir, sc.log);
    this.cipher = new DataCipher(opts.dataKey ?? loadDataKey(this.settings.dataKey, dataDir, (m) => sc.log.warn(m)));
    // One audit key per process (the first server's); the database never holds it.
    ensureAuditKey(() => loadAuditKey(this.settings.auditKey, dataDir, (m) => sc.log.warn(m)));
    this.anchorSink = anchorSinkFor(this.settings.auditAnchor, dataDir);
    this.refusals = new RefusalAggregator({
      perSource: this.settings.auditRefusalsPerMinute, windowMs: 60_000, clock: this.#clock,
      write: async (e) => { await this.#sc.db.transaction((tx) => appendAudit(tx, e, this.now())); },
    });
  }

  /** Now, from the injectable clock. */
  now(): Date {
    return new Date(this.#clock());
  }

  /** Creates the first administrators if there are no accounts, and starts the session sweep. */
  async initialize(): Promise<void> {
    await this.#bootstrap();
    if (this.anchorSink) {
      this.#anchorer = new AuditAnchorer(this.#sc.db, this.anchorSink, {
        intervalMs: this.settings.auditAnchorSeconds * 1000, clock: this.#clock,
        onError: (err) => this.#sc.log.error({ err, sink: this.anchorSink?.description }, 'audit anchor failed'),
      });
      await this.#anchorer.start();
    } else this.#sc.log.warn('TWIN_AUDIT_ANCHOR=off: the audit head is not anchored off the database; truncation of the newest rows goes unnoticed');
    this.#refusalTimer = setInterval(() => {
      this.refusals.flush().catch((err: unknown) => this.#sc.log.error({ err }, 'audit refusal summary failed'));
    }, 10_000);
    this.#refusalTimer.unref();
    if (this.#sweepMs) {
      this.#timer = setInterval(() => {
        this.sweep().catch((err: unknown) => this.#sc.log.error({ err }, 'session sweep failed'));
      }, this.#sweepMs);
      this.#timer.unref();
    }
  }

  /** Stops timers and listeners; writes pending refusal summaries and anchors the final head. */
  async finalize(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#events.removeAllListeners();
    if (this.#refusalTimer) clearInterval(this.#refusalTimer);
    await this.refusals.flush(true).catch((err: unknown) => this.#sc.log.error({ err }, 'audit refusal summary failed'));
    await this.#anchorer?.stop();
  }

  async #bootstrap(): Promise<void> {
    const n = await this.#sc.db.query<{ n: number }>('SELECT count(*)::int AS n FROM app_user');
    if ((n.rows[0]?.n ?? 0) > 0) return;
    const given = this.settings.adminPassword;
    if (given) {
      const problems = passwordProblems(given, 'admin', { minLength: this.settings.passwordMinLength, minClasses: this.settings.passwordMinClasses });
      if (problems.length > 0) throw new Error(`TWIN_ADMIN_PASSWORD does not meet the password policy: ${problems.join('; ')}`);
    }
    const lines: string[] = [];
    const now = this.now();
    await this.#sc.db.transaction(async (tx) => {
      for (const a of BOOTSTRAP_ACCOUNTS) {
        const pw = given ?? generatePassword();
        await tx.query(
          `INSERT INTO app_user (username, display_name, password_hash, roles, must_change_password, password_changed_at, created_at)
           VALUES ($1, $2, $3, $4, true, $5, $5)`,
          [a.username, a.displayName, await hashPassword(pw), [a.role], now],
        );
        lines.push(`    ${a.username.padEnd(9)} ${given ? '(TWIN_ADMIN_PASSWORD)' : pw}   ${a.role}`);
      }
      await appendAudit(tx, { action: 'account.bootstrap', outcome: 'success', actor: { kind: 'system', name: 'first-start' },
        object: 'app_user', detail: { accounts: BOOTSTRAP_ACCOUNTS.map((a) => a.username), fromEnv: Boolean(given) } }, now);
    });
    this.#print([
      '',
      'First start: created the three separated administrator accounts (system / security / audit).',
      given ? 'Their initial password is TWIN_ADMIN_PASSWORD.' : 'Initial passwords (shown only this once; each must be changed at first login):',
      ...lines,
      'Log in at the printed URL; each account must set its own password first.',
      '',
    ].join('\n'));
  }

  // ---- events -------------------------------------------------------------------------------

  /** Calls `fn(sessionId)` whenever a session (or device identity) ends; returns an unsubscribe. */
  onSessionEnded(fn: (sessionId: string, reason: EndReason) => void): () => void {
    this.#events.on('ended', fn);
    return () => this.#events.off('ended', fn);
  }

  #emitEnded(ids: readonly string[], reason: EndReason): void {
    for (const id of ids) this.#events.emit('ended', id, reason);
  }

  // ---- audit --------------------------------------------------------------------------------

  /**
   * Appends an audit event in its own transaction. Also takes the stream hub's shape
   * (`principal` instead of `actor`, outcome defaulting to 'denied' for refusals it reports).
   */
  async audit(event: AuditEvent | LooseAuditEvent): Promise<void> {
    const e: AuditEvent = 'principal' in event || !event.outcome
      ? {
        ...event,
        outcome: event.outcome ?? 'denied',
        actor: 'principal' in event && event.principal
          ? { kind: event.principal.kind, id: event.principal.id, name: event.principal.name }
          : (event as AuditEvent).actor ?? { kind: 'anonymous' },
      }
      : (event as AuditEvent);
    if (RefusalAggregator.applies(e)) return this.refusals.record(e);
    await this.#sc.db.transaction((tx) => appendAudit(tx, e, this.now()));
  }

  /** Appends an audit event inside the caller's transaction. */
  auditIn(tx: Queryable, event: AuditEvent): Promise<unknown> {
    return appendAudit(tx, event, this.now());
  }

  // ---- permissions --------------------------------------------------------------------------

  /** Whether the principal holds the permission. */
  can(principal: Principal | null | undefined, permission: Permission): boolean {
    return Boolean(principal?.permissions.has(permission));
  }

  #userPrincipal(u: UserRow, sessionId: string): Principal {
    const scoped = u.roles.some((r) => roleById(r)?.enterpriseScoped) || u.enterprise_idx !== null;
    return {
      kind: 'user',
      id: u.id,
      name: u.username,
      roles: u.roles,
      // A forced password change grants nothing until done (only 'authenticated' routes pass).
      permissions: u.must_change_password || this.#passwordExpired(u) ? new Set() : permissionsFor(u.roles),
      // -1 matches no enterprise: a scoped role without a binding sees nothing (fail closed).
      ...(scoped ? { enterpriseIdx: u.enterprise_idx ?? -1 } : {}),
      sessionId,
    };
  }

  #devicePrincipal(d: DeviceRow, sessionId: string): Principal {
    return d.kind === 'wall'
      ? { kind: 'device', id: d.id, name: d.name, roles: ['wall_display'], permissions: WALL_PERMISSIONS, sessionId }
      : { kind: 'exchange', id: d.id, name: d.name, roles: ['data_exchange'], permissions: permissionsFor(['data_exchange']), sessionId };
  }

  #passwordExpired(u: UserRow): boolean {
    return this.#clock() - u.password_changed_at.getTime() > this.settings.passwordMaxAgeDays * 86_400_000;
  }

  // ---- sessions -----------------------------------------------------------------------------

  async #createSession(tx: Queryable, owner: { userId: string } | { deviceId: string }, info: RequestInfo): Promise<{ token: string; csrfToken: string; sessionId: string; expiresAt: Date }> {
    const token = randomToken(32);
    const csrfToken = randomToken(24);
    const now = this.now();
    const isUser = 'userId' in owner;
    const expiresAt = new Date(now.getTime() + (isUser ? this.settings.sessionMaxHours * 3_600_000 : DEVICE_SESSION_DAYS * 86_400_000));
    const r = await tx.query<{ id: string }>(
      `INSERT INTO auth_session (token_hash, csrf_token, user_id, device_id, created_at, last_seen_at, expires_at, idle_seconds, source)
       VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8) RETURNING id`,
      [sha256(token), csrfToken, isUser ? owner.userId : null, isUser ? null : owner.deviceId, now, expiresAt,
        isUser ? this.settings.sessionIdleMinutes * 60 : null, info.source ?? null],
    );
    return { token, csrfToken, sessionId: r.rows[0]!.id, expiresAt };
  }

  /**
   * Checks a username and password; on success opens a session. Every attempt is audited.
   * Before any password is checked the attempt reserves a slot in `auth_login_throttle` for
   * (typed username, source address) in one atomic statement: the threshold-th reservation locks
   * that pair, later ones are refused unchecked. So parallel guesses evaluate at most the
   * threshold, a guesser locks out only itself, and unknown usernames lock exactly like real ones.
   */
  async login(username: string, password: string, info: RequestInfo): Promise<LoginResult> {
    const now = this.now();
    const name = loginKey(username);
    const source = (info.source ?? '').slice(0, 100);
    const slot = await this.#reserveAttempt(name, source, now);
    // A name that cannot be an account (NUL bytes, too long, bad characters) is looked up nowhere.
    const u = USERNAME.test(name)
      ? (await this.#sc.db.query<UserRow>('SELECT * FROM app_user WHERE username = $1', [name])).rows[0]
      : undefined;
    const fail = async (reason: 'invalid' | 'locked' | 'disabled', extra: Record<string, unknown> = {}): Promise<LoginResult> => {
      await this.audit({ action: 'auth.login', outcome: 'failure', actor: { kind: 'anonymous', id: u?.id ?? null, name },
        object: u ? `user:${u.username}` : null, source: info.source, detail: { reason, ...extra } });
      return { ok: false, reason };
    };
    if (!slot.granted) {
      await verifyPassword(null, password); // same cost as a real check
      return fail('locked', { lockedUntil: slot.lockedUntil?.toISOString() ?? null });
    }
    const ok = await verifyPassword(u?.password_hash ?? null, password);
    if (!u || !ok) {
      if (slot.lockedUntil) {
        await this.audit({ action: 'account.locked', outcome: 'success', actor: { kind: 'system', name: 'lockout' },
          object: u ? `user:${u.username}` : `login:${name}`, source: info.source,
          detail: { failures: slot.failures, until: slot.lockedUntil.toISOString(), scope: 'username+source' } });
      }
      return fail(slot.lockedUntil ? 'locked' : 'invalid', { failures: slot.failures, ...(u ? {} : { unknownUser: true }) });
    }
    // The right password: this pair's count starts again (the lock it may just have set included).
    await this.#sc.db.query('DELETE FROM auth_login_throttle WHERE username = $1 AND source = $2', [name, source]);
    if (u.disabled) return fail('disabled');
    return this.#sc.db.transaction(async (tx) => {
      await tx.query('UPDATE app_user SET last_login_at = $2 WHERE id = $1', [u.id, now]);
      const s = await this.#createSession(tx, { userId: u.id }, info);
      const mustChange = u.must_change_password || this.#passwordExpired(u);
      await this.auditIn(tx, { action: 'auth.login', outcome: 'success', actor: { kind: 'user', id: u.id, name: u.username },
        object: `session:${s.sessionId}`, source: info.source, detail: { mustChangePassword: mustChange } });
      return { ok: true as const, ...s, userId: u.id, mustChangePassword: mustChange };
    });
  }

  /**
   * Reserves one login attempt for (username, source), atomically: a single INSERT .. ON CONFLICT
   * DO UPDATE counts it, and the reservation that reaches the threshold sets the lock. Refused
   * (granted false) while the pair is locked. A lock that has run out starts a fresh count.
   */
  async #reserveAttempt(name: string, source: string, now: Date): Promise<{ granted: boolean; failures: number; lockedUntil: Date | null }> {
    const threshold = this.settings.lockoutThreshold;
    const until = new Date(now.getTime() + this.settings.lockoutMinutes * 60_000);
    const r = await this.#sc.db.query<{ failures: number; locked_until: Date | null }>(
      `INSERT INTO auth_login_throttle AS t (username, source, failures, locked_until, updated_at)
       VALUES ($1, $2, 1, CASE WHEN 1 >= $4::int THEN $5::timestamptz END, $3)
       ON CONFLICT (username, source) DO UPDATE SET
         failures = CASE WHEN t.locked_until IS NOT NULL THEN 1 ELSE t.failures + 1 END,
         locked_until = CASE WHEN (CASE WHEN t.locked_until IS NOT NULL THEN 1 ELSE t.failures + 1 END) >= $4::int THEN $5::timestamptz END,
         updated_at = $3
       WHERE t.locked_until IS NULL OR t.locked_until <= $3
       RETURNING failures, locked_until`,
      [name, source, now, threshold, until]);
    const row = r.rows[0];
    if (row) return { granted: true, failures: row.failures, lockedUntil: row.locked_until };
    const held = await this.#sc.db.query<{ failures: number; locked_until: Date | null }>(
      'SELECT failures, locked_until FROM auth_login_throttle WHERE username = $1 AND source = $2', [name, source]);
    return { granted: false, failures: held.rows[0]?.failures ?? threshold, lockedUntil: held.rows[0]?.locked_until ?? null };
  }

  /** Lifts every login lock and failure count of a username (administrator unlock, console, password reset). */
  async clearLoginFailures(q: Queryable, username: string): Promise<number> {
    const r = await q.query('DELETE FROM auth_login_throttle WHERE username = $1', [username]);
    return r.rowCount;
  }

  /**
   * Resolves a session cookie value. Ends the session (and tells listeners) when it is idle or
   * past its lifetime; otherwise records activity when `touch` is set.
   */
  async resolveSession(token: string, opts: { touch?: boolean } = {}): Promise<Resolved | null> {
    if (!token || token.length > 200) return null;
    const r = await this.#sc.db.query<SessionRow>(
      'SELECT id, csrf_token, user_id, device_id, last_seen_at, expires_at, idle_seconds, ended_at FROM auth_session WHERE token_hash = $1',
      [sha256(token)],
    );
    const s = r.rows[0];
    if (!s || s.ended_at) return null;
    const now = this.#clock();
    if (now >= s.expires_at.getTime()) {
      await this.endSessions([s.id], 'expired');
      return null;
    }
    if (s.idle_seconds !== null && now - s.last_seen_at.getTime() > s.idle_seconds * 1000) {
      await this.endSessions([s.id], 'idle');
      return null;
    }
    let principal: Principal | null = null;
    if (s.user_id) {
      const u = await this.#sc.db.query<UserRow>('SELECT * FROM app_user WHERE id = $1', [s.user_id]);
      if (u.rows[0] && !u.rows[0].disabled) principal = this.#userPrincipal(u.rows[0], s.id);
    } else if (s.device_id) {
      const d = await this.#sc.db.query<DeviceRow>('SELECT id, name, kind, revoked_at FROM auth_device WHERE id = $1', [s.device_id]);
      if (d.rows[0] && !d.rows[0].revoked_at) principal = this.#devicePrincipal(d.rows[0], s.id);
    }
    if (!principal) return null;
    if (opts.touch && now - s.last_seen_at.getTime() >= TOUCH_EVERY_MS) {
      await this.#sc.db.query('UPDATE auth_session SET last_seen_at = $2 WHERE id = $1 AND ended_at IS NULL', [s.id, new Date(now)]);
    }
    return { principal, csrfToken: s.csrf_token, via: 'session' };
  }

  /** Records user activity on a session (e.g. the stream hub on a client message). */
  async touch(sessionId: string): Promise<void> {
    await this.#sc.db.query('UPDATE auth_session SET last_seen_at = $2 WHERE id = $1 AND ended_at IS NULL', [sessionId, this.now()]);
  }

  /** Resolves an `Authorization: Bearer` device or exchange token. */
  async resolveBearer(token: string): Promise<Resolved | null> {
    if (!token.startsWith(DEVICE_TOKEN_PREFIX) || token.length > 200) return null;
    const r = await this.#sc.db.query<DeviceRow>('SELECT id, name, kind, revoked_at FROM auth_device WHERE token_hash = $1', [sha256(token)]);
    const d = r.rows[0];
    if (!d || d.revoked_at) return null;
    const now = this.now();
    await this.#sc.db.query('UPDATE auth_device SET last_seen_at = $2 WHERE id = $1 AND (last_seen_at IS NULL OR last_seen_at < $3)',
      [d.id, now, new Date(now.getTime() - TOUCH_EVERY_MS)]);
    // A bearer principal's "session" is the device identity itself: revoking it ends its sockets.
    return { principal: this.#devicePrincipal(d, d.id), via: 'bearer' };
  }

  /** Whether an Origin may use cookie credentials here: same host, or in TWIN_ALLOWED_ORIGINS. */
  originAllowed(origin: string | undefined, host: string | undefined, secure: boolean): boolean {
    if (!origin) return false;
    if (this.settings.allowedOrigins.includes(origin)) return true;
    try {
      const o = new URL(origin);
      return Boolean(host) && o.host === host && o.protocol === (secure ? 'https:' : 'http:');
    } catch {
      return false;
    }
  }

  /**
   * Authenticates a WebSocket upgrade: the session cookie (Origin must be allowed, which stops
   * cross-site WebSocket hijacking) or a bearer device token. Null means refuse the upgrade.
   * Refusals are audited.
   */
  async authenticateUpgrade(req: http.IncomingMessage): Promise<Principal | null> {
    const source = req.socket.remoteAddress ?? null;
    const secure = Boolean((req.socket as { encrypted?: boolean }).encrypted);
    const origin = req.headers.origin;
    const deny = async (reason: string) => {
      await this.audit({ action: 'access.denied', outcome: 'denied', object: `WS ${(req.url ?? '').split('?')[0]}`, source, detail: { reason, origin: origin ?? null } });
      return null;
    };
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) {
      if (origin && !this.originAllowed(origin, req.headers.host, secure)) return deny('origin-not-allowed');
      const r = await this.resolveBearer(auth.slice(7).trim());
      return r ? r.principal : deny('invalid-credential');
    }
    const token = parseCookies(req.headers.cookie).get(SESSION_COOKIE);
    if (!token) return deny('no-credential');
    if (!this.originAllowed(origin, req.headers.host, secure)) return deny('origin-not-allowed');
    const r = await this.resolveSession(token, { touch: true });
    return r ? r.principal : deny('invalid-credential');
  }

  /** Ends sessions, audits each end, and tells listeners (the hub closes their sockets). */
  async endSessions(ids: readonly string[], reason: EndReason, tx?: Queryable): Promise<string[]> {
    if (ids.length === 0) return [];
    const run = async (q: Queryable) => {
      const r = await q.query<{ id: string; user_id: string | null; device_id: string | null }>(
        `UPDATE auth_session SET ended_at = $2, end_reason = $3 WHERE id = ANY($1::uuid[]) AND ended_at IS NULL RETURNING id, user_id, device_id`,
        [ids, this.now(), reason],
      );
      for (const s of r.rows) {
        await this.auditIn(q, { action: 'session.end', outcome: 'success', actor: { kind: 'system', name: reason },
          object: `session:${s.id}`, detail: { reason, user: s.user_id, device: s.device_id } });
      }
      return r.rows.map((x) => x.id);
    };
    const ended = tx ? await run(tx) : await this.#sc.db.transaction(run);
    // Listeners hear it even if the row had already ended (e.g. a racing sweep): closing twice is harmless.
    this.#emitEnded(tx ? ended : ids, reason);
    return ended;
  }

  /** Ends every live session of a user; returns their ids (emit after commit via `emitEnded`). */
  async endUserSessions(tx: Queryable, userId: string, reason: EndReason): Promise<string[]> {
    const r = await tx.query<{ id: string }>('SELECT id FROM auth_session WHERE user_id = $1 AND ended_at IS NULL', [userId]);
    return this.endSessions(r.rows.map((x) => x.id), reason, tx);
  }

  /** Tells listeners about sessions ended inside a transaction, once it has committed. */
  emitEnded(ids: readonly string[], reason: EndReason): void {
    this.#emitEnded(ids, reason);
  }

  /** Ends idle and expired sessions (timer, and tests with a moved clock). Returns the ended ids. */
  async sweep(): Promise<string[]> {
    const now = this.now();
    const idle = await this.#sc.db.query<{ id: string }>(
      `SELECT id FROM auth_session WHERE ended_at IS NULL AND idle_seconds IS NOT NULL
         AND last_seen_at + idle_seconds * interval '1 second' < $1`, [now]);
    const expired = await this.#sc.db.query<{ id: string }>(
      'SELECT id FROM auth_session WHERE ended_at IS NULL AND expires_at <= $1', [now]);
    const a = await this.endSessions(idle.rows.map((r) => r.id), 'idle');
    const b = await this.endSessions(expired.rows.map((r) => r.id).filter((id) => !a.includes(id)), 'expired');
    // Throttle rows whose lock ran out, and failure counts untouched for a day, are forgotten.
    await this.#sc.db.query(
      `DELETE FROM auth_login_throttle WHERE (locked_until IS NOT NULL AND locked_until <= $1)
         OR (locked_until IS NULL AND updated_at < $2)`, [now, new Date(now.getTime() - 86_400_000)]);
    if (now.getTime() - this.#lastPurge > 86_400_000) {
      this.#lastPurge = now.getTime();
      const purged = await purgeAudit(this.#sc.db, this.settings.auditRetentionDays, now);
      if (purged > 0) this.#sc.log.info({ purged }, 'audit retention purge');
    }
    return [...a, ...b];
  }

  /**
   * Changes a user's own password: checks the current one and the policy, then ends every session
   * of the user (closing their sockets) and opens a fresh one for the caller.
   */
  async changePassword(userId: string, current: string, next: string, info: RequestInfo):
    Promise<{ ok: true; token: string; csrfToken: string; sessionId: string; expiresAt: Date } | { ok: false; problems: string[] }> {
    const r = await this.#sc.db.query<UserRow>('SELECT * FROM app_user WHERE id = $1', [userId]);
    const u = r.rows[0];
    if (!u) return { ok: false, problems: ['unknown user'] };
    const actor = { kind: 'user' as const, id: u.id, name: u.username };
    if (!(await verifyPassword(u.password_hash, current))) {
      await this.audit({ action: 'auth.password.change', outcome: 'failure', actor, object: `user:${u.username}`, source: info.source, detail: { reason: 'wrong current password' } });
      return { ok: false, problems: ['current password is wrong'] };
    }
    const problems = passwordProblems(next, u.username, { minLength: this.settings.passwordMinLength, minClasses: this.settings.passwordMinClasses });
    if (next === current) problems.push('must differ from the current password');
    if (problems.length > 0) {
      await this.audit({ action: 'auth.password.change', outcome: 'failure', actor, object: `user:${u.username}`, source: info.source, detail: { problems } });
      return { ok: false, problems };
    }
    const hash = await hashPassword(next);
    let ended: string[] = [];
    const s = await this.#sc.db.transaction(async (tx) => {
      await tx.query('UPDATE app_user SET password_hash = $2, must_change_password = false, password_changed_at = $3 WHERE id = $1', [u.id, hash, this.now()]);
      ended = await this.endUserSessions(tx, u.id, 'password-changed');
      const fresh = await this.#createSession(tx, { userId: u.id }, info);
      await this.auditIn(tx, { action: 'auth.password.change', outcome: 'success', actor, object: `user:${u.username}`, source: info.source, detail: { sessionsEnded: ended.length } });
      return fresh;
    });
    this.emitEnded(ended, 'password-changed');
    return { ok: true, ...s };
  }

  // ---- devices ------------------------------------------------------------------------------

  /** Registers a command wall or exchange client; returns its token and (walls) a pairing code, shown once. */
  async createDevice(tx: Queryable, name: string, kind: 'wall' | 'exchange', createdBy: string): Promise<{ id: string; token: string; pairingCode: string | null; pairingExpiresAt: Date | null }> {
    const token = DEVICE_TOKEN_PREFIX + randomToken(32);
    const code = kind === 'wall' ? pairingCode() : null;
    const now = this.now();
    const expires = code ? new Date(now.getTime() + PAIRING_MINUTES * 60_000) : null;
    const r = await tx.query<{ id: string }>(
      `INSERT INTO auth_device (name, kind, token_hash, pairing_hash, pairing_expires_at, created_at, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [name, kind, sha256(token), code ? sha256(code) : null, expires, now, createdBy],
    );
    return { id: r.rows[0]!.id, token, pairingCode: code, pairingExpiresAt: expires };
  }

  /** A new one-time pairing code for a wall. */
  async newPairingCode(tx: Queryable, deviceId: string): Promise<{ code: string; expiresAt: Date } | null> {
    const code = pairingCode();
    const expiresAt = new Date(this.#clock() + PAIRING_MINUTES * 60_000);
    const r = await tx.query(`UPDATE auth_device SET pairing_hash = $2, pairing_expires_at = $3 WHERE id = $1 AND kind = 'wall' AND revoked_at IS NULL`,
      [deviceId, sha256(code), expiresAt]);
    return r.rowCount > 0 ? { code, expiresAt } : null;
  }

  /**
   * Exchanges a wall's one-time pairing code or its device token for a device session cookie,
   * so the wall browser needs no login prompt. Audited either way.
   */
  async deviceSession(cred: { code: string } | { token: string }, info: RequestInfo): Promise<{ token: string; csrfToken: string; sessionId: string; expiresAt: Date; deviceName: string } | null> {
    const now = this.now();
    return this.#sc.db.transaction(async (tx) => {
      let d: (DeviceRow & { pairing_expires_at: Date | null }) | undefined;
      if ('code' in cred) {
        const code = cred.code.trim().toUpperCase();
        const r = await tx.query<DeviceRow & { pairing_expires_at: Date | null }>(
          `SELECT id, name, kind, revoked_at, pairing_expires_at FROM auth_device WHERE pairing_hash = $1 FOR UPDATE`, [sha256(code)]);
        d = r.rows[0];
        if (d && (!d.pairing_expires_at || d.pairing_expires_at.getTime() <= now.getTime())) d = undefined;
        // One-time: the code is spent whether or not the rest succeeds.
        if (r.rows[0]) await tx.query('UPDATE auth_device SET pairing_hash = NULL, pairing_expires_at = NULL WHERE id = $1', [r.rows[0].id]);
      } else if (cred.token.startsWith(DEVICE_TOKEN_PREFIX)) {
        const r = await tx.query<DeviceRow & { pairing_expires_at: Date | null }>(
          'SELECT id, name, kind, revoked_at, pairing_expires_at FROM auth_device WHERE token_hash = $1', [sha256(cred.token)]);
        d = r.rows[0];
      }
      const method = 'code' in cred ? 'pairing-code' : 'token';
      if (!d || d.revoked_at || d.kind !== 'wall') {
        await appendAudit(tx, { action: 'device.session', outcome: 'failure', source: info.source, object: d ? `device:${d.id}` : null, detail: { method } }, now);
        return null;
      }
      const s = await this.#createSession(tx, { deviceId: d.id }, info);
      await tx.query('UPDATE auth_device SET last_seen_at = $2 WHERE id = $1', [d.id, now]);
      await appendAudit(tx, { action: 'device.session', outcome: 'success', actor: { kind: 'device', id: d.id, name: d.name }, source: info.source,
        object: `session:${s.sessionId}`, detail: { method } }, now);
      return { ...s, deviceName: d.name };
    });
  }

  /** Revokes a device identity and ends all its sessions and sockets. */
  async revokeDevice(deviceId: string, by: Principal, info: RequestInfo): Promise<boolean> {
    let ended: string[] = [];
    const ok = await this.#sc.db.transaction(async (tx) => {
      const r = await tx.query<{ name: string }>('UPDATE auth_device SET revoked_at = $2, pairing_hash = NULL WHERE id = $1 AND revoked_at IS NULL RETURNING name', [deviceId, this.now()]);
      if (r.rowCount === 0) return false;
      const s = await tx.query<{ id: string }>('SELECT id FROM auth_session WHERE device_id = $1 AND ended_at IS NULL', [deviceId]);
      ended = await this.endSessions(s.rows.map((x) => x.id), 'device-revoked', tx);
      await this.auditIn(tx, { action: 'device.revoke', outcome: 'success', actor: { kind: by.kind, id: by.id, name: by.name }, object: `device:${deviceId}`,
        source: info.source, detail: { name: r.rows[0]!.name, sessionsEnded: ended.length } });
      return true;
    });
    if (ok) this.emitEnded([...ended, deviceId], 'device-revoked');
    return ok;
  }
}

/**
 * Where the first-start passwords go: straight to the terminal when stdout is one, never through
 * the logger. When stdout is not a terminal (a service manager or container collecting it as the
 * log), the lines go to `<data dir>/initial-admin-passwords.txt` (mode 0600) instead and the log
 * only says where that file is.
 */
export function secretPrinter(dataDir: string, log: { warn(obj: object, msg: string): void }, stdout: { isTTY?: boolean; write(s: string): unknown } = process.stdout): (text: string) => void {
  return (text) => {
    if (stdout.isTTY) {
      stdout.write(`${text}\n`);
      return;
    }
    const file = path.join(dataDir, INITIAL_PASSWORDS_FILE);
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(file, `${text}\n`, { mode: 0o600 });
    fs.chmodSync(file, 0o600);
    log.warn({ file }, 'first start: the initial administrator passwords are in this file (readable by the server user only); read it, then delete it');
  };
}

/** File name of the first-start passwords when stdout is not a terminal. */
export const INITIAL_PASSWORDS_FILE = 'initial-admin-passwords.txt';

/** 8 characters from an alphabet without look-alikes (no 0/O, 1/I/L), typed on a wall's remote. */
function pairingCode(): string {
  const alphabet = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
  return Array.from({ length: 8 }, () => alphabet[randomInt(alphabet.length)]).join('');
}
