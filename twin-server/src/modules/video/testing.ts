/**
 * Test helpers of the video module (its own tests and the route contract test): a camera with a
 * simulated source, and the signed playlist URL of a watch.
 */
import type { Queryable } from '../../db/index.ts';
import type { HttpClient } from '../../auth/testing.ts';

/** The first camera of the database, given a simulated source; returns its idx. */
export async function simulatedCamera(db: Queryable): Promise<number> {
  const r = await db.query<{ idx: number }>('SELECT idx FROM camera ORDER BY idx LIMIT 1');
  const idx = r.rows[0]?.idx;
  if (idx === undefined) throw new Error('no camera in the database');
  await db.query("INSERT INTO video_source (camera_idx, source_kind) VALUES ($1, 'simulated') ON CONFLICT (camera_idx) DO NOTHING", [idx]);
  return idx;
}

/** Watches `camera` as `client` and returns the signed playlist URL; throws unless it worked. */
export async function watchUrl(client: HttpClient, camera: number): Promise<string> {
  const r = await client.req('POST', `/api/video/cameras/${camera}/watch`);
  if (r.status !== 200) throw new Error(`watch ${camera} failed: ${r.status} ${r.text}`);
  return (r.body as { url: string }).url;
}

/**
 * A camera with some recording: watches the first camera (as a security operator of `f`) until
 * three seconds are recorded, and returns the replay call (path and body) of its last seconds.
 */
export async function recordedCamera(f: { s: { server: { sc: { db: Queryable } } }; as(p: 'security:read'): Promise<HttpClient> }): Promise<{ path: string; body: { from: string; seconds: number } }> {
  const idx = await simulatedCamera(f.s.server.sc.db);
  const c = await f.as('security:read');
  await watchUrl(c, idx);
  const from = new Date(Date.now() - 1000).toISOString();
  const body = { from, seconds: 30 };
  for (let i = 0; i < 40; i++) {
    const r = await c.req('POST', `/api/video/cameras/${idx}/replay`, body);
    if (r.status === 200) break;
    await new Promise((res) => setTimeout(res, 250));
  }
  return { path: `/api/video/cameras/${idx}/replay`, body };
}
