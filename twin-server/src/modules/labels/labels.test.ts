/**
 * Label sheets and QR codes over the seeded park on both backends: the sheet holds the room and
 * every piece of its equipment with the uuids of the database; a label's PNG decodes (ZXing, the
 * decoder the phone page uses) to the scanner URL of that uuid; permissions, scoping and bad input.
 */
import sharp from 'sharp';
import { BinaryBitmap, HybridBinarizer, QRCodeReader, RGBLuminanceSource } from '@zxing/library';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachBackend } from '../../db/testing.ts';
import { startTestServer, type TestServer } from '../../testing/server.ts';
import { seedPark } from '../../seed/index.ts';
import type { Permission } from '../../auth/types.ts';
import { headerGuard, TEST_USER_HEADER } from '../../testing/headerGuard.ts';
import { twinModule } from '../twin/index.ts';
import { labelsModule } from './index.ts';
import { labelUrl } from './sheet.ts';

const PARK = 'labels-test';
const users = () => headerGuard({
  printer: { permissions: ['labels:print', 'twin:read'] as Permission[] },
  viewer: { permissions: ['twin:read'] as Permission[] },
  tenant: { permissions: ['twin:read'] as Permission[], enterpriseIdx: 1 },
});

/** Decodes a QR PNG with ZXing (RGBA -> luminance). */
async function decodeQr(png: Buffer): Promise<string> {
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const lum = new Uint8ClampedArray(info.width * info.height);
  for (let i = 0; i < lum.length; i++) lum[i] = (data[i * 4]! * 299 + data[i * 4 + 1]! * 587 + data[i * 4 + 2]! * 114) / 1000;
  const src = new RGBLuminanceSource(lum, info.width, info.height);
  return new QRCodeReader().decode(new BinaryBitmap(new HybridBinarizer(src))).getText();
}

describeEachBackend('label sheets and QR codes', ({ testDb }) => {
  let srv: TestServer;
  let room: { idx: number; uuid: string };
  let equipment: { idx: number; uuid: string; code: string }[];
  const get = (path: string, user = 'printer') => fetch(srv.url + path, { headers: user ? { [TEST_USER_HEADER]: user } : {} });

  beforeAll(async () => {
    const db = testDb().db;
    await seedPark(db, { seed: 5, scale: 0.1, code: PARK });
    const r = await db.query<{ idx: number; uuid: string }>(
      `SELECT r.idx, o.uuid::text AS uuid FROM room r JOIN twin_object o ON o.idx = r.idx JOIN building b ON b.idx = r.building_idx JOIN park p ON p.idx = b.park_idx
       WHERE p.code = $1 AND (SELECT count(*) FROM equipment e WHERE e.room_idx = r.idx) >= 2 ORDER BY r.idx LIMIT 1`, [PARK]);
    room = r.rows[0]!;
    equipment = (await db.query<{ idx: number; uuid: string; code: string }>(
      'SELECT e.idx, o.uuid::text AS uuid, e.code FROM equipment e JOIN twin_object o ON o.idx = e.idx WHERE e.room_idx = $1 ORDER BY e.code', [room.idx])).rows;
    srv = await startTestServer(testDb().backend, { testDb: testDb(), modules: [users(), twinModule, labelsModule] });
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it('a room\'s sheet holds the room and each of its equipment with its database uuid', async () => {
    const res = await get(`/api/labels/sheet?room=${room.idx}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('image/svg+xml');
    const svg = await res.text();
    const uuids = [...svg.matchAll(/class="label" data-idx="(\d+)" data-uuid="([0-9a-f-]{36})"/g)].map((m) => [Number(m[1]), m[2]]);
    expect(uuids).toEqual([[room.idx, room.uuid], ...equipment.map((e) => [e.idx, e.uuid])]);
    for (const e of equipment) expect(svg).toContain(`>${e.code}<`);
    // Rasterized, the sheet is a real image with dark QR modules on white.
    const png = await sharp(Buffer.from(svg)).png().toBuffer();
    const stats = await sharp(png).stats();
    expect(stats.channels[0]!.min).toBeLessThan(30);
    expect(stats.channels[0]!.max).toBeGreaterThan(225);
  });

  it('a label\'s PNG decodes to the scanner URL of its uuid, which resolves to the object', async () => {
    const e = equipment[0]!;
    const res = await get(`/api/labels/objects/${e.idx}/qr.png`);
    expect(res.status).toBe(200);
    const text = await decodeQr(Buffer.from(await res.arrayBuffer()));
    expect(text).toBe(labelUrl(srv.url, e.uuid));
    const r = await get(`/api/labels/resolve/${e.uuid}`, 'viewer');
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ idx: e.idx, kind: 'equipment' });
  });

  it('refuses callers without the permission, foreign tenants, bad and unknown input', async () => {
    expect((await get(`/api/labels/sheet?room=${room.idx}`, 'viewer')).status).toBe(403);
    expect((await get(`/api/labels/sheet?room=${room.idx}`, '')).status).toBe(401);
    expect((await get(`/api/labels/sheet?room=${room.idx}&floor=1`)).status).toBe(400);
    expect((await get('/api/labels/sheet')).status).toBe(400);
    expect((await get('/api/labels/sheet?room=999999')).status).toBe(404);
    expect((await get('/api/labels/resolve/not-a-uuid', 'viewer')).status).toBe(400);
    expect((await get('/api/labels/resolve/00000000-0000-4000-8000-000000000000', 'viewer')).status).toBe(404);
    // A tenant (enterprise 1) scanning another enterprise's or the park's equipment label is refused.
    expect((await get(`/api/labels/resolve/${equipment[0]!.uuid}`, 'tenant')).status).toBe(403);
    expect((await get(`/api/labels/sheet?park=${PARK}`)).status).toBe(200);
  });
});
