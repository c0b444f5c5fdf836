/**
 * Wire schemas of the auth platform's routes (responses and the documented path parameters), for
 * the OpenAPI document and the route contract test. Timestamps are ISO strings on the wire.
 */
import { z } from 'zod';

const time = z.string();
const ok = z.object({ ok: z.literal(true) });

/** `:id` of an account or device (a UUID; anything else is answered 404 like an unknown id). */
export const idParams = z.object({ id: z.string().max(100).describe('account or device id (UUID)') });

export const loginResponse = z.object({ csrfToken: z.string(), mustChangePassword: z.boolean(), expiresAt: time });
export const deviceSessionResponse = z.object({ device: z.string(), csrfToken: z.string(), expiresAt: time });

export const meResponse = z.object({
  kind: z.enum(['user', 'device', 'exchange']), id: z.string(), name: z.string(), displayName: z.string(), roles: z.array(z.string()),
  permissions: z.array(z.string()), enterpriseIdx: z.number().int().nullable(), sessionId: z.string(), mustChangePassword: z.boolean(),
  csrfToken: z.string().nullable(), idleMinutes: z.number().nullable(),
  passwordPolicy: z.object({ minLength: z.number().int(), minClasses: z.number().int() }),
});

export const okResponse = ok;
export const passwordResponse = z.object({ ok: z.literal(true), csrfToken: z.string() });

/** An account as the administrators see it (personal fields masked in lists, decrypted in GET /api/users/:id). */
export const userView = z.object({
  id: z.string(), username: z.string(), displayName: z.string(), roles: z.array(z.string()), enterpriseIdx: z.number().int().nullable(),
  phone: z.string().nullable(), idNumber: z.string().nullable(), mustChangePassword: z.boolean(), locked: z.boolean(), disabled: z.boolean(),
  createdAt: time, lastLoginAt: time.nullable(), passwordChangedAt: time,
});
export const usersResponse = z.object({ users: z.array(userView) });
export const userResponse = z.object({ user: userView });
export const createdUserResponse = z.object({ user: userView, initialPassword: z.string().optional() });
export const initialPasswordResponse = z.object({ initialPassword: z.string() });

export const rolesResponse = z.object({
  modules: z.array(z.string()), actions: z.array(z.string()), permissions: z.array(z.string()),
  roles: z.array(z.object({
    id: z.string(), name: z.object({ 'zh-CN': z.string(), en: z.string() }), description: z.string(), permissions: z.array(z.string()), admin: z.boolean(), enterpriseScoped: z.boolean(),
  })),
});
export const assignmentsResponse = z.object({
  users: z.array(z.object({
    id: z.string(), username: z.string(), displayName: z.string(), roles: z.array(z.string()), enterpriseIdx: z.number().int().nullable(), disabled: z.boolean(),
  })),
});

export const devicesResponse = z.object({
  devices: z.array(z.object({
    id: z.string(), name: z.string(), kind: z.string(), createdAt: time, createdBy: z.string(), revokedAt: time.nullable(),
    lastSeenAt: time.nullable(), pairingExpiresAt: time.nullable(), activeSessions: z.number().int(),
  })),
});
export const createdDeviceResponse = z.object({
  id: z.string(), name: z.string(), kind: z.enum(['wall', 'exchange']), token: z.string(), pairingCode: z.string().nullable(),
  pairingExpiresAt: time.nullable(), wallUrl: z.string().nullable(),
});
export const pairingResponse = z.object({ pairingCode: z.string(), pairingExpiresAt: time });

const anchor = z.object({ seq: z.number().int(), hash: z.string() });
export const auditSearchResponse = z.object({
  rows: z.array(z.object({
    seq: z.number().int(), at: time, actor_kind: z.string(), actor_id: z.string().nullable(), actor_name: z.string().nullable(),
    action: z.string(), object: z.string().nullable(), outcome: z.string(), source: z.string().nullable(), detail: z.unknown(),
    prev_hash: z.string(), hash: z.string(), key_id: z.string().nullable().optional(),
  })),
  head: anchor,
});
export const auditVerifyResponse = z.union([
  z.object({ ok: z.literal(true), rows: z.number().int(), head: anchor, from: anchor, legacyRows: z.number().int().optional(), anchors: z.number().int().optional() }),
  z.object({ ok: z.literal(false), rows: z.number().int(), brokenAt: z.number().int(), reason: z.string() }),
]);

export const accountsResponse = z.object({
  accounts: z.array(z.object({ username: z.string(), displayName: z.string(), roles: z.array(z.string()), disabled: z.boolean() })),
});
