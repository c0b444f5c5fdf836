/**
 * The role table (least privilege, separated administrator duties, Y4/Y6). Roles live in code so
 * a permission cannot be granted by editing a row; users carry role ids.
 */
import { ACTIONS, CORE_ACTIONS, CORE_MODULES, MODULES, type Action, type ModuleName, type Permission } from './types.ts';

/** One role: ids are stable (stored on users), names are shown in the admin panel. */
export interface RoleDef {
  readonly id: string;
  readonly name: { readonly 'zh-CN': string; readonly en: string };
  readonly description: string;
  readonly permissions: readonly Permission[];
  /** Administrator roles are mutually exclusive on one account (separation of duties). */
  readonly admin?: boolean;
  /** Users holding this role are scoped to their own enterprise. */
  readonly enterpriseScoped?: boolean;
}

const p = (modules: readonly ModuleName[], actions: readonly Action[]): Permission[] =>
  modules.flatMap((m) => actions.map((a) => `${m}:${a}` as Permission));

/** What a read-only viewer of the twin needs: the scene, its tiles and the live stream. */
const VIEW: ModuleName[] = ['park', 'twin', 'tiles', 'stream', 'telemetry', 'map'];

export const ROLES: readonly RoleDef[] = [
  {
    id: 'leadership_viewer', name: { 'zh-CN': '领导驾驶舱', en: 'Leadership viewer' },
    description: 'Read-only view of the whole park: twin, KPIs, alarms, economy.',
    permissions: p([...VIEW, 'alarm', 'security', 'equipment', 'leasing', 'enterprise', 'economy', 'network'], ['read']),
  },
  {
    id: 'investment', name: { 'zh-CN': '招商人员', en: 'Investment' },
    description: 'Leasing pipeline and vacant units; reads enterprises and economy.',
    permissions: [...p([...VIEW, 'enterprise', 'economy'], ['read']), ...p(['leasing'], ['read', 'write'])],
  },
  {
    id: 'maintenance', name: { 'zh-CN': '运维人员', en: 'Maintenance' },
    description: 'Equipment, networks and work orders; may operate equipment.',
    permissions: [...p([...VIEW], ['read']), ...p(['equipment'], ['read', 'write', 'control']),
      ...p(['network', 'alarm'], ['read', 'write'])],
  },
  {
    id: 'security_operator', name: { 'zh-CN': '安防值班员', en: 'Security operator' },
    description: 'Alarms, cameras and access control.',
    permissions: [...p([...VIEW], ['read']), ...p(['alarm', 'security'], ['read', 'write', 'control']),
      ...p(['equipment'], ['read', 'control'])],
  },
  {
    id: 'property_manager', name: { 'zh-CN': '物业管理员', en: 'Property manager' },
    description: 'Park records, equipment, leases and tenants.',
    permissions: [...p([...VIEW, 'alarm', 'network', 'economy'], ['read']),
      ...p(['park', 'equipment', 'leasing', 'enterprise'], ['read', 'write'])],
  },
  {
    id: 'enterprise_user', name: { 'zh-CN': '企业用户', en: 'Enterprise user' },
    description: 'A tenant company: only its own enterprise\'s records.',
    // stream:read: live colours of its own leased rooms and its own economy figures (the hub scopes them).
    permissions: [...p(['park', 'twin', 'tiles', 'map', 'leasing', 'stream'], ['read']), ...p(['enterprise', 'economy'], ['read', 'write'])],
    enterpriseScoped: true,
  },
  {
    id: 'data_exchange', name: { 'zh-CN': '数据交换客户端', en: 'Data-exchange client' },
    description: 'External system: the shared-data catalog and the data it grants (X3).',
    permissions: [...p(['exchange', 'telemetry'], ['read', 'write']), ...p(['park'], ['read'])],
  },
  {
    id: 'system_admin', name: { 'zh-CN': '系统管理员', en: 'System administrator' },
    description: 'Accounts and configuration (incl. rebuilding tiles); cannot read or delete the audit trail, cannot grant roles.',
    permissions: [...p(['system'], ['read', 'write', 'admin']), 'tiles:admin'],
    admin: true,
  },
  {
    id: 'security_admin', name: { 'zh-CN': '安全管理员', en: 'Security administrator' },
    description: 'Roles, permissions and device identities (security:admin; security:read etc. are the G5 security module).',
    permissions: ['security:admin'],
    admin: true,
  },
  {
    id: 'auditor', name: { 'zh-CN': '审计管理员', en: 'Auditor' },
    description: 'Reads and exports the audit trail; nothing else.',
    permissions: p(['audit'], ['read']),
    admin: true,
  },
];

const BY_ID = new Map(ROLES.map((r) => [r.id, r]));

/** Known role ids, for zod enums at the boundary. */
export const ROLE_IDS = ROLES.map((r) => r.id) as [string, ...string[]];

/** Looks a role up by id. */
export function roleById(id: string): RoleDef | undefined {
  return BY_ID.get(id);
}

/** The union of the roles' permissions; unknown role ids grant nothing. */
export function permissionsFor(roles: readonly string[]): Set<Permission> {
  const out = new Set<Permission>();
  for (const r of roles) for (const perm of BY_ID.get(r)?.permissions ?? []) out.add(perm);
  return out;
}

