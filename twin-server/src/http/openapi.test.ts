/**
 * Must-show 3 of issue 13: the OpenAPI document of the live route table passes a real OpenAPI
 * validator (@apidevtools/swagger-parser) with 0 errors, lists exactly the routes the server
 * mounted, and every route answers one valid call (as a principal holding its permission, on a
 * seeded park) with its declared success status and a body its declared response schema accepts,
 * with no field the schema does not declare. A route without a case in CALLS fails the test, so a
 * new route cannot skip its contract. The committed client types (twin-client/src/api/generated.ts)
 * must equal what `npm run gen:api` makes from this document.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import SwaggerParser from '@apidevtools/swagger-parser';
import { LAYERS } from '@park-twin/layers';
import { allModules } from '../modules/index.ts';
import { tilesModule } from '../modules/tiles.ts';
import { createLiveModule } from '../modules/live.ts';
import type { TwinModule } from '../modules/types.ts';
import { seedPark } from '../seed/index.ts';
import { ROLES } from '../auth/roles.ts';
import { HttpClient, startAuthServer, type AuthTestServer, type Res } from '../auth/testing.ts';
import type { RouteSpec } from './route.ts';
import { openApiPath, successStatus } from './openapi.ts';
import { generateClientTypes } from './openapi-client.ts';
import { newRepair, PNG_BYTES, rawUploadClient, SAMPLE_REPAIR } from '../modules/repairs/testing.ts';
import { newGuestLink, newOpportunity, newProspect, photoPng, SAMPLE_PROSPECT } from '../modules/leasing/testing.ts';
import { recordedCamera, simulatedCamera, watchUrl } from '../modules/video/testing.ts';

const CODE = 'api-test';
const GENERATED = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../twin-client/src/api/generated.ts');

/** One call: who makes it, where, and with which body. */
interface Call {
  readonly client: HttpClient;
  readonly path: string;
  readonly body?: unknown;
}

/** What the cases may use: the server, seeded ids and principals. */
interface Fixture {
  readonly s: AuthTestServer;
  /** A logged-in client holding `permission` (a bootstrap administrator for administrator permissions). */
  as(permission: RouteSpec['permission']): Promise<HttpClient>;
  readonly ids: Readonly<Record<'park' | 'building' | 'room' | 'equipment' | 'segment' | 'node' | 'enterprise' | 'sensor', number>> & { sensorCode: string };
  /** A throwaway user (its own sessions and password) with the given roles. */
  user(roles: string[]): Promise<{ client: HttpClient; id: string; username: string; password: string }>;
  /** Builds the park's tiles once (through the rebuild route) and returns a content GLB's name. */
  tiles(): Promise<string>;
  /** Inserts a raised alarm and returns its id. */
  alarm(): Promise<number>;
  /** Registers a wall device (security administrator) and returns its id, token and pairing code. */
  device(): Promise<{ id: string; token: string; pairingCode: string }>;
  /** The first available unit of the park (for the investment routes). */
  unit(): Promise<number>;
}

type Case = (f: Fixture) => Promise<Call>;

const q = (o: Record<string, string | number>) => `?${new URLSearchParams(Object.entries(o).map(([k, v]): [string, string] => [k, String(v)]))}`;

/** A valid alarm rule body (modules/alarms) with the given code. */
const CONTRACT_RULE = (code: string) => ({
  code, name: { zh: '契约测试', en: 'Contract test' }, layer: 'energy', kind: 'contract_test', condition: { op: 'above', field: 'kw', value: 900000 },
  severity: 1, message: { zh: '{value} kW', en: '{value} kW' },
});

/**
 * One valid call per route, keyed `METHOD /path` as the route declares it. A route added without
 * a case here fails the coverage test.
 */
