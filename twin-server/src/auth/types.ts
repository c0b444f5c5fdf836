/**
 * The permission vocabulary shared by routes, WebSocket messages and the auth platform.
 * A permission is `<module>:<action>`; 'public' routes need no principal at all.
 */

/** Standard modules (see ../shared/STANDARD.md) that own routes or streams: the core vocabulary. */
export const CORE_MODULES = [
  'system', 'security', 'audit', 'park', 'twin', 'tiles', 'stream', 'telemetry', 'alarm', 'equipment',
  'leasing', 'enterprise', 'economy', 'network', 'map', 'exchange',
] as const;
export type ModuleName = (typeof CORE_MODULES)[number];

export const CORE_ACTIONS = ['read', 'write', 'control', 'admin'] as const;
export type Action = (typeof CORE_ACTIONS)[number];

/** A permission of the core vocabulary, checked by the compiler. */
export type CorePermission = `${ModuleName}:${Action}`;

/**
 * A core permission, or one a module registers (`<module>:<action>`, see `TwinModule.permissions`).
 * Module permissions are checked at start instead of by the compiler: a route or WebSocket handler
 * naming a permission nobody registered stops the server (`auth/roles.ts`, `assertKnownPermission`).
 */
export type Permission = CorePermission | `${string}:${string}`;

/**
 * Rows and columns of the permission matrix: the core modules and actions, then those of the
 * enabled modules' permissions (appended at start by `registerModulePermissions`, so readers of
 * these arrays, like the roles route, see them without a restart of their own).
 */
export const MODULES: readonly string[] = [...CORE_MODULES];
export const ACTIONS: readonly string[] = [...CORE_ACTIONS];

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
