/**
 * The client module registry: modules register once (modules/index.ts); the shell asks it for
 * the views a principal may open, ObjectPanel for the sections and actions of an object kind.
 * A module switched off on the server (GET /api/modules) contributes nothing.
 */
import { createContext, useContext } from 'react';
import i18next from 'i18next';
import type { Access, ClientModule, DockHost, Label, ModuleDock, ModuleView, ModuleWallOverlay, ObjectAction, PanelSection } from './types.ts';

const registered: ClientModule[] = [];

/** Adds a module's strings to i18next under its namespace (now, or once i18next is initialized). */
function addBundles(m: ClientModule): void {
  const bundles = m.i18n;
  if (!bundles) return;
  const add = () => {
    i18next.addResourceBundle('zh-CN', m.name, bundles['zh-CN'], true, true);
    i18next.addResourceBundle('en', m.name, bundles.en, true, true);
  };
  if (i18next.isInitialized) add();
  else i18next.on('initialized', add);
}

/**
 * Registers a client module. Throws on a second module of the same name, a view path or a
 * section id already taken: two modules claiming one thing is a programming error.
 */
export function registerModule(m: ClientModule): void {
  if (registered.some((r) => r.name === m.name)) throw new Error(`client module ${m.name} registered twice`);
  const paths = new Set(registered.flatMap((r) => r.views ?? []).map((v) => v.path));
  for (const v of m.views ?? []) if (paths.has(v.path)) throw new Error(`view path ${v.path} of ${m.name} is taken`);
  const parts = (r: ClientModule) => [...(r.sections ?? []), ...(r.actions ?? []), ...(r.docks ?? []), ...(r.wallOverlays ?? [])];
  const ids = new Set(registered.flatMap(parts).map((s) => s.id));
  for (const s of parts(m)) if (ids.has(s.id)) throw new Error(`section/action/dock/overlay id ${s.id} of ${m.name} is taken`);
  registered.push(m);
  addBundles(m);
}

/** Every registered module, in registration order. */
export function registeredModules(): readonly ClientModule[] {
  return registered;
}

/** What decides visibility: the principal's permissions and the server's enabled modules (null = not known yet: all). */
export interface ModuleAccess {
  can(permission: string): boolean;
  readonly enabled: ReadonlySet<string> | null;
}

/** True when the module's server side is switched on (client-only modules always are). */
export function moduleOn(m: ClientModule, enabled: ReadonlySet<string> | null): boolean {
  const server = m.server === undefined ? m.name : m.server;
  return server === null || enabled === null || enabled.has(server);
}

/** True when `can` satisfies an access rule (all of `all`, one of `any`). */
export function permitted(a: Access, can: (p: string) => boolean): boolean {
  return (a.all ?? []).every(can) && (!a.any || a.any.some(can));
}

const byOrder = <T extends { order?: number }>(xs: T[]): T[] =>
  xs.map((x, i) => ({ x, i })).sort((a, b) => (a.x.order ?? 100) - (b.x.order ?? 100) || a.i - b.i).map((e) => e.x);

/** The views a principal may open, in navigation order. */
export function viewsFor(access: ModuleAccess): ModuleView[] {
  return byOrder(registered.filter((m) => moduleOn(m, access.enabled)).flatMap((m) => m.views ?? []).filter((v) => permitted(v, access.can)));
}

/** The registered view at `pathname` whatever the principal (exact match, trailing slash ignored), or null. */
export function viewAt(pathname: string): ModuleView | null {
  const p = pathname.replace(/\/+$/, '') || '/';
  return registered.flatMap((m) => m.views ?? []).find((v) => v.path === p) ?? null;
}

const forKind = (kinds: readonly string[] | '*', kind: string) => kinds === '*' || kinds.includes(kind);

/** Panel sections for an object kind the principal may see, in panel order. */
export function sectionsFor(kind: string, access: ModuleAccess): PanelSection[] {
  return byOrder(registered.filter((m) => moduleOn(m, access.enabled)).flatMap((m) => m.sections ?? [])
    .filter((s) => forKind(s.kinds, kind) && permitted(s, access.can)));
}

/** Actions on an object kind the principal may take. */
export function actionsFor(kind: string, access: ModuleAccess): ObjectAction[] {
  return registered.filter((m) => moduleOn(m, access.enabled)).flatMap((m) => m.actions ?? [])
    .filter((a) => forKind(a.kinds, kind) && permitted(a, access.can));
}

/** Docks of a host view the principal may see, in dock order. */
export function docksFor(host: DockHost, access: ModuleAccess): ModuleDock[] {
  return byOrder(registered.filter((m) => moduleOn(m, access.enabled)).flatMap((m) => m.docks ?? [])
    .filter((d) => d.hosts.includes(host) && permitted(d, access.can)));
}

/** Overlays of the command wall's twin cell the principal may see. */
export function wallOverlaysFor(access: ModuleAccess): ModuleWallOverlay[] {
  return registered.filter((m) => moduleOn(m, access.enabled)).flatMap((m) => m.wallOverlays ?? []).filter((o) => permitted(o, access.can));
}

/** A label in the current UI language. */
export function labelText(l: Label, language: string): string {
  return language === 'en' ? l.en : l.zh;
}

/** Permissions and enabled modules for the components below the shell (App provides it). */
export const ModuleAccessContext = createContext<ModuleAccess>({ can: () => true, enabled: null });

/** The module access of the signed-in principal. */
export function useModuleAccess(): ModuleAccess {
  return useContext(ModuleAccessContext);
}