const CALLS: Record<string, Case> = {
  'GET /api/health': async (f) => ({ client: new HttpClient(f.s.server.url), path: '/api/health' }),
  'GET /api/modules': async (f) => ({ client: await f.as('authenticated'), path: '/api/modules' }),
  'GET /api/openapi.json': async (f) => ({ client: await f.as('authenticated'), path: '/api/openapi.json' }),
  'GET /api/docs': async (f) => ({ client: await f.as('authenticated'), path: '/api/docs' }),

  // auth platform
  'POST /api/auth/login': async (f) => {
    const u = await f.user(['maintenance']);
    return { client: new HttpClient(f.s.server.url), path: '/api/auth/login', body: { username: u.username, password: u.password } };
  },
  'POST /api/auth/device/pair': async (f) => ({ client: new HttpClient(f.s.server.url), path: '/api/auth/device/pair', body: { code: (await f.device()).pairingCode } }),
  'POST /api/auth/device/session': async (f) => ({ client: new HttpClient(f.s.server.url), path: '/api/auth/device/session', body: { token: (await f.device()).token } }),
  'GET /api/auth/me': async (f) => ({ client: await f.as('authenticated'), path: '/api/auth/me' }),
  'POST /api/auth/logout': async (f) => ({ client: (await f.user(['maintenance'])).client, path: '/api/auth/logout' }),
  'POST /api/auth/password': async (f) => {
    const u = await f.user(['maintenance']);
    return { client: u.client, path: '/api/auth/password', body: { current: u.password, next: 'Contract-Test-Pass-71' } };
  },
  'GET /api/users': async (f) => ({ client: await f.as('system:admin'), path: '/api/users' }),
  'GET /api/users/:id': async (f) => ({ client: await f.as('system:admin'), path: `/api/users/${(await f.user([])).id}` }),
  'POST /api/users': async (f) => ({ client: await f.as('system:admin'), path: '/api/users', body: { username: `contract${Date.now() % 1e6}`, displayName: '合同测试' } }),
  'PATCH /api/users/:id': async (f) => ({ client: await f.as('system:admin'), path: `/api/users/${(await f.user([])).id}`, body: { displayName: 'Renamed' } }),
  'POST /api/users/:id/reset-password': async (f) => ({ client: await f.as('system:admin'), path: `/api/users/${(await f.user([])).id}/reset-password` }),
  'POST /api/users/:id/unlock': async (f) => ({ client: await f.as('system:admin'), path: `/api/users/${(await f.user([])).id}/unlock` }),
  'DELETE /api/users/:id': async (f) => ({ client: await f.as('system:admin'), path: `/api/users/${(await f.user([])).id}` }),
  'GET /api/roles': async (f) => ({ client: await f.as('security:admin'), path: '/api/roles' }),
  'GET /api/roles/assignments': async (f) => ({ client: await f.as('security:admin'), path: '/api/roles/assignments' }),
  'PUT /api/users/:id/roles': async (f) => ({ client: await f.as('security:admin'), path: `/api/users/${(await f.user([])).id}/roles`, body: { roles: ['maintenance'] } }),
  'GET /api/devices': async (f) => ({ client: await f.as('security:admin'), path: '/api/devices' }),
  'POST /api/devices': async (f) => ({ client: await f.as('security:admin'), path: '/api/devices', body: { name: `Contract wall ${Date.now()}`, kind: 'wall' } }),
  'POST /api/devices/:id/pairing': async (f) => ({ client: await f.as('security:admin'), path: `/api/devices/${(await f.device()).id}/pairing` }),
  'POST /api/devices/:id/revoke': async (f) => ({ client: await f.as('security:admin'), path: `/api/devices/${(await f.device()).id}/revoke` }),
  'GET /api/audit': async (f) => ({ client: await f.as('audit:read'), path: `/api/audit${q({ limit: 20, outcome: 'success' })}` }),
  'GET /api/audit/export': async (f) => ({ client: await f.as('audit:read'), path: '/api/audit/export' }),
  'GET /api/audit/verify': async (f) => ({ client: await f.as('audit:read'), path: '/api/audit/verify' }),
  'GET /api/enterprises/:idx/accounts': async (f) => ({ client: await f.as('enterprise:read'), path: `/api/enterprises/${f.ids.enterprise}/accounts` }),

  // tiles
  'GET /tiles/:park/:file': async (f) => ({ client: await f.as('tiles:read'), path: `/tiles/${CODE}/${await f.tiles()}` }),
  'GET /api/tiles/:park/version': async (f) => (await f.tiles(), { client: await f.as('tiles:read'), path: `/api/tiles/${CODE}/version` }),
  'POST /api/tiles/:park/rebuild': async (f) => (await f.tiles(), { client: await f.as('tiles:admin'), path: `/api/tiles/${CODE}/rebuild`, body: {} }),

  // live data
  'GET /api/live/layers': async (f) => ({ client: await f.as('authenticated'), path: '/api/live/layers' }),
  'GET /api/live/stats': async (f) => ({ client: await f.as('system:read'), path: '/api/live/stats' }),
  'POST /api/telemetry': async (f) => ({
    client: await f.as('telemetry:write'), path: '/api/telemetry',
    body: { messages: [{ park: CODE, layer: 'occupancy', device: f.ids.sensorCode, payload: { seq: 1, ts: Date.now(), count: 3 } }] },
  }),
  'POST /api/telemetry/csv': async (f) => ({
    client: await f.as('telemetry:write'), path: '/api/telemetry/csv',
    body: { csv: `ts,park,layer,device,seq,count\n${new Date(Date.now() - 3_600_000).toISOString()},${CODE},occupancy,${f.ids.sensorCode},2,4\n` },
  }),
  'GET /api/alarms': async (f) => (await f.alarm(), { client: await f.as('alarm:read'), path: `/api/alarms${q({ state: 'open', limit: 10 })}` }),
  'POST /api/alarms/:id/acknowledge': async (f) => ({ client: await f.as('alarm:write'), path: `/api/alarms/${await f.alarm()}/acknowledge` }),
  'POST /api/alarms/:id/clear': async (f) => ({ client: await f.as('alarm:write'), path: `/api/alarms/${await f.alarm()}/clear` }),

  // import
  'POST /api/import/buildings': async (f) => {
    // The fixture's footprints lie in their own park (created here), not in the seeded one.
    const { createTestPark, goodCollection } = await import('../import/fixtures/park.ts');
    await createTestPark(f.s.server.sc.db, 'import-contract');
    return { client: await f.as('park:write'), path: `/api/import/buildings${q({ park: 'import-contract', dryRun: 'true' })}`, body: goodCollection() };
  },

  // map
  ...Object.fromEntries(['parks', 'blocks', 'buildings', 'enterprises', 'occupancy'].map((e): [string, Case] => [
    `GET /api/map/${e}`, async (f) => ({ client: await f.as('map:read'), path: `/api/map/${e}${q({ park: CODE, limit: 50 })}` }),
  ])),

  // twin
  'GET /api/twin/parks': async (f) => ({ client: await f.as('twin:read'), path: '/api/twin/parks' }),
  'GET /api/twin/parks/:code/index': async (f) => ({ client: await f.as('twin:read'), path: `/api/twin/parks/${CODE}/index` }),
  'GET /api/twin/objects/:idx': async (f) => ({ client: await f.as('twin:read'), path: `/api/twin/objects/${f.ids.room}` }),
  'GET /api/twin/objects/:idx/children': async (f) => ({ client: await f.as('twin:read'), path: `/api/twin/objects/${f.ids.building}/children` }),
  'GET /api/twin/objects/:idx/history': async (f) => ({ client: await f.as('twin:read'), path: `/api/twin/objects/${f.ids.room}/history${q({ layer: LAYERS[0]!.name, hours: 24 })}` }),

  // ops
  'GET /api/ops/parks/:code/networks': async (f) => ({ client: await f.as('network:read'), path: `/api/ops/parks/${CODE}/networks` }),
  'GET /api/ops/trace': async (f) => ({ client: await f.as('network:read'), path: `/api/ops/trace${q({ node: f.ids.node, direction: 'downstream' })}` }),
  'GET /api/ops/pipes/:idx': async (f) => ({ client: await f.as('network:read'), path: `/api/ops/pipes/${f.ids.segment}` }),
  'GET /api/ops/section/:idx': async (f) => ({ client: await f.as('twin:read'), path: `/api/ops/section/${f.ids.building}` }),
  'GET /api/ops/equipment/:idx/work-orders': async (f) => ({ client: await f.as('equipment:read'), path: `/api/ops/equipment/${f.ids.equipment}/work-orders` }),

  // wall
  'GET /api/wall/kpis': async (f) => ({ client: await f.as('economy:read'), path: `/api/wall/kpis${q({ park: CODE })}` }),
  'GET /api/wall/bookmarks': async (f) => ({ client: await f.as('park:read'), path: `/api/wall/bookmarks${q({ park: CODE })}` }),
  'POST /api/wall/bookmarks': async (f) => ({
    client: await f.as('park:write'), path: '/api/wall/bookmarks',
    body: { park: CODE, name: `Contract ${Date.now()}`, camera: [100, 80, 100, 0, 0, 0], layer: 'occupancy' },
  }),
  'DELETE /api/wall/bookmarks/:id': async (f) => {
    const c = await f.as('park:write');
    const b = await c.req('POST', '/api/wall/bookmarks', { park: CODE, name: `Doomed ${Date.now()}`, camera: [1, 2, 3, 0, 0, 0], layer: 'none' });
    return { client: c, path: `/api/wall/bookmarks/${(b.body as { id: number }).id}` };
  },

  // investment
  'GET /api/invest/units': async (f) => ({ client: await f.as('leasing:read'), path: `/api/invest/units${q({ park: CODE, within: 12, limit: 20 })}` }),
  'GET /api/invest/units/:idx': async (f) => ({ client: await f.as('leasing:read'), path: `/api/invest/units/${await f.unit()}${q({ park: CODE, within: 12 })}` }),
  'GET /api/invest/compare': async (f) => ({ client: await f.as('leasing:read'), path: `/api/invest/compare${q({ park: CODE, units: await f.unit(), within: 12 })}` }),

  // notifications and repairs (records kit)
  'GET /api/notifications': async (f) => ({ client: await f.as('authenticated'), path: `/api/notifications${q({ limit: 5 })}` }),
  'POST /api/notifications/read': async (f) => ({ client: await f.as('authenticated'), path: '/api/notifications/read', body: { all: true } }),
  'GET /api/notifications/prefs': async (f) => ({ client: await f.as('authenticated'), path: '/api/notifications/prefs' }),
  'PUT /api/notifications/prefs': async (f) => ({ client: await f.as('authenticated'), path: '/api/notifications/prefs', body: { email: null, channels: { '*': ['inapp'] } } }),
  'GET /api/repairs/meta': async (f) => ({ client: await f.as('repairs:read'), path: '/api/repairs/meta' }),
  'GET /api/repairs': async (f) => (await newRepair(await f.as('repairs:report'), f.ids.room), { client: await f.as('repairs:read'), path: `/api/repairs${q({ limit: 5, sort: 'updatedAt' })}` }),
  'GET /api/repairs/export': async (f) => ({ client: await f.as('repairs:read'), path: `/api/repairs/export${q({ format: 'csv', lang: 'en' })}` }),
  'GET /api/repairs/assignable': async (f) => ({ client: await f.as('repairs:manage'), path: '/api/repairs/assignable' }),
  'POST /api/repairs': async (f) => ({ client: await f.as('repairs:report'), path: '/api/repairs', body: { objectIdx: f.ids.room, data: SAMPLE_REPAIR } }),
  'GET /api/repairs/:id': async (f) => ({ client: await f.as('repairs:read'), path: `/api/repairs/${(await newRepair(await f.as('repairs:report'), f.ids.room)).id}` }),
  'PATCH /api/repairs/:id': async (f) => {
    const r = await newRepair(await f.as('repairs:report'), f.ids.room);
    return { client: await f.as('repairs:manage'), path: `/api/repairs/${r.id}`, body: { version: r.version, data: { urgency: 'normal' } } };
  },
  'POST /api/repairs/:id/transitions/:name': async (f) => {
    const r = await newRepair(await f.as('repairs:report'), f.ids.room);
    return { client: await f.as('repairs:manage'), path: `/api/repairs/${r.id}/transitions/cancel`, body: { version: r.version, note: 'contract test' } };
  },
  'PUT /api/repairs/:id/assignees': async (f) => {
    const r = await newRepair(await f.as('repairs:report'), f.ids.room);
    return { client: await f.as('repairs:manage'), path: `/api/repairs/${r.id}/assignees`, body: { version: r.version, assignees: [(await f.user(['maintenance'])).id] } };
  },
  'POST /api/repairs/:id/comments': async (f) => ({ client: await f.as('repairs:read'), path: `/api/repairs/${(await newRepair(await f.as('repairs:report'), f.ids.room)).id}/comments`, body: { body: '已联系物业' } }),
  'POST /api/repairs/:id/attachments': async (f) => ({
    client: rawUploadClient(await f.as('repairs:read'), 'image/png', PNG_BYTES), path: `/api/repairs/${(await newRepair(await f.as('repairs:report'), f.ids.room)).id}/attachments${q({ name: 'photo.png' })}`,
  }),
  'GET /api/repairs/:id/attachments/:aid': async (f) => {
    const r = await newRepair(await f.as('repairs:report'), f.ids.room);
    const up = await rawUploadClient(await f.as('repairs:read'), 'image/png', PNG_BYTES).req('POST', `/api/repairs/${r.id}/attachments?name=photo.png`);
    return { client: await f.as('repairs:read'), path: `/api/repairs/${r.id}/attachments/${(up.body as { id: number }).id}` };
  },

  // leasing pipeline, guest links and unit photos (modules/leasing)
  'GET /api/leasing/prospects/meta': async (f) => ({ client: await f.as('leasing:read'), path: '/api/leasing/prospects/meta' }),
  'GET /api/leasing/prospects': async (f) => (await newProspect(await f.as('leasing:write')), { client: await f.as('leasing:read'), path: `/api/leasing/prospects${q({ limit: 5, sort: 'updatedAt' })}` }),
  'GET /api/leasing/prospects/export': async (f) => ({ client: await f.as('leasing:read'), path: `/api/leasing/prospects/export${q({ format: 'csv', lang: 'en' })}` }),
  'GET /api/leasing/prospects/assignable': async (f) => ({ client: await f.as('leasing:write'), path: '/api/leasing/prospects/assignable' }),
  'GET /api/leasing/prospects/:id': async (f) => ({ client: await f.as('leasing:read'), path: `/api/leasing/prospects/${(await newProspect(await f.as('leasing:write'))).id}` }),
  'PATCH /api/leasing/prospects/:id': async (f) => {
    const r = await newProspect(await f.as('leasing:write'));
    return { client: await f.as('leasing:write'), path: `/api/leasing/prospects/${r.id}`, body: { version: r.version, data: { needArea: 400 } } };
  },
  'POST /api/leasing/prospects/:id/transitions/:name': async (f) => {
    const r = await newProspect(await f.as('leasing:write'));
    return { client: await f.as('leasing:write'), path: `/api/leasing/prospects/${r.id}/transitions/archive`, body: { version: r.version, note: 'contract test' } };
  },
  'PUT /api/leasing/prospects/:id/assignees': async (f) => {
    const r = await newProspect(await f.as('leasing:write'));
    return { client: await f.as('leasing:write'), path: `/api/leasing/prospects/${r.id}/assignees`, body: { version: r.version, assignees: [(await f.user(['investment'])).id] } };
  },
  'POST /api/leasing/prospects/:id/comments': async (f) => ({ client: await f.as('leasing:read'), path: `/api/leasing/prospects/${(await newProspect(await f.as('leasing:write'))).id}/comments`, body: { body: '电话沟通' } }),
  'POST /api/leasing/prospects/:id/attachments': async (f) => ({
    client: rawUploadClient(await f.as('leasing:read'), 'image/png', PNG_BYTES), path: `/api/leasing/prospects/${(await newProspect(await f.as('leasing:write'))).id}/attachments${q({ name: 'photo.png' })}`,
  }),
  'GET /api/leasing/prospects/:id/attachments/:aid': async (f) => {
    const r = await newProspect(await f.as('leasing:write'));
    const up = await rawUploadClient(await f.as('leasing:read'), 'image/png', PNG_BYTES).req('POST', `/api/leasing/prospects/${r.id}/attachments?name=photo.png`);
    return { client: await f.as('leasing:read'), path: `/api/leasing/prospects/${r.id}/attachments/${(up.body as { id: number }).id}` };
  },
  'POST /api/leasing/prospects': async (f) => ({ client: await f.as('leasing:write'), path: '/api/leasing/prospects', body: { data: SAMPLE_PROSPECT } }),
  'GET /api/leasing/opportunities/meta': async (f) => ({ client: await f.as('leasing:read'), path: '/api/leasing/opportunities/meta' }),
  'GET /api/leasing/opportunities': async (f) => (await newOpportunity(await f.as('leasing:write')), { client: await f.as('leasing:read'), path: `/api/leasing/opportunities${q({ limit: 5, sort: 'updatedAt' })}` }),
  'GET /api/leasing/opportunities/export': async (f) => ({ client: await f.as('leasing:read'), path: `/api/leasing/opportunities/export${q({ format: 'csv', lang: 'en' })}` }),
  'GET /api/leasing/opportunities/assignable': async (f) => ({ client: await f.as('leasing:write'), path: '/api/leasing/opportunities/assignable' }),
  'GET /api/leasing/opportunities/:id': async (f) => ({ client: await f.as('leasing:read'), path: `/api/leasing/opportunities/${(await newOpportunity(await f.as('leasing:write'))).id}` }),
  'PATCH /api/leasing/opportunities/:id': async (f) => {
    const r = await newOpportunity(await f.as('leasing:write'));
    return { client: await f.as('leasing:write'), path: `/api/leasing/opportunities/${r.id}`, body: { version: r.version, data: { area: 400 } } };
  },
  'POST /api/leasing/opportunities/:id/transitions/:name': async (f) => {
    const r = await newOpportunity(await f.as('leasing:write'));
    return { client: await f.as('leasing:write'), path: `/api/leasing/opportunities/${r.id}/transitions/visit`, body: { version: r.version, note: 'contract test' } };
  },
  'PUT /api/leasing/opportunities/:id/assignees': async (f) => {
    const r = await newOpportunity(await f.as('leasing:write'));
    return { client: await f.as('leasing:write'), path: `/api/leasing/opportunities/${r.id}/assignees`, body: { version: r.version, assignees: [(await f.user(['investment'])).id] } };
  },
  'POST /api/leasing/opportunities/:id/comments': async (f) => ({ client: await f.as('leasing:read'), path: `/api/leasing/opportunities/${(await newOpportunity(await f.as('leasing:write'))).id}/comments`, body: { body: '电话沟通' } }),
  'POST /api/leasing/opportunities/:id/attachments': async (f) => ({
    client: rawUploadClient(await f.as('leasing:read'), 'image/png', PNG_BYTES), path: `/api/leasing/opportunities/${(await newOpportunity(await f.as('leasing:write'))).id}/attachments${q({ name: 'photo.png' })}`,
  }),
  'GET /api/leasing/opportunities/:id/attachments/:aid': async (f) => {
    const r = await newOpportunity(await f.as('leasing:write'));
    const up = await rawUploadClient(await f.as('leasing:read'), 'image/png', PNG_BYTES).req('POST', `/api/leasing/opportunities/${r.id}/attachments?name=photo.png`);
    return { client: await f.as('leasing:read'), path: `/api/leasing/opportunities/${r.id}/attachments/${(up.body as { id: number }).id}` };
  },
  'POST /api/leasing/opportunities': async (f) => ({ client: await f.as('leasing:write'), path: '/api/leasing/opportunities', body: { data: { title: '契约测试商机', prospectId: (await newProspect(await f.as('leasing:write'))).id, area: 100 } } }),
  'GET /api/leasing/funnel': async (f) => ({ client: await f.as('leasing:read'), path: '/api/leasing/funnel' }),
  'GET /api/leasing/holds': async (f) => ({ client: await f.as('leasing:read'), path: `/api/leasing/holds${q({ units: await f.unit() })}` }),
  'POST /api/leasing/guest-links': async (f) => ({ client: await f.as('leasing:write'), path: '/api/leasing/guest-links', body: { title: '契约测试', units: [await f.unit()], days: 7 } }),
  'GET /api/leasing/guest-links': async (f) => ({ client: await f.as('leasing:read'), path: '/api/leasing/guest-links' }),
  'DELETE /api/leasing/guest-links/:id': async (f) => ({ client: await f.as('leasing:write'), path: `/api/leasing/guest-links/${(await newGuestLink(await f.as('leasing:write'), [await f.unit()])).id}` }),
  'GET /api/leasing/guest/:token': async (f) => ({ client: new HttpClient(f.s.server.url), path: `/api/leasing/guest/${(await newGuestLink(await f.as('leasing:write'), [await f.unit()])).token}` }),
  'GET /api/leasing/guest/:token/page': async (f) => ({ client: new HttpClient(f.s.server.url), path: `/api/leasing/guest/${(await newGuestLink(await f.as('leasing:write'), [await f.unit()])).token}/page` }),
  'GET /api/leasing/guest/:token/photos/:id': async (f) => {
    const unit = await f.unit();
    const up = await rawUploadClient(await f.as('leasing:write'), 'image/png', await photoPng()).req('POST', `/api/leasing/units/${unit}/photos`);
    return { client: new HttpClient(f.s.server.url), path: `/api/leasing/guest/${(await newGuestLink(await f.as('leasing:write'), [unit])).token}/photos/${(up.body as { id: number }).id}` };
  },
  'GET /api/leasing/units/:idx/photos': async (f) => ({ client: await f.as('leasing:read'), path: `/api/leasing/units/${await f.unit()}/photos` }),
  'POST /api/leasing/units/:idx/photos': async (f) => ({ client: rawUploadClient(await f.as('leasing:write'), 'image/png', await photoPng()), path: `/api/leasing/units/${await f.unit()}/photos` }),
  'GET /api/leasing/units/:idx/photos/:id': async (f) => {
    const unit = await f.unit();
    const up = await rawUploadClient(await f.as('leasing:write'), 'image/png', await photoPng()).req('POST', `/api/leasing/units/${unit}/photos`);
    return { client: await f.as('leasing:read'), path: `/api/leasing/units/${unit}/photos/${(up.body as { id: number }).id}${q({ size: 'thumb' })}` };
  },
  'DELETE /api/leasing/units/:idx/photos/:id': async (f) => {
    const unit = await f.unit();
    const up = await rawUploadClient(await f.as('leasing:write'), 'image/png', await photoPng()).req('POST', `/api/leasing/units/${unit}/photos`);
    return { client: await f.as('leasing:write'), path: `/api/leasing/units/${unit}/photos/${(up.body as { id: number }).id}` };
  },

  // alarm console and rules (modules/alarms)
  'GET /api/alarm-console/alarms': async (f) => (await f.alarm(), { client: await f.as('alarm:read'), path: `/api/alarm-console/alarms${q({ state: 'all', severity: 1, limit: 10 })}` }),
  'GET /api/alarm-console/alarms/:id': async (f) => ({ client: await f.as('alarm:read'), path: `/api/alarm-console/alarms/${await f.alarm()}` }),
  'POST /api/alarm-console/alarms/:id/acknowledge': async (f) => ({ client: await f.as('alarm:write'), path: `/api/alarm-console/alarms/${await f.alarm()}/acknowledge`, body: { comment: '已确认' } }),
  'POST /api/alarm-console/alarms/:id/comment': async (f) => ({ client: await f.as('alarm:write'), path: `/api/alarm-console/alarms/${await f.alarm()}/comment`, body: { text: '现场检查中' } }),
  'POST /api/alarm-console/alarms/:id/assign': async (f) => ({ client: await f.as('alarm:write'), path: `/api/alarm-console/alarms/${await f.alarm()}/assign`, body: { userId: null } }),
  'POST /api/alarm-console/alarms/:id/shelve': async (f) => ({ client: await f.as('alarm:control'), path: `/api/alarm-console/alarms/${await f.alarm()}/shelve`, body: { minutes: 30 } }),
  'POST /api/alarm-console/alarms/:id/unshelve': async (f) => {
    const id = await f.alarm();
    await (await f.as('alarm:control')).req('POST', `/api/alarm-console/alarms/${id}/shelve`, { minutes: 5 });
    return { client: await f.as('alarm:control'), path: `/api/alarm-console/alarms/${id}/unshelve`, body: {} };
  },
  'POST /api/alarm-console/alarms/:id/clear': async (f) => ({ client: await f.as('alarm:write'), path: `/api/alarm-console/alarms/${await f.alarm()}/clear`, body: {} }),
  'GET /api/alarm-console/assignees': async (f) => ({ client: await f.as('alarm:write'), path: '/api/alarm-console/assignees' }),
  'GET /api/alarm-console/rules': async (f) => ({ client: await f.as('alarm:read'), path: '/api/alarm-console/rules' }),
  'POST /api/alarm-console/rules': async (f) => ({ client: await f.as('alarm:control'), path: '/api/alarm-console/rules', body: CONTRACT_RULE(`contract.${Math.random().toString(36).slice(2, 8)}`) }),
  'PUT /api/alarm-console/rules/:id': async (f) => {
    const r = await (await f.as('alarm:control')).req('POST', '/api/alarm-console/rules', CONTRACT_RULE(`contract.${Math.random().toString(36).slice(2, 8)}`));
    const rule = r.body as { id: number; code: string; version: number };
    return { client: await f.as('alarm:control'), path: `/api/alarm-console/rules/${rule.id}`, body: { version: rule.version, rule: { ...CONTRACT_RULE(rule.code), enabled: false } } };
  },
  'DELETE /api/alarm-console/rules/:id': async (f) => {
    const r = await (await f.as('alarm:control')).req('POST', '/api/alarm-console/rules', CONTRACT_RULE(`contract.${Math.random().toString(36).slice(2, 8)}`));
    return { client: await f.as('alarm:control'), path: `/api/alarm-console/rules/${(r.body as { id: number }).id}` };
  },
  // video
  'GET /api/video/cameras': async (f) => ({ client: await f.as('security:read'), path: `/api/video/cameras${q({ park: CODE, coverage: 'lobby', limit: 5 })}` }),
  'POST /api/video/cameras/:idx/watch': async (f) => ({ client: await f.as('security:read'), path: `/api/video/cameras/${await simulatedCamera(f.s.server.sc.db)}/watch` }),
  'DELETE /api/video/cameras/:idx/watch': async (f) => ({ client: await f.as('security:read'), path: `/api/video/cameras/${await simulatedCamera(f.s.server.sc.db)}/watch` }),
  'GET /api/video/live/:idx/:token/:file': async (f) => ({ client: await f.as('security:read'), path: await watchUrl(await f.as('security:read'), await simulatedCamera(f.s.server.sc.db)) }),
  'GET /api/video/cameras/seeing': async (f) => ({ client: await f.as('security:read'), path: `/api/video/cameras/seeing${q({ idx: await simulatedCamera(f.s.server.sc.db) })}` }),
  'POST /api/video/cameras/:idx/replay': async (f) => ({ client: await f.as('security:read'), ...(await recordedCamera(f)) }),
  'GET /api/video/rec/:idx/:token/:file': async (f) => {
    const c = await f.as('security:read');
    const r = await c.req('POST', (await recordedCamera(f)).path, (await recordedCamera(f)).body);
    return { client: c, path: (r.body as { url: string }).url };
  },
  'GET /api/video/coverage': async (f) => ({ client: await f.as('security:read'), path: `/api/video/coverage${q({ park: CODE })}` }),
  'PUT /api/video/cameras/:idx/source': async (f) => ({ client: await f.as('video:configure'), path: `/api/video/cameras/${await simulatedCamera(f.s.server.sc.db)}/source`, body: { kind: 'simulated' } }),
  'GET /api/video/status': async (f) => ({ client: await f.as('security:read'), path: '/api/video/status' }),
};