/** Why a role set is not allowed on one account, or null when it is. */
export function roleConflict(roles: readonly string[]): string | null {
  const unknown = roles.filter((r) => !BY_ID.has(r));
  if (unknown.length > 0) return `unknown role: ${unknown.join(', ')}`;
  const admins = roles.filter((r) => BY_ID.get(r)?.admin);
  if (admins.length > 1) return `administrator duties are separated: one account may hold only one of ${admins.join(', ')}`;
  if (admins.length === 1 && roles.length > 1) return 'an administrator account holds no other role';
  return null;
}

/**
 * Every permission in the vocabulary, for the permission matrix in the admin panel: the core
 * ones, then those the enabled modules registered (kept up to date by `registerModulePermissions`).
 */
export const ALL_PERMISSIONS: readonly Permission[] = p(CORE_MODULES, CORE_ACTIONS);

/** Command walls are read-only whatever they were given: the leadership viewer's read permissions. */
export const WALL_PERMISSIONS: ReadonlySet<Permission> = new Set(ROLES[0]!.permissions.filter((x) => x.endsWith(':read')));

/** A permission a module registers, as `TwinModule.permissions` declares it. */
export interface ModulePermissionDef {
  readonly permission: string;
  readonly summary: string;
  readonly roles: readonly string[];
}

const CORE_ALL = new Set<string>(ALL_PERMISSIONS);
const CORE_GRANTS = new Map(ROLES.map((r) => [r.id, r.permissions]));
const CORE_WALL = [...WALL_PERMISSIONS];
const ACTION_RE = /^[a-z][a-z0-9_-]{0,39}$/;
let registered: { module: string; def: ModulePermissionDef }[] = [];

/**
 * Registers the permissions of the enabled modules, replacing any earlier registration (one
 * server per process; a test that starts another server re-registers). Each must be
 * `<module>:<action>` with its own module's name, not a core permission, not registered twice, and
 * name only known roles; otherwise this throws with every problem, one per line, and changes
 * nothing. The roles then hold their grants (`permissionsFor`), walls the read grants of the
 * leadership viewer, and `ALL_PERMISSIONS`, `MODULES` and `ACTIONS` list them for the matrix.
 */
export function registerModulePermissions(modules: readonly { readonly name: string; readonly permissions?: readonly ModulePermissionDef[] }[]): void {
  const problems: string[] = [];
  const seen = new Set<string>();
  const next: { module: string; def: ModulePermissionDef }[] = [];
  for (const m of modules) {
    for (const def of m.permissions ?? []) {
      const [prefix, action, ...rest] = def.permission.split(':');
      if (prefix !== m.name || action === undefined || rest.length > 0 || !ACTION_RE.test(action)) {
        problems.push(`module ${m.name}: permission "${def.permission}" must be "${m.name}:<action>" (action: a-z, 0-9, _ and -)`);
        continue;
      }
      if (CORE_ALL.has(def.permission)) problems.push(`module ${m.name}: "${def.permission}" is a core permission; its roles are set in auth/roles.ts`);
      if (seen.has(def.permission)) problems.push(`module ${m.name}: permission "${def.permission}" registered twice`);
      const unknown = def.roles.filter((r) => !CORE_GRANTS.has(r));
      if (unknown.length > 0) problems.push(`module ${m.name}: permission "${def.permission}" names unknown role(s) ${unknown.join(', ')}; known: ${ROLE_IDS.join(', ')}`);
      seen.add(def.permission);
      next.push({ module: m.name, def });
    }
  }
  if (problems.length > 0) throw new Error(`Invalid module permissions:\n${problems.map((x) => `  - ${x}`).join('\n')}`);
  registered = next;
  // The exported tables are live views: rewrite them in place so every holder sees the change.
  for (const r of ROLES) {
    const extra = next.filter((x) => x.def.roles.includes(r.id)).map((x) => x.def.permission as Permission);
    (r as { permissions: readonly Permission[] }).permissions = [...CORE_GRANTS.get(r.id)!, ...extra];
  }
  const all = ALL_PERMISSIONS as Permission[];
  all.splice(0, all.length, ...CORE_ALL as Set<Permission>, ...next.map((x) => x.def.permission as Permission));
  const mods = MODULES as string[];
  mods.splice(0, mods.length, ...CORE_MODULES, ...new Set(next.map((x) => x.module).filter((n) => !(CORE_MODULES as readonly string[]).includes(n))));
  const acts = ACTIONS as string[];
  acts.splice(0, acts.length, ...new Set([...CORE_ACTIONS, ...next.map((x) => x.def.permission.split(':')[1]!)]));
  const wall = WALL_PERMISSIONS as Set<Permission>;
  wall.clear();
  for (const x of [...CORE_WALL, ...ROLES[0]!.permissions.filter((x) => x.endsWith(':read'))]) wall.add(x);
}

/** The module permissions registered now, with their module and summary (docs, admin panel). */
export function modulePermissions(): readonly { readonly module: string; readonly permission: Permission; readonly summary: string; readonly roles: readonly string[] }[] {
  return registered.map((x) => ({ module: x.module, permission: x.def.permission as Permission, summary: x.def.summary, roles: x.def.roles }));
}

/** Whether `perm` is a core permission or one a registered module declared. */
export function isKnownPermission(perm: string): boolean {
  return CORE_ALL.has(perm) || registered.some((x) => x.def.permission === perm);
}
