/**
 * The `tiles` notice: a re-tile (here forced through the rebuild route) reaches every socket past
 * the handshake whose principal holds tiles:read, with the park and the new tileset version, and
 * nobody else.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerMessage } from '@park-twin/layers';
import type { Permission, Principal } from '../auth/types.ts';
import { startTestServer, type TestServer } from '../testing/server.ts';
import { healthModule } from '../modules/health.ts';
import { createLiveModule } from '../modules/live.ts';
import { tilesModule } from '../modules/tiles.ts';
import { insertFixturePark } from '../tiler/index.ts';
import { openGuardModule, openStreamAuth, testPrincipal, TestClient } from './testing.ts';

type TilesMessage = Extract<ServerMessage, { type: 'tiles' }>;
const notices = (c: TestClient) => c.json.filter((m): m is TilesMessage => m.type === 'tiles');

describe('tiles notices over the stream [pglite]', () => {
  let srv: TestServer;
  let who: Principal | null = null;
  const live = createLiveModule({ auth: () => openStreamAuth(() => who), mqtt: false });

  beforeAll(async () => {
    srv = await startTestServer('pglite', { modules: [healthModule, openGuardModule, live, tilesModule({ watch: false })] });
    await insertFixturePark(srv.sc.db, { code: 'tiles-ws', grid: 2, floors: 2 });
    // The first build, before any socket listens.
    expect((await fetch(`${srv.url}/api/tiles/tiles-ws/rebuild`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })).status).toBe(200);
  }, 120_000);
  afterAll(async () => {
    await srv?.stop();
  });

  const connect = async (perms: Permission[] | null, hello: boolean): Promise<TestClient> => {
    who = perms ? testPrincipal({ permissions: new Set(perms), sessionId: `s-${perms.join()}` }) : testPrincipal({ sessionId: 'all' });
    const c = await TestClient.connect(srv.url);
    if (hello) c.send({ type: 'hello', version: 1 });
    // A ping round trip proves the hello was processed before the re-tile happens.
    c.send({ type: 'ping', t: 1 });
    await c.until(() => c.json.some((m) => m.type === 'pong'));
    return c;
  };

  /** Makes one building taller and re-tiles: a new tileset version. */
  const rebuild = async (): Promise<number> => {
    await srv.sc.db.query('UPDATE building SET height = height + 3 WHERE idx = (SELECT min(idx) FROM building)');
    const r = await fetch(`${srv.url}/api/tiles/tiles-ws/rebuild`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(r.status).toBe(200);
    const body = (await r.json()) as { version: number; changed: boolean };
    expect(body.changed).toBe(true);
    return body.version;
  };

  it('sends {type:"tiles", park, version} after each re-tile to tiles:read sockets past hello only', async () => {
    const viewer = await connect(['stream:read', 'tiles:read', 'park:read'], true);
    const noTiles = await connect(['stream:read', 'park:read'], true);
    const noHello = await connect(null, false);
    const v1 = await rebuild();
    await viewer.until(() => notices(viewer).length === 1);
    expect(notices(viewer)).toEqual([{ type: 'tiles', park: 'tiles-ws', version: v1 }]);

    const v2 = await rebuild();
    expect(v2).toBeGreaterThan(v1);
    await viewer.until(() => notices(viewer).length === 2);
    expect(notices(viewer)[1]).toEqual({ type: 'tiles', park: 'tiles-ws', version: v2 });
    // The others got everything else (a pong after the re-tiles proves their sockets were read).
    for (const c of [noTiles, noHello]) {
      c.send({ type: 'ping', t: 2 });
      await c.until(() => c.json.filter((m) => m.type === 'pong').length === 2);
      expect(notices(c)).toEqual([]);
    }
    expect(live.runtime!.stream!.stats.tilesNotices).toBe(2);
    for (const c of [viewer, noTiles, noHello]) c.close();
  }, 120_000);
});
