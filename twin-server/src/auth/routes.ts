/**
 * Routes of the auth platform: login/logout/me/password, users (system admin), roles and devices
 * (security admin), audit search/export/verify (auditor). Every change is audited in the same
 * transaction as the change itself.
 */
import { z } from 'zod';
import type { ServerContext } from '../context.ts';
import type { RouteSpec, TwinContext } from '../http/route.ts';
import type { Principal } from './types.ts';
import type { Queryable } from '../db/index.ts';
import { auditHead, exportLine, searchAudit, verifyAudit, type AuditRow } from './audit.ts';
import { clearSessionCookies, setSessionCookies } from './http.ts';
import { ALL_PERMISSIONS, ROLES, ROLE_IDS, roleConflict, roleById } from './roles.ts';
import { ACTIONS, MODULES } from './types.ts';
import { generatePassword, hashPassword, passwordProblems } from './password.ts';
import { SESSION_COOKIE, type AuthService } from './service.ts';
import * as S from './schemas.ts';
import { withStatus } from '../http/openapi.ts';
import { paramsOf, queryOf } from '../http/input.ts';
import { idxParams } from '../http/schemas.ts';

const username = z.string().trim().toLowerCase().regex(/^[a-z][a-z0-9._-]{2,31}$/, '3-32 characters: a-z, 0-9, . _ -, starting with a letter');
const phone = z.string().trim().regex(/^\+?[0-9][0-9 -]{5,19}$/, 'a phone number');
const idNumber = z.string().trim().regex(/^[0-9]{17}[0-9Xx]$/, 'an 18-character resident ID number');
const uuidParam = z.string().uuid('not a valid id');

