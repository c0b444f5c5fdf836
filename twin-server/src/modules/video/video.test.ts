/**
 * The video gateway end to end on both backends, with real ffmpeg processes: a security operator
 * watches a simulated camera, fetches its playlist and a segment (ffprobe: H.264 at the configured
 * size, and it decodes); every unauthorized access (no session, wrong role, tampered, expired,
 * other camera's or other session's URL) is refused and audited; the cap and a dead source answer
 * clear errors; and the ffmpeg process is gone a short while after the last viewer left.
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { healthModule } from '../health.ts';
import { startAuthServer, HttpClient, type AuthTestServer } from '../../auth/testing.ts';
import { insertFixturePark } from '../../tiler/fixture.ts';
import { videoModule, videoRuntime } from './index.ts';
import { Recorder } from './recorder.ts';

const run = promisify(execFile);

/** Whether a process id is alive. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface Watch { camera: number; code: string; url: string; expiresAt: string; ttlS: number }

for (const backend of ['pglite', 'postgres'] as const) {
  describe.skipIf(backend === 'postgres' && inject('pgMissing') !== null)(`video gateway [${backend}]`, () => {
    let s: AuthTestServer;
    let dir: string;
    let offset = 0;
    let cams: { idx: number; code: string }[] = [];
    let sec: HttpClient;
    let sec2: HttpClient;
    let maint: HttpClient;
    let first: Watch;

    const audits = async (action: string) =>
      (await s.server.sc.db.query<{ action: string; object: string; outcome: string; actor_name: string | null; detail: string }>(
        'SELECT action, object, outcome, actor_name, detail FROM audit_log WHERE action = $1 ORDER BY seq', [action])).rows;

    beforeAll(async () => {
      dir = await fs.mkdtemp(path.join(os.tmpdir(), 'twin-video-'));
      s = await startAuthServer(backend, {
        modules: [healthModule, videoModule({
          settings: {
            dir, maxTranscodes: 2, idleStopMs: 1500, viewerTimeoutMs: 60_000, urlTtlMs: 30_000, segmentS: 1, simWidth: 320, simHeight: 180, simFps: 10, startTimeoutMs: 15_000,
            recordHours: 1, recordMaxBytes: 1e9, recordDir: path.join(dir, 'rec'),
          },
          now: () => Date.now() + offset,
          recordKeepEveryMs: 300,
        })],
      });
      const db = s.server.sc.db;
      await insertFixturePark(db, { grid: 2, floors: 1, roomsPerSide: 1, code: 'video' });
      cams = (await db.query<{ idx: number; code: string }>("SELECT idx, code FROM equipment WHERE type = 'camera' ORDER BY idx")).rows;
      expect(cams.length).toBeGreaterThanOrEqual(4);
      for (const c of cams) await db.query("INSERT INTO camera (idx, coverage) VALUES ($1, 'main_gate')", [c.idx]);
      // The module's seed hook gives every camera of the park a simulated source.
      const parkIdx = (await db.query<{ idx: number }>("SELECT idx FROM park WHERE code = 'video'")).rows[0]!.idx;
      const mod = videoModule();
      await mod.seed!(s.server.sc, { parkIdx });
      await mod.seed!(s.server.sc, { parkIdx });
      expect(Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM video_source')).rows[0]!.n)).toBe(cams.length);
      sec = (await s.userWith(['security_operator'])).client;
      sec2 = (await s.userWith(['security_operator'])).client;
      maint = (await s.userWith(['maintenance'])).client;
    }, 120_000);

    afterAll(async () => {
      await s?.server.stop();
      if (dir) await fs.rm(dir, { recursive: true, force: true });
    });

    it('a security operator watches a simulated camera: playlist and a segment that decodes at 320x180', async () => {
      const cam = cams[0]!;
      const t0 = Date.now();
      const w = await sec.req('POST', `/api/video/cameras/${cam.idx}/watch`);
      expect(w.status, w.text).toBe(200);
      first = w.body as Watch;
      expect(first.url).toMatch(new RegExp(`^/api/video/live/${cam.idx}/[0-9a-z]+-[0-9a-f]{32}/index\\.m3u8$`));
      expect(Date.now() - t0).toBeLessThan(15_000);

      const pl = await sec.req('GET', first.url);
      expect(pl.status, pl.text).toBe(200);
      expect(pl.headers.get('content-type')).toContain('application/vnd.apple.mpegurl');
      expect(pl.text).toContain('#EXTM3U');
      const segs = pl.text.split('\n').filter((l) => /^seg-\d+\.ts$/.test(l));
      expect(segs.length).toBeGreaterThan(0);

      // The segment URI is relative: it resolves under the same signed path.
      const segUrl = first.url.replace(/index\.m3u8$/, segs.at(-1)!);
      const seg = await fetch(s.server.url + segUrl, { headers: { Cookie: [...sec.cookies].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('; ') } });
      expect(seg.status).toBe(200);
      expect(seg.headers.get('content-type')).toBe('video/mp2t');
      const bytes = Buffer.from(await seg.arrayBuffer());
      expect(bytes.length).toBeGreaterThan(1000);
      const file = path.join(dir, 'probe.ts');
      await fs.writeFile(file, bytes);
      const probe = JSON.parse((await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,width,height', '-of', 'json', file])).stdout) as { streams: { codec_name: string; width: number; height: number }[] };
      expect(probe.streams[0]).toEqual({ codec_name: 'h264', width: 320, height: 180 });
      // Decodes: ffmpeg reads every frame without an error.
      const dec = await run('ffmpeg', ['-v', 'error', '-i', file, '-f', 'null', '-']);
      expect(dec.stderr).toBe('');

      const views = await audits('video.view');
      expect(views.filter((a) => a.object === `camera:${cam.idx}` && a.outcome === 'success')).toHaveLength(1);
      // Renewing is not a second view.
      expect((await sec.req('POST', `/api/video/cameras/${cam.idx}/watch`)).status).toBe(200);
      expect((await audits('video.view')).filter((a) => a.object === `camera:${cam.idx}`)).toHaveLength(1);
    }, 60_000);

    it('refuses and audits every unauthorized access to playlists and segments', async () => {
      const cam = cams[0]!;
      const seg = first.url.replace(/index\.m3u8$/, 'seg-00001.ts');
      // No session at all: the guard answers 401 before the token is looked at.
      const anon = new HttpClient(s.server.url);
      expect((await anon.req('GET', first.url)).status).toBe(401);
      expect((await anon.req('GET', seg)).status).toBe(401);
      expect((await anon.req('POST', `/api/video/cameras/${cam.idx}/watch`)).status).toBe(401);
      // A role without security:read, even holding a valid URL.
      expect((await maint.req('GET', first.url)).status).toBe(403);
      expect((await maint.req('POST', `/api/video/cameras/${cam.idx}/watch`)).status).toBe(403);
      // Another operator's session with this session's URL.
      expect((await sec2.req('GET', first.url)).status).toBe(403);
      // This session, but the URL of another camera.
      expect((await sec.req('GET', first.url.replace(`/live/${cam.idx}/`, `/live/${cams[1]!.idx}/`))).status).toBe(403);
      // A tampered signature, and a malformed token.
      const tampered = first.url.replace(/-([0-9a-f])/, (_m, c: string) => `-${c === '0' ? '1' : '0'}`);
      expect((await sec.req('GET', tampered)).status).toBe(403);
      expect((await sec.req('GET', first.url.replace(/live\/(\d+)\/[^/]+\//, 'live/$1/nope/'))).status).toBe(400);
      // Expired: the URL's clock moves past its lifetime.
      offset = (first.ttlS + 5) * 1000;
      try {
        const exp = await sec.req('GET', first.url);
        expect(exp.status).toBe(410);
        expect(exp.text).toContain('expired');
      } finally {
        offset = 0;
      }
      // Without the signed URL: there is no other way to the files.
      expect((await sec.req('GET', `/api/video/live/${cam.idx}/index.m3u8`)).status).toBe(404);

      const denied = await audits('video.denied');
      const reasons = denied.map((a) => JSON.parse(a.detail) as { reason: string }).map((d) => d.reason);
      expect(reasons).toEqual(expect.arrayContaining(['mismatch', 'expired']));
      const guard = (await audits('access.denied')).filter((a) => a.object.startsWith('GET /api/video/live') || a.object.startsWith('POST /api/video'));
      expect(guard.some((a) => a.actor_name === null)).toBe(true); // anonymous
      expect(guard.some((a) => a.actor_name !== null && (JSON.parse(a.detail) as { reason: string }).reason === 'missing-permission')).toBe(true);
    }, 30_000);

    it('answers 503 at the transcoder cap and 502 with the reason for a dead source, without hanging', async () => {
      // cams[0] runs; a second one fills the cap of 2.
      expect((await sec.req('POST', `/api/video/cameras/${cams[1]!.idx}/watch`)).status).toBe(200);
      const full = await sec.req('POST', `/api/video/cameras/${cams[2]!.idx}/watch`);
      expect(full.status).toBe(503);
      expect(full.headers.get('retry-after')).toBe('5');
      expect((full.body as { error: { message: string } }).error.message).toContain('slots are in use');
      await sec.req('DELETE', `/api/video/cameras/${cams[1]!.idx}/watch`);
      await waitFor('second transcoder stopped', () => !videoRuntime(s.server.sc)!.gateway.status().some((t) => t.camera === cams[1]!.idx));

      // A source nobody answers on: the watch fails fast with the cause, and a log line.
      const admin = await s.admin('sysadmin');
      const put = await admin.req('PUT', `/api/video/cameras/${cams[3]!.idx}/source`, { kind: 'rtsp', url: 'rtsp://cam:secret@127.0.0.1:9/stream' });
      expect(put.status, put.text).toBe(200);
      expect((put.body as { url: string }).url).toBe('rtsp://cam:***@127.0.0.1:9/stream');
      expect((await admin.req('PUT', `/api/video/cameras/${cams[3]!.idx}/source`, { kind: 'rtsp', url: 'http://x.test/a.m3u8' })).status).toBe(400);
      expect((await sec.req('PUT', `/api/video/cameras/${cams[3]!.idx}/source`, { kind: 'simulated' })).status).toBe(403);
      const t0 = Date.now();
      const dead = await sec.req('POST', `/api/video/cameras/${cams[3]!.idx}/watch`);
      expect(dead.status).toBe(502);
      expect((dead.body as { error: { message: string } }).error.message).toMatch(/is down: .*(refused|Connection)/i);
      expect(Date.now() - t0).toBeLessThan(10_000);
      expect(JSON.stringify(dead.body)).not.toContain('secret');
      expect((await sec.req('POST', '/api/video/cameras/999999/watch')).status).toBe(404);
    }, 60_000);

    it('lists the nearest cameras that see a spot: in range, in the field of view, alarms with their time', async () => {
      const db = s.server.sc.db;
      const c0 = (await db.query<{ lon: number; lat: number; heading: number }>('SELECT ST_X(position) AS lon, ST_Y(position) AS lat, heading FROM equipment WHERE idx = $1', [cams[0]!.idx])).rows[0]!;
      expect(Number(c0.heading)).toBe(180); // the fixture's cameras look south, 90 degrees wide, 30 m far
      const m = 1 / 111_320; // degrees of latitude per metre
      const seeing = async (query: string) => {
        const r = await sec.req('GET', `/api/video/cameras/seeing?${query}`);
        expect(r.status, r.text).toBe(200);
        return r.body as { spot: { raisedAt: string | null }; cameras: { idx: number; distanceM: number; bearingDeg: number | null }[] };
      };
      const south = await seeing(`lon=${c0.lon}&lat=${Number(c0.lat) - 10 * m}`);
      expect(south.cameras.map((c) => c.idx)).toContain(cams[0]!.idx);
      const hit = south.cameras.find((c) => c.idx === cams[0]!.idx)!;
      expect(hit.distanceM).toBeGreaterThan(9);
      expect(hit.distanceM).toBeLessThan(11);
      expect(hit.bearingDeg).toBeCloseTo(180, 0);
      // Behind it, and beyond its range: not seen.
      expect((await seeing(`lon=${c0.lon}&lat=${Number(c0.lat) + 10 * m}`)).cameras.map((c) => c.idx)).not.toContain(cams[0]!.idx);
      expect((await seeing(`lon=${c0.lon}&lat=${Number(c0.lat) - 40 * m}`)).cameras.map((c) => c.idx)).not.toContain(cams[0]!.idx);
      // A 360 degree camera sees behind itself.
      await db.query('UPDATE camera SET fov_deg = 360 WHERE idx = $1', [cams[0]!.idx]);
      expect((await seeing(`lon=${c0.lon}&lat=${Number(c0.lat) + 10 * m}`)).cameras.map((c) => c.idx)).toContain(cams[0]!.idx);
      await db.query('UPDATE camera SET fov_deg = 90 WHERE idx = $1', [cams[0]!.idx]);
      // An alarm on the camera's own spot: the camera, and the alarm's time to replay from.
      const raised = new Date(Date.now() - 60_000);
      const alarm = (await db.query<{ id: string }>(
        "INSERT INTO alarm (idx, layer, kind, severity, message, raised_at) VALUES ($1, 1, 'equipment_fault', 2, 'test', $2) RETURNING id", [cams[0]!.idx, raised])).rows[0]!.id;
      const a = await seeing(`alarm=${alarm}`);
      expect(a.cameras[0]!.idx).toBe(cams[0]!.idx);
      expect(a.spot.raisedAt).toBe(raised.toISOString());
      expect((await sec.req('GET', '/api/video/cameras/seeing?alarm=99999999')).status).toBe(404);
      expect((await sec.req('GET', '/api/video/cameras/seeing?lon=1')).status).toBe(400);
      expect((await maint.req('GET', `/api/video/cameras/seeing?alarm=${alarm}`)).status).toBe(403);
    });

    it('replays the rolling recording from a few seconds before an alarm; retention by age and by size', async () => {
      const cam = cams[0]!; // watched since the first test: it has been recorded
      // An alarm 2 s ago, once at least 5 s are recorded (a loaded machine runs the earlier tests fast).
      const rec = videoRuntime(s.server.sc)!.recorder!;
      await waitFor('5 s of recording', async () => ((await rec.segments(cam.idx, 0, Date.now()))[0]?.startMs ?? Infinity) < Date.now() - 5000);
      const alarmAt = Date.now() - 2000;
      const r = await sec.req('POST', `/api/video/cameras/${cam.idx}/replay`, { from: new Date(alarmAt - 5000).toISOString(), seconds: 10 });
      expect(r.status, r.text).toBe(200);
      const replay = r.body as { url: string; startsAt: string; segments: number };
      expect(Date.parse(replay.startsAt)).toBeLessThan(alarmAt);
      expect(replay.segments).toBeGreaterThanOrEqual(3);
      const pl = await sec.req('GET', replay.url);
      expect(pl.status, pl.text).toBe(200);
      expect(pl.text).toContain('#EXT-X-PLAYLIST-TYPE:VOD');
      expect(pl.text).toContain('#EXT-X-ENDLIST');
      const times = [...pl.text.matchAll(/#EXT-X-PROGRAM-DATE-TIME:(\S+)/g)].map((m) => Date.parse(m[1]!));
      expect(times[0]!).toBeLessThan(alarmAt);
      const firstSeg = pl.text.split('\n').find((l) => /^\d{13}-\d{6}\.ts$/.test(l))!;
      const seg = await fetch(s.server.url + replay.url.replace(/play-[^/]+$/, firstSeg), { headers: { Cookie: [...sec.cookies].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('; ') } });
      expect(seg.status).toBe(200);
      const file = path.join(dir, 'replay.ts');
      await fs.writeFile(file, Buffer.from(await seg.arrayBuffer()));
      const probe = JSON.parse((await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,width,height', '-of', 'json', file])).stdout) as { streams: unknown[] };
      expect(probe.streams[0]).toEqual({ codec_name: 'h264', width: 320, height: 180 });
      // The replay URL is this session's, for this camera, like a live one.
      expect((await sec2.req('GET', replay.url)).status).toBe(403);
      expect((await maint.req('POST', `/api/video/cameras/${cam.idx}/replay`, { from: new Date(alarmAt).toISOString() })).status).toBe(403);
      expect((await new HttpClient(s.server.url).req('GET', replay.url)).status).toBe(401);
      expect((await sec.req('POST', `/api/video/cameras/${cams[2]!.idx}/replay`, { from: new Date(alarmAt).toISOString() })).status).toBe(404);
      expect((await audits('video.replay')).filter((a) => a.object === `camera:${cam.idx}`)).toHaveLength(1);

      // Retention, on a folder of its own: older than the hours kept, then the oldest beyond the size bound.
      const recDir = path.join(dir, 'retention');
      const runDir = path.join(recDir, '1', String(Date.now() - 3 * 3_600_000));
      await fs.mkdir(runDir, { recursive: true });
      const now = Date.now();
      const ages = [2 * 3_600_000, 30 * 60_000, 20 * 60_000, 10 * 60_000]; // 2 h, 30, 20, 10 min old
      for (const [i, age] of ages.entries()) {
        const f = path.join(runDir, `00000${i}.ts`);
        await fs.writeFile(f, Buffer.alloc(1000, i));
        await fs.utimes(f, (now - age) / 1000, (now - age) / 1000);
      }
      const pruned = await new Recorder(recDir, 1, 2500, s.server.sc.log).prune(now);
      expect(pruned).toEqual({ deleted: 2, keptBytes: 2000, keptFiles: 2 });
      expect((await fs.readdir(runDir)).sort()).toEqual(['000002.ts', '000003.ts']);
    }, 30_000);

    it('stops the ffmpeg process a short while after the last viewer leaves', async () => {
      const g = videoRuntime(s.server.sc)!.gateway;
      const t = g.status().find((x) => x.camera === cams[0]!.idx)!;
      expect(t.state).toBe('live');
      expect(t.pid !== null && alive(t.pid)).toBe(true);
      const st = await sec.req('GET', '/api/video/status');
      expect((st.body as { running: number }).running).toBeGreaterThanOrEqual(1);
      expect((await sec.req('DELETE', `/api/video/cameras/${cams[0]!.idx}/watch`)).status).toBe(204);
      await waitFor('the transcoder to stop', () => g.status().length === 0);
      await waitFor('the ffmpeg process to exit', () => !alive(t.pid!));
      // Its files are gone and its URL answers 409 (watch again), not a stale picture.
      expect((await sec.req('GET', first.url)).status).toBe(409);
      expect(await fs.readdir(g.workDir)).toEqual([]);
    }, 30_000);

    it('keeps a camera flagged for recording running with no viewer, and lets it go when unflagged', async () => {
      const g = videoRuntime(s.server.sc)!.gateway;
      const admin = await s.admin('sysadmin');
      const cam = cams[1]!.idx;
      expect(g.status().some((t) => t.camera === cam)).toBe(false);
      const put = await admin.req('PUT', `/api/video/cameras/${cam}/source`, { kind: 'simulated', record: true });
      expect(put.status, put.text).toBe(200);
      expect((put.body as { record: boolean }).record).toBe(true);
      await waitFor('the flagged camera to run', () => g.status().some((t) => t.camera === cam && t.state === 'live'));
      // Nobody watches, yet it keeps running well past the idle stop (1.5 s) and is recorded.
      await new Promise((r) => setTimeout(r, 3000));
      expect(g.recorded()).toEqual([cam]);
      const rec = videoRuntime(s.server.sc)!.recorder!;
      expect((await rec.segments(cam, Date.now() - 60_000, Date.now())).length).toBeGreaterThan(0);
      expect((await admin.req('PUT', `/api/video/cameras/${cam}/source`, { kind: 'simulated', record: false })).status).toBe(200);
      await waitFor('the unflagged camera to stop', () => !g.status().some((t) => t.camera === cam));
    }, 30_000);

    it('answers every camera\'s frustum in park metres: position, heading, field of view and range', async () => {
      const db = s.server.sc.db;
      const r = await sec.req('GET', '/api/video/frustums?park=video');
      expect(r.status, r.text).toBe(200);
      const body = r.body as { cameras: { idx: number; east: number; north: number; up: number; heading: number; fovDeg: number; rangeM: number; source: string | null }[] };
      expect(body.cameras.map((c) => c.idx).sort((a, b) => a - b)).toEqual(cams.map((c) => c.idx).sort((a, b) => a - b));
      // The east/north offsets agree with PostGIS's distance and azimuth from the park origin.
      const c0 = body.cameras.find((c) => c.idx === cams[0]!.idx)!;
      const g = (await db.query<{ d: number; az: number; z: number }>(
        `SELECT ST_Distance(ST_Force2D(p.origin)::geography, ST_Force2D(e.position)::geography) AS d,
                degrees(ST_Azimuth(ST_Force2D(p.origin)::geography, ST_Force2D(e.position)::geography)) AS az, ST_Z(e.position) AS z
         FROM equipment e JOIN park p ON p.idx = e.park_idx WHERE e.idx = $1`, [c0.idx])).rows[0]!;
      expect(Math.hypot(c0.east, c0.north)).toBeCloseTo(Number(g.d), 0);
      expect(((Math.atan2(c0.east, c0.north) * 180) / Math.PI + 360) % 360).toBeCloseTo(Number(g.az), 0);
      expect(c0.up).toBeCloseTo(Number(g.z), 1);
      expect(c0).toMatchObject({ heading: 180, fovDeg: 90, rangeM: 30 });
      expect((await sec.req('GET', '/api/video/frustums?park=nope')).status).toBe(404);
      expect((await maint.req('GET', '/api/video/frustums?park=video')).status).toBe(403);
    });

    it('checks G5 coverage: places of a category without a camera, and a camera added covers its place', async () => {
      const db = s.server.sc.db;
      type Cov = { categories: { category: string; places: number | null; missing: number | null; cameras: number; examples: { idx: number }[] }[] };
      const check = async () => {
        const r = await sec.req('GET', '/api/video/coverage?park=video');
        expect(r.status, r.text).toBe(200);
        return (r.body as Cov).categories.find((c) => c.category === 'ground_entrance')!;
      };
      const buildings = (await db.query<{ idx: number }>("SELECT b.idx FROM building b JOIN park p ON p.idx = b.park_idx WHERE p.code = 'video' ORDER BY b.idx")).rows.map((r) => r.idx);
      const before = await check();
      expect(before).toMatchObject({ places: buildings.length, missing: buildings.length, cameras: 0 });
      await db.query('UPDATE equipment SET building_idx = $1 WHERE idx = $2', [buildings[0], cams[2]!.idx]);
      await db.query("UPDATE camera SET coverage = 'ground_entrance' WHERE idx = $1", [cams[2]!.idx]);
      const after = await check();
      expect(after).toMatchObject({ places: buildings.length, missing: buildings.length - 1, cameras: 1 });
      expect(after.examples.map((e) => e.idx)).not.toContain(buildings[0]);
      expect((await sec.req('GET', '/api/video/coverage?park=nope')).status).toBe(404);
      expect((await maint.req('GET', '/api/video/coverage?park=video')).status).toBe(403);
    });
  });
}

/** Pids of ffmpeg processes whose command line names `dir`. */
async function ffmpegsUnder(dir: string): Promise<number[]> {
  const out: number[] = [];
  for (const name of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const cmd = await fs.readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    if (cmd.includes('ffmpeg') && cmd.includes(dir)) out.push(Number(name));
  }
  return out;
}

