/**
 * The audit actor of the operator's loop (alarms, work orders, remote control, linkage, patrol),
 * one convention for every row they write, the same as the platform's own rows (login, users):
 *  - a person: kind `user`, id = `app_user.id`, name = the username (never the display name);
 *  - a device answering or reporting: kind `device`, id null, name = the device code;
 *  - the platform acting on its own: kind `system`, id null, name = the part that acted
 *    (`alarm rules`, `dispatch`, `workorders`, `linkage`, `control`, `patrol`, `sla`).
 * Build actors only through these functions, so a row never names a person differently.
 */
import type { Queryable } from '../db/index.ts';
import type { Principal } from '../auth/types.ts';

/** An audit actor. */
export interface AuditActor {
  readonly kind: 'user' | 'device' | 'exchange' | 'system';
  readonly id: string | null;
  readonly name: string;
}

/** The actor of a signed-in caller (its principal's name is the username; a device token's its name). */
export function principalActor(p: Principal): AuditActor {
  return { kind: p.kind, id: p.id, name: p.name };
}

/**
 * The actor of a principal whose `name` may have been replaced by the display name (the records
 * kit hands its hooks, and the work-order routes their writes, such a principal for what records
 * show): a user's username is read by id.
 */
export async function auditActorOf(q: Queryable, p: Principal): Promise<AuditActor> {
  if (p.kind !== 'user') return principalActor(p);
  return (await userActor(q, p.id)) ?? principalActor(p);
}

/** A user known by id (a work order created for someone): id and username from `app_user`; null when there is no such user. */
export async function userActor(q: Queryable, userId: string): Promise<AuditActor | null> {
  const r = await q.query<{ id: string; username: string }>('SELECT id, username FROM app_user WHERE id = $1', [userId]);
  return r.rows[0] ? { kind: 'user', id: String(r.rows[0].id), name: r.rows[0].username } : null;
}

/** A user known by username (stored as `confirmed_by` and the like): id from `app_user`. */
export async function usernameActor(q: Queryable, username: string): Promise<AuditActor> {
  const r = await q.query<{ id: string }>('SELECT id FROM app_user WHERE username = $1', [username]);
  return { kind: 'user', id: r.rows[0] ? String(r.rows[0].id) : null, name: username };
}

/** A device by its code. */
export function deviceActor(code: string): AuditActor {
  return { kind: 'device', id: null, name: code };
}

/** The platform: the part that acted. */
export function systemActor(name: 'alarm rules' | 'dispatch' | 'workorders' | 'linkage' | 'control' | 'patrol'): AuditActor {
  return { kind: 'system', id: null, name };
}