const loginBody = z.object({ username: z.string().trim().min(1).max(64), password: z.string().min(1).max(256) }).strict();
const passwordBody = z.object({ current: z.string().min(1).max(256), next: z.string().min(1).max(256) }).strict();
const createUserBody = z.object({
  username,
  displayName: z.string().trim().min(1).max(100),
  password: z.string().min(1).max(256).optional(),
  phone: phone.optional(),
  idNumber: idNumber.optional(),
  enterpriseIdx: z.number().int().positive().nullable().optional(),
}).strict();
const patchUserBody = z.object({
  displayName: z.string().trim().min(1).max(100).optional(),
  phone: phone.nullable().optional(),
  idNumber: idNumber.nullable().optional(),
  enterpriseIdx: z.number().int().positive().nullable().optional(),
  disabled: z.boolean().optional(),
}).strict();
const rolesBody = z.object({ roles: z.array(z.enum(ROLE_IDS)).max(ROLES.length) }).strict();
const deviceBody = z.object({ name: z.string().trim().min(1).max(100), kind: z.enum(['wall', 'exchange']).default('wall') }).strict();
const auditQuery = z.object({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  actor: z.string().max(100).optional(),
  action: z.string().max(100).optional(),
  outcome: z.enum(['success', 'failure', 'denied']).optional(),
  q: z.string().max(200).optional(),
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

interface UserRecord {
  id: string;
  username: string;
  display_name: string;
  roles: string[];
  enterprise_idx: number | null;
  phone_enc: string | null;
  id_number_enc: string | null;
  must_change_password: boolean;
  failed_logins: number;
  locked_until: Date | null;
  disabled: boolean;
  created_at: Date;
  last_login_at: Date | null;
  password_changed_at: Date;
}

// Login failures live in auth_login_throttle per (username, source): an account shows "locked"
// while any source is locked out of it.
const USER_COLS = `id, username, display_name, roles, enterprise_idx, phone_enc, id_number_enc, must_change_password,
  (SELECT COALESCE(max(t.failures), 0)::int FROM auth_login_throttle t WHERE t.username = app_user.username) AS failed_logins,
  (SELECT max(t.locked_until) FROM auth_login_throttle t WHERE t.username = app_user.username) AS locked_until,
  disabled, created_at, last_login_at, password_changed_at`;

/** Masks all but the last four characters: lists show that a value exists, not the value. */
function mask(v: string | null): string | null {
  return v === null ? null : `${'*'.repeat(Math.max(0, v.length - 4))}${v.slice(-4)}`;
}

/** ctx.throw with a `never` type, so TypeScript narrows after it. */
function fail(ctx: TwinContext, status: number, message: string): never {
  ctx.throw(status, message);
  throw new Error('unreachable');
}

/** Whether an account holds one of the three separated administrator roles. */
function isAdminAccount(u: { roles: readonly string[] }): boolean {
  return u.roles.some((r) => roleById(r)?.admin);
}

/**
 * Thrown inside a change's transaction when it targets an administrator account (Y6): the change
 * rolls back, then the refusal is audited in its own transaction and answered 403.
 */
class AdminAccountRefused extends Error {
  constructor(readonly user: { id: string; username: string; roles: string[] }, readonly attempted: string) {
    super(`administrator account ${user.username}`);
  }
}

function actorOf(p: Principal | undefined) {
  return p ? { kind: p.kind, id: p.id, name: p.name } : { kind: 'anonymous' as const };
}

function principalOf(ctx: TwinContext): Principal {
  const p = ctx.state.principal;
  if (!p) fail(ctx, 401, 'login required');
  return p;
}

/** Shared helpers of the auth routes (one per auth service). */
type AuthRouteKit = ReturnType<typeof authRouteKit>;

function authRouteKit(sc: ServerContext, auth: AuthService) {
  const policy = () => ({ minLength: auth.settings.passwordMinLength, minClasses: auth.settings.passwordMinClasses });
  const info = (ctx: TwinContext) => ({ source: ctx.ip, userAgent: ctx.get('User-Agent') || null });
  const decrypt = (u: UserRecord, field: 'phone' | 'id_number'): string | null => {
    const v = field === 'phone' ? u.phone_enc : u.id_number_enc;
    if (v === null) return null;
    try {
      return auth.cipher.decrypt(v, `app_user.${field}:${u.id}`);
    } catch {
      return '(unreadable: wrong TWIN_DATA_KEY?)';
    }
  };
  const view = (u: UserRecord, full = false) => ({
    id: u.id, username: u.username, displayName: u.display_name, roles: u.roles, enterpriseIdx: u.enterprise_idx,
    phone: full ? decrypt(u, 'phone') : mask(decrypt(u, 'phone')),
    idNumber: full ? decrypt(u, 'id_number') : mask(decrypt(u, 'id_number')),
    mustChangePassword: u.must_change_password, locked: Boolean(u.locked_until && u.locked_until.getTime() > auth.now().getTime()),
    disabled: u.disabled, createdAt: u.created_at, lastLoginAt: u.last_login_at, passwordChangedAt: u.password_changed_at,
  });
  const loadUser = async (q: Queryable, ctx: TwinContext): Promise<UserRecord> => {
    const id = uuidParam.safeParse(ctx.params.id);
    if (!id.success) fail(ctx, 404, 'no such user');
    const r = await q.query<UserRecord>(`SELECT ${USER_COLS} FROM app_user WHERE id = $1`, [id.data]);
    if (!r.rows[0]) fail(ctx, 404, 'no such user');
    return r.rows[0];
  };
  const checkEnterprise = async (q: Queryable, ctx: TwinContext, idx: number | null | undefined) => {
    if (idx == null) return;
    const r = await q.query('SELECT 1 FROM enterprise WHERE idx = $1', [idx]);
    if (r.rows.length === 0) fail(ctx, 400, `no enterprise with idx ${idx}`);
  };
  /**
   * Runs a change and its audit row in one transaction, then notifies about ended sessions. A
   * change refused because it targets an administrator account (AdminAccountRefused) is audited
   * as `access.denied` and answered 403.
   */
  const change = async <T>(fn: (tx: Queryable, ended: string[]) => Promise<T>, ctx?: TwinContext): Promise<T> => {
    const ended: string[] = [];
    let out: T;
    try {
      out = await sc.db.transaction((tx) => fn(tx, ended));
    } catch (e) {
      if (!(e instanceof AdminAccountRefused) || !ctx) throw e;
      await auth.audit({ action: 'access.denied', outcome: 'denied', actor: actorOf(ctx.state.principal), object: `user:${e.user.username}`,
        source: ctx.ip, detail: { reason: 'administrator-account', attempted: e.attempted, roles: e.user.roles, method: ctx.method, path: ctx.path } });
      fail(ctx, 403, `${e.user.username} is an administrator account (${e.user.roles.join(', ')}): no administrator may ${e.attempted} it; `
        + 'its owner manages it, and recovery is done on the server console (twin user)');
    }
    auth.emitEnded(ended, 'revoked');
    return out;
  };
  /**
   * Separation of the three administrators (Y6): no administrator account may be reset, disabled,
   * deleted, re-bound or have its roles changed through the API, whoever asks. Its owner may edit
   * its own profile fields; everything else goes through the console (`twin user`), audited.
   */
  const refuseAdminTarget = (u: UserRecord, attempted: string, self?: Principal, selfMayDo = false): void => {
    if (!isAdminAccount(u)) return;
    if (selfMayDo && self && u.id === self.id) return;
    throw new AdminAccountRefused(u, attempted);
  };

  return { policy, info, decrypt, view, loadUser, checkEnterprise, change, refuseAdminTarget };
}

/** Builds the auth platform's routes: sessions, users, roles and devices, audit, enterprise-scoped. */
export function authRoutes(sc: ServerContext, auth: AuthService): RouteSpec[] {
  const kit = authRouteKit(sc, auth);
  return [
    ...sessionRoutes(sc, auth, kit),
    ...userRoutes(sc, auth, kit),
    ...roleAndDeviceRoutes(sc, auth, kit),
    ...auditRoutes(sc, auth, kit),
    ...enterpriseRoutes(sc, auth, kit),
  ];
}

/** Login, logout, the current principal, password and profile changes (every user). */
function sessionRoutes(sc: ServerContext, auth: AuthService, kit: AuthRouteKit): RouteSpec[] {
  const { policy, info, view } = kit;
  return [
    {
      method: 'POST', path: '/api/auth/login', permission: 'public', summary: 'Log in with username and password (sets the session cookie)',
      response: S.loginResponse, errors: [401],
      body: loginBody,
      async handler(ctx) {
        const b = ctx.request.body as z.infer<typeof loginBody>;
        const r = await auth.login(b.username, b.password, info(ctx));
        if (!r.ok) {
          // One message for unknown user and wrong password, so usernames cannot be probed.
          fail(ctx, 401, r.reason === 'locked' ? 'account locked after repeated failures; try again later'
            : r.reason === 'disabled' ? 'account disabled' : 'wrong username or password');
        }
        setSessionCookies(ctx, r.token, r.csrfToken, r.expiresAt);
        ctx.body = { csrfToken: r.csrfToken, mustChangePassword: r.mustChangePassword, expiresAt: r.expiresAt };
      },
    },
    {
      method: 'POST', path: '/api/auth/device/pair', permission: 'public', summary: 'A command wall exchanges a one-time pairing code for a device session',
      response: S.deviceSessionResponse, errors: [401],
      body: z.object({ code: z.string().trim().min(4).max(16) }).strict(),
      async handler(ctx) {
        const r = await auth.deviceSession({ code: (ctx.request.body as { code: string }).code }, info(ctx));
        if (!r) fail(ctx, 401, 'pairing code unknown, used or expired');
        setSessionCookies(ctx, r.token, r.csrfToken, r.expiresAt);
        ctx.body = { device: r.deviceName, csrfToken: r.csrfToken, expiresAt: r.expiresAt };
      },
    },
    {
      method: 'POST', path: '/api/auth/device/session', permission: 'public', summary: 'A command wall exchanges its device token (from the URL fragment) for a device session',
      response: S.deviceSessionResponse, errors: [401],
      body: z.object({ token: z.string().trim().min(10).max(200) }).strict(),
      async handler(ctx) {
        const r = await auth.deviceSession({ token: (ctx.request.body as { token: string }).token }, info(ctx));
        if (!r) fail(ctx, 401, 'device token unknown or revoked');
        setSessionCookies(ctx, r.token, r.csrfToken, r.expiresAt);
        ctx.body = { device: r.deviceName, csrfToken: r.csrfToken, expiresAt: r.expiresAt };
      },
    },
    {
      method: 'GET', path: '/api/auth/me', permission: 'authenticated', summary: 'The caller: identity, roles, permissions, CSRF token',
      response: S.meResponse,
      async handler(ctx) {
        const p = principalOf(ctx);
        let user: ReturnType<typeof view> | null = null;
        if (p.kind === 'user') {
          const r = await sc.db.query<UserRecord>(`SELECT ${USER_COLS} FROM app_user WHERE id = $1`, [p.id]);
          if (r.rows[0]) user = view(r.rows[0]);
        }
        const s = ctx.cookies.get(SESSION_COOKIE);
        const csrf = s ? (await auth.resolveSession(s))?.csrfToken ?? null : null;
        const maxAge = auth.settings.passwordMaxAgeDays * 86_400_000;
        ctx.body = {
          kind: p.kind, id: p.id, name: p.name, displayName: user?.displayName ?? p.name, roles: p.roles,
          permissions: [...p.permissions].sort(), enterpriseIdx: p.enterpriseIdx ?? null, sessionId: p.sessionId,
          mustChangePassword: user ? user.mustChangePassword || auth.now().getTime() - new Date(user.passwordChangedAt).getTime() > maxAge : false,
          csrfToken: csrf, idleMinutes: p.kind === 'user' ? auth.settings.sessionIdleMinutes : null,
          passwordPolicy: policy(),
        };
      },
    },
    {
      method: 'POST', path: '/api/auth/logout', permission: 'authenticated', summary: 'End the current session',
      response: S.okResponse,
      async handler(ctx) {
        const p = principalOf(ctx);
        if (p.kind === 'user' || ctx.cookies.get(SESSION_COOKIE)) {
          await auth.endSessions([p.sessionId], 'logout');
          await auth.audit({ action: 'auth.logout', outcome: 'success', actor: actorOf(p), object: `session:${p.sessionId}`, source: ctx.ip });
        }
        clearSessionCookies(ctx);
        ctx.body = { ok: true };
      },
    },
    {
      method: 'POST', path: '/api/auth/password', permission: 'authenticated', summary: 'Change one\'s own password (ends every session of the user)',
      response: S.passwordResponse, errors: [400, 403],
      body: passwordBody,
      async handler(ctx) {
        const p = principalOf(ctx);
        if (p.kind !== 'user') fail(ctx, 403, 'devices have no password');
        const b = ctx.request.body as z.infer<typeof passwordBody>;
        const r = await auth.changePassword(p.id, b.current, b.next, info(ctx));
        if (!r.ok) fail(ctx, 400, `password not changed: ${r.problems.join('; ')}`);
        setSessionCookies(ctx, r.token, r.csrfToken, r.expiresAt);
        ctx.body = { ok: true, csrfToken: r.csrfToken };
      },
    },
  ];
}

/** Accounts: list, create, edit, reset, disable, delete (system administrator). */
function userRoutes(sc: ServerContext, auth: AuthService, kit: AuthRouteKit): RouteSpec[] {
  const { policy, view, loadUser, checkEnterprise, change, refuseAdminTarget } = kit;
  return [
    {
      method: 'GET', path: '/api/users', permission: 'system:admin', summary: 'List accounts (personal fields masked)',
      response: S.usersResponse,
      async handler(ctx) {
        const r = await sc.db.query<UserRecord>(`SELECT ${USER_COLS} FROM app_user ORDER BY username`);
        ctx.body = { users: r.rows.map((u) => view(u)) };
      },
    },
    {
      method: 'GET', path: '/api/users/:id', permission: 'system:admin', summary: 'One account, personal fields decrypted (audited)',
      params: S.idParams, response: S.userView, errors: [404],
      async handler(ctx) {
        const u = await loadUser(sc.db, ctx);
        await auth.audit({ action: 'user.read', outcome: 'success', actor: actorOf(ctx.state.principal), object: `user:${u.username}`, source: ctx.ip,
          detail: { personalFields: true } });
        ctx.body = view(u, true);
      },
    },
    {
      method: 'POST', path: '/api/users', permission: 'system:admin', summary: 'Create an account (no roles: the security administrator grants them)',
      response: withStatus(201, S.createdUserResponse), errors: [409],
      body: createUserBody,
      async handler(ctx) {
        const b = ctx.request.body as z.infer<typeof createUserBody>;
        const pw = b.password ?? generatePassword();
        const problems = passwordProblems(pw, b.username, policy());
        if (problems.length > 0) fail(ctx, 400, `password: ${problems.join('; ')}`);
        const hash = await hashPassword(pw);
        const created = await change(async (tx) => {
          await checkEnterprise(tx, ctx, b.enterpriseIdx);
          const dup = await tx.query('SELECT 1 FROM app_user WHERE username = $1', [b.username]);
          if (dup.rows.length > 0) fail(ctx, 409, `username ${b.username} is taken`);
          const now = auth.now();
          const r = await tx.query<{ id: string }>(
            `INSERT INTO app_user (username, display_name, password_hash, enterprise_idx, must_change_password, password_changed_at, created_at)
             VALUES ($1, $2, $3, $4, true, $5, $5) RETURNING id`,
            [b.username, b.displayName, hash, b.enterpriseIdx ?? null, now],
          );
          const id = r.rows[0]!.id;
          await tx.query('UPDATE app_user SET phone_enc = $2, id_number_enc = $3 WHERE id = $1', [id,
            b.phone ? auth.cipher.encrypt(b.phone, `app_user.phone:${id}`) : null,
            b.idNumber ? auth.cipher.encrypt(b.idNumber.toUpperCase(), `app_user.id_number:${id}`) : null]);
          await auth.auditIn(tx, { action: 'user.create', outcome: 'success', actor: actorOf(ctx.state.principal), object: `user:${b.username}`,
            source: ctx.ip, detail: { id, enterpriseIdx: b.enterpriseIdx ?? null } });
          return (await tx.query<UserRecord>(`SELECT ${USER_COLS} FROM app_user WHERE id = $1`, [id])).rows[0]!;
        });
        ctx.status = 201;
        ctx.body = { user: view(created), ...(b.password ? {} : { initialPassword: pw }) };
      },
    },
    {
      method: 'PATCH', path: '/api/users/:id', permission: 'system:admin', summary: 'Edit an account: name, personal fields, enterprise, disabled',
      params: S.idParams, response: S.userResponse, errors: [404],
      body: patchUserBody,
      async handler(ctx) {
        const b = ctx.request.body as z.infer<typeof patchUserBody>;
        const self = ctx.state.principal!;
        const updated = await change(async (tx, ended) => {
          const u = await loadUser(tx, ctx);
          if (b.disabled && u.id === self.id) fail(ctx, 400, 'you cannot disable your own account');
          // An administrator edits its own profile fields only; nobody else edits an administrator account.
          const reach = b.disabled !== undefined || b.enterpriseIdx !== undefined;
          refuseAdminTarget(u, reach ? (b.disabled !== undefined ? 'disable or enable' : 'bind to an enterprise') : 'edit', self, !reach);
          if (b.enterpriseIdx !== undefined) await checkEnterprise(tx, ctx, b.enterpriseIdx);
          await tx.query(
            `UPDATE app_user SET display_name = COALESCE($2, display_name),
               phone_enc = CASE WHEN $3 THEN $4 ELSE phone_enc END,
               id_number_enc = CASE WHEN $5 THEN $6 ELSE id_number_enc END,
               enterprise_idx = CASE WHEN $7 THEN $8::integer ELSE enterprise_idx END,
               disabled = COALESCE($9, disabled)
             WHERE id = $1`,
            [u.id, b.displayName ?? null,
              b.phone !== undefined, b.phone ? auth.cipher.encrypt(b.phone, `app_user.phone:${u.id}`) : null,
              b.idNumber !== undefined, b.idNumber ? auth.cipher.encrypt(b.idNumber.toUpperCase(), `app_user.id_number:${u.id}`) : null,
              b.enterpriseIdx !== undefined, b.enterpriseIdx ?? null, b.disabled ?? null],
          );
          if (b.disabled || (b.enterpriseIdx !== undefined && b.enterpriseIdx !== u.enterprise_idx)) {
            ended.push(...(await auth.endUserSessions(tx, u.id, b.disabled ? 'user-disabled' : 'revoked')));
          }
          await auth.auditIn(tx, { action: 'user.update', outcome: 'success', actor: actorOf(self), object: `user:${u.username}`, source: ctx.ip,
            detail: { fields: Object.keys(b).sort() } });
          return (await tx.query<UserRecord>(`SELECT ${USER_COLS} FROM app_user WHERE id = $1`, [u.id])).rows[0]!;
        }, ctx);
        ctx.body = { user: view(updated) };
      },
    },
    {
      method: 'POST', path: '/api/users/:id/reset-password', permission: 'system:admin', summary: 'Issue a one-time password (forced change, sessions ended)',
      params: S.idParams, response: S.initialPasswordResponse, errors: [404],
      async handler(ctx) {
        const pw = generatePassword();
        const hash = await hashPassword(pw);
        await change(async (tx, ended) => {
          const u = await loadUser(tx, ctx);
          // A one-time password known to the caller is a takeover when the account is an administrator's.
          refuseAdminTarget(u, 'reset the password of');
          await tx.query('UPDATE app_user SET password_hash = $2, must_change_password = true, password_changed_at = $3 WHERE id = $1',
            [u.id, hash, auth.now()]);
          await auth.clearLoginFailures(tx, u.username);
          ended.push(...(await auth.endUserSessions(tx, u.id, 'revoked')));
          await auth.auditIn(tx, { action: 'user.password.reset', outcome: 'success', actor: actorOf(ctx.state.principal), object: `user:${u.username}`, source: ctx.ip });
        }, ctx);
        ctx.body = { initialPassword: pw };
      },
    },
    {
      method: 'POST', path: '/api/users/:id/unlock', permission: 'system:admin', summary: 'Lift a lockout',
      params: S.idParams, response: S.okResponse, errors: [404],
      async handler(ctx) {
        await change(async (tx) => {
          const u = await loadUser(tx, ctx);
          // Lifting a lockout grants nobody access, so it is allowed on administrator accounts too.
          const cleared = await auth.clearLoginFailures(tx, u.username);
          await auth.auditIn(tx, { action: 'user.unlock', outcome: 'success', actor: actorOf(ctx.state.principal), object: `user:${u.username}`, source: ctx.ip,
            detail: { sourcesCleared: cleared } });
        });
        ctx.body = { ok: true };
      },
    },
    {
      method: 'DELETE', path: '/api/users/:id', permission: 'system:admin', summary: 'Delete an account (its sessions end; audit rows keep its name)',
      params: S.idParams, errors: [404],
      async handler(ctx) {
        const self = ctx.state.principal!;
        await change(async (tx, ended) => {
          const u = await loadUser(tx, ctx);
          if (u.id === self.id) fail(ctx, 400, 'you cannot delete your own account');
          refuseAdminTarget(u, 'delete');
          ended.push(...(await auth.endUserSessions(tx, u.id, 'user-deleted')));
          await tx.query('DELETE FROM app_user WHERE id = $1', [u.id]);
          await auth.auditIn(tx, { action: 'user.delete', outcome: 'success', actor: actorOf(self), object: `user:${u.username}`, source: ctx.ip, detail: { id: u.id } });
        }, ctx);
        ctx.status = 204;
      },
    },
  ];
}

/** Roles, role grants and device identities (security administrator). */
function roleAndDeviceRoutes(sc: ServerContext, auth: AuthService, kit: AuthRouteKit): RouteSpec[] {
  const { info, view, loadUser, change, refuseAdminTarget } = kit;
  return [
    {
      method: 'GET', path: '/api/roles', permission: 'security:admin', summary: 'Roles and their permissions (the matrix)',
      response: S.rolesResponse,
      async handler(ctx) {
        ctx.body = {
          modules: MODULES, actions: ACTIONS, permissions: ALL_PERMISSIONS,
          roles: ROLES.map((r) => ({ id: r.id, name: r.name, description: r.description, permissions: r.permissions, admin: Boolean(r.admin), enterpriseScoped: Boolean(r.enterpriseScoped) })),
        };
      },
    },
    {
      method: 'GET', path: '/api/roles/assignments', permission: 'security:admin', summary: 'Who holds which role',
      response: S.assignmentsResponse,
      async handler(ctx) {
        const r = await sc.db.query<{ id: string; username: string; display_name: string; roles: string[]; enterprise_idx: number | null; disabled: boolean }>(
          'SELECT id, username, display_name, roles, enterprise_idx, disabled FROM app_user ORDER BY username');
        ctx.body = { users: r.rows.map((u) => ({ id: u.id, username: u.username, displayName: u.display_name, roles: u.roles, enterpriseIdx: u.enterprise_idx, disabled: u.disabled })) };
      },
    },
    {
      method: 'PUT', path: '/api/users/:id/roles', permission: 'security:admin', summary: 'Grant roles to an account (separation of administrator duties enforced)',
      params: S.idParams, response: S.userResponse, errors: [404],
      body: rolesBody,
      async handler(ctx) {
        const roles = [...new Set((ctx.request.body as z.infer<typeof rolesBody>).roles)];
        const self = ctx.state.principal!;
        const conflict = roleConflict(roles);
        if (conflict) fail(ctx, 400, conflict);
        const updated = await change(async (tx, ended) => {
          const u = await loadUser(tx, ctx);
          if (u.id === self.id) fail(ctx, 400, 'you cannot change your own roles');
          // Taking an administrator role away would disable that administrator: console only.
          refuseAdminTarget(u, 'change the roles of');
          if (roles.some((r) => roleById(r)?.enterpriseScoped) && u.enterprise_idx === null) {
            fail(ctx, 400, 'bind the account to an enterprise before granting an enterprise role');
          }
          await tx.query('UPDATE app_user SET roles = $2 WHERE id = $1', [u.id, roles]);
          // Fewer rights take effect at once: end the sessions and sockets that had the old ones.
          if (u.roles.some((r) => !roles.includes(r))) ended.push(...(await auth.endUserSessions(tx, u.id, 'revoked')));
          await auth.auditIn(tx, { action: 'user.roles', outcome: 'success', actor: actorOf(self), object: `user:${u.username}`, source: ctx.ip,
            detail: { from: u.roles, to: roles } });
          return (await tx.query<UserRecord>(`SELECT ${USER_COLS} FROM app_user WHERE id = $1`, [u.id])).rows[0]!;
        }, ctx);
        ctx.body = { user: view(updated) };
      },
    },
    {
      method: 'GET', path: '/api/devices', permission: 'security:admin', summary: 'Command walls and exchange clients',
      response: S.devicesResponse,
      async handler(ctx) {
        const r = await sc.db.query<{ id: string; name: string; kind: string; created_at: Date; created_by: string; revoked_at: Date | null;
          last_seen_at: Date | null; pairing_expires_at: Date | null; sessions: number }>(
          `SELECT d.id, d.name, d.kind, d.created_at, d.created_by, d.revoked_at, d.last_seen_at, d.pairing_expires_at,
             (SELECT count(*)::int FROM auth_session s WHERE s.device_id = d.id AND s.ended_at IS NULL) AS sessions
           FROM auth_device d ORDER BY d.created_at`);
        ctx.body = { devices: r.rows.map((d) => ({ id: d.id, name: d.name, kind: d.kind, createdAt: d.created_at, createdBy: d.created_by,
          revokedAt: d.revoked_at, lastSeenAt: d.last_seen_at, pairingExpiresAt: d.pairing_expires_at, activeSessions: d.sessions })) };
      },
    },
    {
      method: 'POST', path: '/api/devices', permission: 'security:admin', summary: 'Register a command wall (read-only) or exchange client; the token is shown once',
      response: withStatus(201, S.createdDeviceResponse), errors: [409],
      body: deviceBody,
      async handler(ctx) {
        const b = ctx.request.body as z.infer<typeof deviceBody>;
        const p = ctx.state.principal!;
        const d = await change(async (tx) => {
          const dup = await tx.query('SELECT 1 FROM auth_device WHERE name = $1', [b.name]);
          if (dup.rows.length > 0) fail(ctx, 409, `a device named ${b.name} exists`);
          const d = await auth.createDevice(tx, b.name, b.kind, p.name);
          await auth.auditIn(tx, { action: 'device.create', outcome: 'success', actor: actorOf(p), object: `device:${d.id}`, source: ctx.ip, detail: { name: b.name, kind: b.kind } });
          return d;
        });
        ctx.status = 201;
        ctx.body = { id: d.id, name: b.name, kind: b.kind, token: d.token, pairingCode: d.pairingCode, pairingExpiresAt: d.pairingExpiresAt,
          wallUrl: b.kind === 'wall' ? `/wall#device=${d.token}` : null };
      },
    },
    {
      method: 'POST', path: '/api/devices/:id/pairing', permission: 'security:admin', summary: 'A new one-time pairing code for a wall',
      params: S.idParams, response: S.pairingResponse, errors: [404],
      async handler(ctx) {
        const id = uuidParam.safeParse(ctx.params.id);
        if (!id.success) fail(ctx, 404, 'no such device');
        const r = await change(async (tx) => {
          const c = await auth.newPairingCode(tx, id.data);
          if (!c) fail(ctx, 404, 'no such active wall');
          await auth.auditIn(tx, { action: 'device.pairing', outcome: 'success', actor: actorOf(ctx.state.principal), object: `device:${id.data}`, source: ctx.ip });
          return c;
        });
        ctx.body = { pairingCode: r.code, pairingExpiresAt: r.expiresAt };
      },
    },
    {
      method: 'POST', path: '/api/devices/:id/revoke', permission: 'security:admin', summary: 'Revoke a device: its sessions and sockets end at once',
      params: S.idParams, response: S.okResponse, errors: [404],
      async handler(ctx) {
        const id = uuidParam.safeParse(ctx.params.id);
        if (!id.success) fail(ctx, 404, 'no such device');
        if (!(await auth.revokeDevice(id.data, ctx.state.principal!, info(ctx)))) fail(ctx, 404, 'no such active device');
        ctx.body = { ok: true };
      },
    },
  ];
}

/** The audit trail: search, export, verify (auditor). */
function auditRoutes(sc: ServerContext, auth: AuthService, _kit: AuthRouteKit): RouteSpec[] {
  return [
    {
      method: 'GET', path: '/api/audit', permission: 'audit:read', summary: 'Search the audit trail (newest first)',
      query: auditQuery, response: S.auditSearchResponse,
      async handler(ctx) {
        const f = queryOf(ctx, auditQuery);
        const rows = await searchAudit(sc.db, {
          ...(f.from ? { from: new Date(f.from) } : {}), ...(f.to ? { to: new Date(f.to) } : {}),
          ...(f.actor ? { actor: f.actor } : {}), ...(f.action ? { action: f.action } : {}), ...(f.outcome ? { outcome: f.outcome } : {}),
          ...(f.q ? { text: f.q } : {}), ...(f.before ? { before: f.before } : {}), ...(f.limit ? { limit: f.limit } : {}),
        });
        ctx.body = { rows: rows.map((r: AuditRow) => ({ ...r, detail: JSON.parse(r.detail) as unknown })), head: await auditHead(sc.db) };
      },
    },
    {
      method: 'GET', path: '/api/audit/export', permission: 'audit:read', summary: 'Export the audit trail as JSON lines; the head hash is in X-Audit-Head',
      produces: 'application/x-ndjson',
      async handler(ctx) {
        const p = ctx.state.principal!;
        // Snapshot in one read so the head matches the lines exactly.
        const r = await sc.db.transaction(async (tx) => {
          const rows = await tx.query<AuditRow>('SELECT seq, at, actor_kind, actor_id, actor_name, action, object, outcome, source, detail, prev_hash, hash, key_id FROM audit_log ORDER BY seq');
          return { rows: rows.rows, head: await auditHead(tx) };
        });
        await auth.audit({ action: 'audit.export', outcome: 'success', actor: actorOf(p), object: 'audit_log', source: ctx.ip, detail: { rows: r.rows.length, head: r.head.hash, headSeq: r.head.seq } });
        ctx.set('X-Audit-Head', `${r.head.seq}:${r.head.hash}`);
        ctx.set('Content-Disposition', `attachment; filename="audit-${r.head.seq}.jsonl"`);
        ctx.type = 'application/x-ndjson';
        ctx.body = r.rows.map((x) => `${exportLine(x)}\n`).join('') + `${JSON.stringify({ head: r.head })}\n`;
      },
    },
    {
      method: 'GET', path: '/api/audit/verify', permission: 'audit:read', summary: 'Verify the hash chain',
      response: S.auditVerifyResponse,
      async handler(ctx) {
        ctx.body = await verifyAudit(sc.db, { sink: auth.anchorSink });
      },
    },
  ];
}

/** Enterprise-scoped reads (enterprise users: only their own). */
function enterpriseRoutes(sc: ServerContext, _auth: AuthService, _kit: AuthRouteKit): RouteSpec[] {
  return [
    {
      method: 'GET', path: '/api/enterprises/:idx/accounts', permission: 'enterprise:read', summary: 'Platform accounts of one enterprise (enterprise users: only their own)',
      params: idxParams, response: S.accountsResponse,
      object: async (ctx) => {
        const { idx } = paramsOf(ctx, idxParams); // parsed (400 when malformed) before this check
        const r = await sc.db.query<{ idx: number }>('SELECT idx FROM enterprise WHERE idx = $1', [idx]);
        return r.rows[0] ? { kind: 'enterprise', idx, enterpriseIdx: idx } : null;
      },
      async handler(ctx) {
        const r = await sc.db.query<{ username: string; display_name: string; roles: string[]; disabled: boolean }>(
          'SELECT username, display_name, roles, disabled FROM app_user WHERE enterprise_idx = $1 ORDER BY username', [paramsOf(ctx, idxParams).idx]);
        ctx.body = { accounts: r.rows.map((u) => ({ username: u.username, displayName: u.display_name, roles: u.roles, disabled: u.disabled })) };
      },
    },
  ];
}
