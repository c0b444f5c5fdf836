/**
 * The client module registry with the real registrations (modules/index.ts): which views, panel
 * sections and actions each kind of principal gets, modules switched off on the server, and the
 * registration rules. The browser side of it is scene/roles.browser.test.ts.
 */
import { describe, expect, it } from 'vitest';
import './index.ts';
import { actionsFor, docksFor, registerModule, sectionsFor, viewsFor, type ModuleAccess } from './registry.ts';
import { matchRoute } from '../app/routes.ts';
import { layerChoicesFor, readableLayers } from '../scene/layerAccess.ts';
import type { PanelObject } from './types.ts';

const VIEW = ['park', 'twin', 'tiles', 'stream', 'telemetry', 'map'].map((m) => `${m}:read`);
const access = (perms: string[], enabled: string[] | null = null): ModuleAccess => ({
  can: (p) => perms.includes(p),
  enabled: enabled ? new Set(enabled) : null,
});
const maintenance = access([...VIEW, 'equipment:read', 'network:read', 'alarm:read']);
const paths = (a: ModuleAccess) => viewsFor(a).map((v) => v.path);
const room = (status: string): PanelObject => ({ idx: 7, kind: 'room', details: { idx: 7, uuid: 'u', kind: 'room', name: '101', nameEn: null, attributes: { lease_status: status }, path: [] } });

describe('client module registry', () => {
  it('lists only the views a principal may open, in navigation order', () => {
    expect(paths(maintenance)).toEqual(['/', '/ops', '/alarms', '/alarms/rules', '/map', '/globe', '/xr', '/scan']);
    expect(paths(access([...VIEW, 'leasing:read']))).toEqual(['/', '/invest', '/map', '/globe', '/xr', '/scan']);
    expect(paths(access(['audit:read']))).toEqual(['/admin']);
    expect(paths(access([]))).toEqual([]);
    // A path the principal may not open is not served; an unknown path falls back to its first view.
    expect(matchRoute('/ops', access([...VIEW]))).toBeNull();
    expect(matchRoute('/ops/', maintenance)?.path).toBe('/ops');
    expect(matchRoute('/nope', maintenance)?.path).toBe('/');
  });

  it('drops the views, sections and actions of a module switched off on the server', () => {
    const core = ['health', 'auth', 'tiles', 'live', 'twin', 'modules'];
    expect(paths(access([...VIEW, 'equipment:read', 'network:read'], [...core, 'ops', 'map']))).toEqual(['/', '/ops', '/map', '/globe', '/xr', '/scan']);
    const noOps = access([...VIEW, 'equipment:read', 'network:read'], [...core, 'map']);
    expect(paths(noOps)).toEqual(['/', '/map', '/globe', '/xr', '/scan']);
    expect(sectionsFor('equipment', noOps).map((s) => s.id)).not.toContain('ops.work-orders');
    expect(actionsFor('equipment', noOps).map((a) => a.id)).toEqual(['xr.open']);
    expect(sectionsFor('equipment', maintenance).map((s) => s.id)).toEqual(['control.device', 'alarms.object', 'twin.live', 'twin.attributes', 'twin.history', 'ops.work-orders']);
    // Globe follows the tiles module, admin the auth module (always on).
    expect(paths(access([...VIEW], ['twin', 'auth']))).toEqual(['/', '/xr', '/scan']);
  });

  it('offers actions by kind, permission and object', () => {
    const investor = access([...VIEW, 'leasing:read']);
    expect(actionsFor('room', investor).map((a) => a.id)).toEqual(['invest.open', 'xr.open']);
    const open = actionsFor('room', investor)[0]!;
    expect(open.href!(room('vacant'))).toMatch(/^\/invest\?sel=7/);
    expect(open.href!(room('leased'))).toBeNull();
    expect(actionsFor('room', maintenance).map((a) => a.id)).toEqual(['xr.open']);
    expect(actionsFor('equipment', maintenance).map((a) => a.id)).toEqual(['ops.open', 'xr.open']);
  });

  it('gives each host the docks the principal may see, none of a module switched off', () => {
    expect(docksFor('twin', maintenance).map((d) => d.id)).toContain('alarms.dock');
    expect(docksFor('wall', maintenance).map((d) => d.id)).toContain('alarms.dock');
    expect(docksFor('twin', access([...VIEW])).map((d) => d.id)).not.toContain('alarms.dock');
    expect(docksFor('twin', access([...VIEW, 'alarm:read'], ['twin', 'tiles'])).map((d) => d.id)).not.toContain('alarms.dock');
  });

  it('refuses a second module of a name, a taken path or a taken section id', () => {
    expect(() => registerModule({ name: 'twin' })).toThrow(/registered twice/);
    expect(() => registerModule({ name: 'x1', views: [{ path: '/ops', nav: { zh: '甲', en: 'X' }, component: () => null }] })).toThrow(/taken/);
    expect(() => registerModule({ name: 'x2', sections: [{ id: 'twin.live', kinds: '*', component: () => null }] })).toThrow(/taken/);
  });

  it('derives the readable layers and the switcher from the layer registry and the permissions', () => {
    expect(readableLayers((p) => p !== 'stream:read')).toEqual([]);
    expect(readableLayers(maintenance.can)).toEqual(['occupancy', 'equipment', 'energy']);
    expect(layerChoicesFor(maintenance.can)).toEqual(['occupancy', 'equipment', 'energy', 'none']);
    expect(layerChoicesFor(access([...VIEW, 'leasing:read', 'economy:read']).can)).toEqual(['occupancy', 'energy', 'economy', 'lease', 'none']);
  });
});
