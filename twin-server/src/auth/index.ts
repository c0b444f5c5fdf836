/**
 * The auth platform's public entry point. Other modules (the stream hub in particular) use
 * `authService(sc)` to authenticate WebSocket upgrades, check permissions, audit, and hear when a
 * session ends so they can close its sockets:
 *
 *   const auth = authService(sc);
 *   server.on('upgrade', async (req, socket, head) => {
 *     const principal = await auth.authenticateUpgrade(req);   // null: refuse with 401
 *     ...
 *   });
 *   auth.onSessionEnded((sessionId) => closeSocketsOf(sessionId)); // principal.sessionId
 *   if (!auth.can(principal, 'stream:read')) ...                  // per subscription
 *   await auth.audit({ action: 'stream.denied', outcome: 'denied', actor: {...}, object: ... });
 */
import type http from 'node:http';
import type { ServerContext } from '../context.ts';
import type { Permission, Principal } from './types.ts';
import type { AuditEvent } from './audit.ts';
import { AuthService, type AuthServiceOptions, type EndReason, type LooseAuditEvent } from './service.ts';

export type { Permission, Principal } from './types.ts';
export type { AuditEvent } from './audit.ts';
export { AuthService, type AuthServiceOptions, type EndReason, type LooseAuditEvent } from './service.ts';

/** What the rest of the server may rely on (a stable subset of AuthService). */
export interface AuthApi {
  /** Session cookie (Origin must be same-origin or in TWIN_ALLOWED_ORIGINS) or `Authorization: Bearer` device token. */
  authenticateUpgrade(req: http.IncomingMessage): Promise<Principal | null>;
  /** Whether the principal holds `<module>:<action>`. */
  can(principal: Principal | null | undefined, permission: Permission): boolean;
  /** Appends a hash-chained audit row. */
  audit(event: AuditEvent | LooseAuditEvent): Promise<void>;
  /** Fired with `principal.sessionId` on logout, revocation, password change, idle or absolute expiry. */
  onSessionEnded(fn: (sessionId: string, reason: EndReason) => void): () => void;
  /** Records user activity on a session (keeps an interactive session from idling out). */
  touch(sessionId: string): Promise<void>;
}

const services = new WeakMap<ServerContext, AuthService>();

/**
 * The one AuthService of a ServerContext. The auth module creates it at initialize (with its
 * options); any later call returns the same instance. Called before that, it creates one from
 * the environment.
 */
export function authService(sc: ServerContext, opts?: AuthServiceOptions): AuthService {
  let s = services.get(sc);
  if (!s) {
    s = new AuthService(sc, opts);
    services.set(sc, s);
  }
  return s;
}

/** The running AuthService of a context, or undefined when the auth module is not part of this server (bare test servers). */
export function runningAuthService(sc: ServerContext): AuthService | undefined {
  return services.get(sc);
}

/** Forgets the instance of a context (module finalize), so a restarted server gets a fresh one. */
export async function releaseAuthService(sc: ServerContext): Promise<void> {
  const s = services.get(sc);
  services.delete(sc);
  await s?.finalize();
}