/** The bootstrap administrator holding an administrator permission. */
const ADMIN_OF: Record<string, 'sysadmin' | 'secadmin' | 'auditor'> = { system_admin: 'sysadmin', security_admin: 'secadmin', auditor: 'auditor' };

const routeKey = (r: Pick<RouteSpec, 'method' | 'path'>) => `${r.method} ${r.path}`;

for (const backend of ['pglite', 'postgres'] as const) {
  describe.skipIf(backend === 'postgres' && inject('pgMissing') !== null)(`OpenAPI document and route contract [${backend}]`, () => {
    let s: AuthTestServer;
    let f: Fixture;
    let doc: Record<string, unknown> & { paths: Record<string, Record<string, unknown>> };

    beforeAll(async () => {
      // The production module list; tiles are built by the rebuild route, not by a background watcher.
      const live = createLiveModule();
      const modules: TwinModule[] = allModules().map((m) => (m.name === 'tiles' ? tilesModule({ watch: false }) : m.name === 'live' ? live : m));
      s = await startAuthServer(backend, { modules });
      const db = s.server.sc.db;
      const seeded = await seedPark(db, { seed: 11, scale: 0.1, code: CODE });
      await live.runtime!.directory.reload();
      const one = async (sql: string, params: unknown[] = []) => {
        const r = await db.query<{ idx: number; code?: string }>(sql, params);
        if (!r.rows[0]) throw new Error(`fixture query found nothing: ${sql}`);
        return r.rows[0];
      };
      const park = seeded.parkIdx;
      const sensor = await one("SELECT e.idx, e.code FROM equipment e WHERE e.park_idx = $1 AND e.type = 'occupancy_sensor' AND e.room_idx IS NOT NULL ORDER BY e.idx LIMIT 1", [park]);
      const ids = {
        park,
        building: (await one('SELECT idx FROM building WHERE park_idx = $1 ORDER BY idx LIMIT 1', [park])).idx,
        room: (await one("SELECT r.idx FROM room r JOIN building b ON b.idx = r.building_idx WHERE b.park_idx = $1 AND r.lease_status = 'leased' ORDER BY r.idx LIMIT 1", [park])).idx,
        equipment: (await one('SELECT equipment_idx AS idx FROM work_order ORDER BY id LIMIT 1')).idx,
        segment: (await one('SELECT s.idx FROM pipe_segment s ORDER BY s.idx LIMIT 1')).idx,
        node: (await one('SELECT n.idx FROM pipe_node n WHERE EXISTS (SELECT 1 FROM pipe_segment s WHERE s.from_node = n.idx) ORDER BY n.idx LIMIT 1')).idx,
        enterprise: (await one('SELECT idx FROM enterprise WHERE park_idx = $1 ORDER BY idx LIMIT 1', [park])).idx,
        sensor: sensor.idx,
        sensorCode: sensor.code!,
      };
      const clients = new Map<string, HttpClient>();
      let tiles: Promise<string> | undefined;
      let alarmKinds = 0;
      const KINDS = ['equipment_fault', 'over_temperature', 'perimeter_intrusion', 'access_denied_burst', 'occupancy_over_capacity', 'energy_overload'];
      f = {
        s, ids,
        async as(permission) {
          const key = String(permission);
          const cached = clients.get(key);
          if (cached) return cached;
          const role = ROLES.find((r) => !r.enterpriseScoped && (permission === 'authenticated' || (r.permissions as readonly string[]).includes(permission)));
          if (!role) throw new Error(`no role holds ${permission}`);
          const c = ADMIN_OF[role.id] ? await s.admin(ADMIN_OF[role.id]!) : (await s.userWith([role.id])).client;
          clients.set(key, c);
          return c;
        },
        user: (roles) => s.userWith(roles),
        tiles() {
          tiles ??= (async () => {
            const r = await (await f.as('tiles:admin')).req('POST', `/api/tiles/${CODE}/rebuild`, { full: true });
            if (r.status !== 200) throw new Error(`tiles rebuild failed: ${r.status} ${r.text}`);
            const dir = path.join(s.server.sc.config.tilesetDir, CODE);
            const glb = fs.readdirSync(dir).find((n) => n.endsWith('.glb'));
            if (!glb) throw new Error('the rebuild wrote no GLB');
            return glb;
          })();
          return tiles;
        },
        async alarm() {
          // A distinct (object, kind) each time: one open alarm per pair is the rule.
          const n = alarmKinds++;
          const idx = n < KINDS.length ? ids.room : ids.building;
          const r = await db.query<{ id: number }>(
            `INSERT INTO alarm (idx, layer, kind, severity, message, raised_at) VALUES ($1, $2, $3, 2, 'contract test', now()) RETURNING id`,
            [idx, LAYERS[0]!.id, KINDS[n % KINDS.length]]);
          return r.rows[0]!.id;
        },
        async device() {
          const r = await (await f.as('security:admin')).req('POST', '/api/devices', { name: `Contract device ${Math.random().toString(36).slice(2)}`, kind: 'wall' });
          if (r.status !== 201) throw new Error(`device registration failed: ${r.status} ${r.text}`);
          return r.body as { id: string; token: string; pairingCode: string };
        },
        async unit() {
          const r = await (await f.as('leasing:read')).req('GET', `/api/invest/units${q({ park: CODE, within: 12, limit: 1 })}`);
          const u = (r.body as { units: { idx: number }[] }).units[0];
          if (!u) throw new Error(`no available unit: ${r.text}`);
          return u.idx;
        },
      };
      const res = await (await f.as('authenticated')).req('GET', '/api/openapi.json');
      expect(res.status).toBe(200);
      doc = res.body as typeof doc;
    }, 300_000);

    afterAll(async () => {
      await s?.server.stop();
    });

    it('passes the OpenAPI validator (swagger-parser) with 0 errors', async () => {
      expect(doc.openapi).toBe('3.1.0');
      await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy();
    });

    it('lists every route of the live route table and nothing else, each with its permission and error responses', () => {
      const table = s.server.routes;
      const fromTable = table.map((r) => `${r.method.toLowerCase()} ${openApiPath(r.path)}`).sort();
      const fromDoc = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`)).sort();
      expect(fromDoc).toEqual(fromTable);
      expect(fromTable.length).toBeGreaterThan(50);
      for (const r of table) {
        const op = doc.paths[openApiPath(r.path)]![r.method.toLowerCase()] as { 'x-permission': string; description: string; responses: Record<string, unknown>; security: unknown[] };
        expect(op['x-permission'], routeKey(r)).toBe(r.permission);
        expect(op.description, routeKey(r)).toContain(r.permission === 'public' ? 'public' : r.permission === 'authenticated' ? 'authenticated' : r.permission);
        expect(Object.keys(op.responses), routeKey(r)).toContain(String(successStatus(r)));
        if (r.permission !== 'public') {
          expect(Object.keys(op.responses), routeKey(r)).toContain('401');
          expect(op.security.length, routeKey(r)).toBeGreaterThan(0);
        }
        for (const e of r.errors ?? []) expect(Object.keys(op.responses), routeKey(r)).toContain(String(e));
        // Statuses the handler visibly answers (ctx.throw(404, ...), fail(ctx, 409, ...), ctx.status = 422)
        // must be documented: a cheap guard against a forgotten `errors` entry.
        const src = `${r.handler.toString()}\n${r.object?.toString() ?? ''}`;
        const thrown = [...src.matchAll(/(?:ctx\.throw|fail)\(\s*(?:ctx,\s*)?(\d{3})|ctx\.status = (\d{3})/g)]
          .map((m) => Number(m[1] ?? m[2])).filter((n) => n >= 400);
        expect(thrown.filter((n) => !Object.keys(op.responses).includes(String(n))), `${routeKey(r)}: undocumented error statuses`).toEqual([]);
        // Every route declares what it answers: a JSON schema, or the media type of what it streams.
        expect(Boolean(r.response || r.produces || successStatus(r) === 204), `${routeKey(r)} declares no response`).toBe(true);
      }
    });

    it('has exactly one contract case per route', () => {
      const keys = s.server.routes.map(routeKey);
      expect(keys.filter((k) => !CALLS[k]), 'routes without a case in CALLS (add one)').toEqual([]);
      expect(Object.keys(CALLS).filter((k) => !keys.includes(k)), 'cases for routes that do not exist').toEqual([]);
    });

    it('answers one valid call per route with the declared status and a body its response schema accepts', async () => {
      const checked: string[] = [];
      for (const r of s.server.routes) {
        const key = routeKey(r);
        const make = CALLS[key];
        if (!make) continue; // reported by the coverage test
        const call = await make(f);
        const res: Res = await call.client.req(r.method, call.path, call.body ?? (r.method === 'GET' || r.method === 'DELETE' ? undefined : {}));
        // Soft expectations: one run reports every route that breaks its contract.
        expect.soft({ key, status: res.status, body: res.status === successStatus(r) ? '' : res.text.slice(0, 500) })
          .toEqual({ key, status: successStatus(r), body: '' });
        if (res.status !== successStatus(r)) continue;
        if (successStatus(r) === 204) {
          expect.soft(res.text, key).toBe('');
        } else if (r.response) {
          const parsed = r.response.safeParse(res.body);
          expect.soft(parsed.success ? [] : parsed.error.issues.slice(0, 3), `${key}: response does not match its schema`).toEqual([]);
          // Zod drops keys a schema does not declare: equality proves the schema names every field.
          if (parsed.success) expect.soft(parsed.data, `${key}: response has fields its schema does not declare`).toEqual(res.body);
        }
        if (r.produces) expect.soft(res.headers.get('content-type') ?? '', key).toContain(r.produces);
        checked.push(key);
      }
      expect(checked.length).toBe(s.server.routes.filter((r) => CALLS[routeKey(r)]).length);
      console.log(`[contract] ${backend}: ${checked.length} routes called, each matched its declared response`);
    }, 300_000);

    it('renders the reference page offline with every operation', async () => {
      const res = await (await f.as('authenticated')).req('GET', '/api/docs');
      expect(res.headers.get('content-type')).toContain('text/html');
      expect(res.text).not.toMatch(/<script|https?:\/\/(?!json-schema)/);
      for (const p of Object.keys(doc.paths)) expect(res.text).toContain(`<code>${p}</code>`);
    });

    it('validates input before the handler: a bad query, path parameter or body is a 400 naming the field', async () => {
      const c = await f.as('alarm:read');
      const bad = await c.req('GET', '/api/alarms?limit=0');
      expect(bad.status).toBe(400);
      expect((bad.body as { error: { issues: { path: string }[] } }).error.issues[0]!.path).toBe('limit');
      const idx = await (await f.as('twin:read')).req('GET', '/api/twin/objects/abc/children');
      expect(idx.status).toBe(400);
      expect((idx.body as { error: { message: string } }).error.message).toContain('idx');
      const body = await (await f.as('park:write')).req('POST', '/api/wall/bookmarks', { park: CODE, name: '', camera: [1], layer: 'x' });
      expect(body.status).toBe(400);
      expect((body.body as { error: { issues: { path: string }[] } }).error.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['name', 'camera', 'layer']));
    });

    it.runIf(backend === 'pglite')('the committed client types equal what npm run gen:api makes from this document', async () => {
      const fresh = await generateClientTypes(doc);
      const committed = fs.existsSync(GENERATED) ? fs.readFileSync(GENERATED, 'utf8') : '';
      expect(committed === fresh, 'twin-client/src/api/generated.ts is stale: run npm run gen:api').toBe(true);
    });
  });
}
