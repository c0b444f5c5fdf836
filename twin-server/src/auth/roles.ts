/**
 * The role table (least privilege, separated administrator duties, Y4/Y6). Roles live in code so
 * a permission cannot be granted by editing a row; users carry role ids.
 */
import { ACTIONS, MODULES, type Action, type ModuleName, type Permission } from './types.ts';

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
    permissions: [...p(['park', 'twin', 'tiles', 'map', 'leasing'], ['read']), ...p(['enterprise', 'economy'], ['read', 'write'])],
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

/** Every permission in the vocabulary, for the permission matrix in the admin panel. */
export const ALL_PERMISSIONS: readonly Permission[] = p(MODULES, ACTIONS);

/** Command walls are read-only whatever they were given. */
export const WALL_PERMISSIONS: ReadonlySet<Permission> = new Set(ROLES[0]!.permissions.filter((x) => x.endsWith(':read')));
