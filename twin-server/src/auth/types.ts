/**
 * The permission vocabulary shared by routes, WebSocket messages and the auth platform.
 * A permission is `<module>:<action>`; 'public' routes need no principal at all.
 */

/** Standard modules (see ../shared/STANDARD.md) that own routes or streams. */
export const MODULES = [
  'system', 'security', 'audit', 'park', 'twin', 'tiles', 'stream', 'telemetry', 'alarm', 'equipment',
  'leasing', 'enterprise', 'economy', 'network', 'map', 'exchange',
] as const;
export type ModuleName = (typeof MODULES)[number];

export const ACTIONS = ['read', 'write', 'control', 'admin'] as const;
export type Action = (typeof ACTIONS)[number];

export type Permission = `${ModuleName}:${Action}`;

/** Who is calling: a user session, a command-wall device, or a data-exchange client. */
export interface Principal {
  readonly kind: 'user' | 'device' | 'exchange';
  readonly id: string;
  readonly name: string;
  readonly roles: readonly string[];
  readonly permissions: ReadonlySet<Permission>;
  /** Enterprise users see only their own enterprise's records. */
  readonly enterpriseIdx?: number;
  /** Session (or device token) id, so revocation can find live sockets. */
  readonly sessionId: string;
}