// Issue 16 must-show 2: open/close cycles leave nothing behind. One backend: the gateway does not touch the database.
describe('video gateway: 100 open/close cycles [pglite]', () => {
  let s: AuthTestServer;
  let dir: string;
  let cams: number[] = [];

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'twin-video-cycles-'));
    s = await startAuthServer('pglite', {
      modules: [healthModule, videoModule({ settings: { dir, maxTranscodes: 5, idleStopMs: 0, viewerTimeoutMs: 60_000, segmentS: 1, simFps: 10 } })],
    });
    const db = s.server.sc.db;
    await insertFixturePark(db, { grid: 3, floors: 1, roomsPerSide: 1, code: 'cycles' });
    cams = (await db.query<{ idx: number }>("SELECT idx FROM equipment WHERE type = 'camera' ORDER BY idx LIMIT 5")).rows.map((r) => r.idx);
    for (const c of cams) {
      await db.query("INSERT INTO camera (idx, coverage) VALUES ($1, 'crossroad')", [c]);
      await db.query("INSERT INTO video_source (camera_idx, source_kind) VALUES ($1, 'simulated')", [c]);
    }
  }, 120_000);

  afterAll(async () => {
    await s?.server.stop();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('leaves no ffmpeg process, file or descriptor behind, with bounded memory', async () => {
    expect(cams).toHaveLength(5);
    const sec = (await s.userWith(['security_operator'])).client;
    const g = videoRuntime(s.server.sc)!.gateway;
    const fds = async () => (await fs.readdir('/proc/self/fd')).length;
    // One warm-up cycle, so lazily created things (the connection, the JIT) are in the baseline.
    expect((await sec.req('POST', `/api/video/cameras/${cams[0]}/watch`)).status).toBe(200);
    await sec.req('DELETE', `/api/video/cameras/${cams[0]}/watch`);
    await waitFor('warm-up stop', () => g.status().length === 0);
    const fd0 = await fds();
    const rss0 = process.memoryUsage().rss;
    const started0 = g.stats.started;
    const pidsSeen = new Set<number>();
    for (let round = 0; round < 20; round++) {
      // Five cameras at once (the cap), each watched, fetched and left.
      await Promise.all(cams.map(async (c) => {
        const w = await sec.req('POST', `/api/video/cameras/${c}/watch`);
        expect(w.status, w.text).toBe(200);
        expect((await sec.req('GET', (w.body as { url: string }).url)).status).toBe(200);
        const pid = g.status().find((t) => t.camera === c)?.pid;
        if (pid) pidsSeen.add(pid);
        expect((await sec.req('DELETE', `/api/video/cameras/${c}/watch`)).status).toBe(204);
      }));
      await waitFor(`round ${round} stopped`, () => g.status().length === 0);
    }
    const cycles = g.stats.started - started0;
    const rssGrowthMb = (process.memoryUsage().rss - rss0) / 1e6;
    const fd1 = await fds();
    const left = await ffmpegsUnder(dir);
    console.log(`[video] ${cycles} open/close cycles, ${pidsSeen.size} distinct ffmpeg pids, ffmpeg left: ${left.length}, fds ${fd0} -> ${fd1}, rss growth ${rssGrowthMb.toFixed(1)} MB`);
    expect(cycles).toBe(100);
    expect(pidsSeen.size).toBe(100);
    expect(left).toEqual([]);
    expect([...pidsSeen].filter((pid) => alive(pid))).toEqual([]);
    expect(fd1 - fd0).toBeLessThan(30); // pooled HTTP connections; a leak would be one pipe per cycle (100)
    expect(rssGrowthMb).toBeLessThan(150);
    expect(await fs.readdir(g.workDir)).toEqual([]);
  }, 300_000);
});
