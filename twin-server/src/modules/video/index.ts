/**
 * The video module (issue 16): live camera pictures as HLS through an on-demand ffmpeg gateway.
 *
 *   GET    /api/video/cameras                        cameras with their source and whether they are live (security:read)
 *   POST   /api/video/cameras/:idx/watch             start or renew watching: a signed stream URL (security:read)
 *   DELETE /api/video/cameras/:idx/watch             stop watching (security:read)
 *   GET    /api/video/live/:idx/:token/:file         the playlist and segments behind the signed URL (security:read)
 *   GET    /api/video/cameras/seeing                 the nearest cameras that see an alarm / object / point (security:read)
 *   POST   /api/video/cameras/:idx/replay            a signed VOD playlist of the rolling recording from a time (security:read)
 *   GET    /api/video/rec/:idx/:token/:file          the replay playlist and recorded segments (security:read)
 *   GET    /api/video/frustums?park=                  every camera's position (park metres), heading, field of view and range, for the 3D frustums (security:read)
 *   GET    /api/video/coverage?park=                  G5 coverage check: places of each category without a camera (security:read)
 *   PUT    /api/video/cameras/:idx/source            set a camera's source (video:configure)
 *   GET    /api/video/status                         running transcoders and the cap (security:read)
 *
 * Stream URLs are short-lived and bound to the caller's session; the files need the session too
 * (the guard refuses anonymous callers before the token is looked at). docs/video.md.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { TwinModule } from '../types.ts';
import type { ServerContext } from '../../context.ts';
import type { TwinContext } from '../../http/route.ts';
import type { Principal } from '../../auth/types.ts';
import { authService } from '../../auth/index.ts';
import { idxParam, PARK_CODE } from '../../http/params.ts';
import { bodyOf, paramsOf, queryOf } from '../../http/input.ts';
import { RECORDER_VIEWER, VideoGateway, VideoError, maskUrl, type SourceSpec } from './gateway.ts';
import { videoSettings, type VideoSettings } from './settings.ts';
import { StreamSigner, TOKEN_RE } from './tokens.ts';
import { Recorder, REC_SEGMENT_RE, replayPlaylist } from './recorder.ts';
import { enuFrame } from '../../tiler/enu.ts';

const COVERAGE = ['main_gate', 'crossroad', 'perimeter', 'ground_entrance', 'fire_lane', 'lobby', 'lift_car', 'machine_room', 'canteen', 'parking', 'corridor'] as const;
const FILE_RE = /^(index\.m3u8|seg-\d{5,9}\.ts)$/;

const idxParams = z.object({ idx: idxParam });
const liveParams = z.object({
  idx: idxParam,
  token: z.string().max(60).regex(TOKEN_RE, 'malformed stream token'),
  file: z.string().max(40).regex(FILE_RE, 'no such stream file'),
});
const listQuery = z.object({
  park: z.string().regex(PARK_CODE, 'invalid park code').optional(),
  coverage: z.enum(COVERAGE).optional(),
  q: z.string().trim().max(60).optional(),
  limit: z.coerce.number<string>().int().min(1).max(1000).default(200),
}).strict();
const sourceBody = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('simulated'), record: z.boolean().optional() }).strict(),
  z.object({
    kind: z.enum(['rtsp', 'hls']),
    url: z.string().trim().min(8).max(2000),
    transcode: z.boolean().optional(),
    record: z.boolean().optional(),
  }).strict(),
  z.object({ kind: z.literal('none') }).strict(),
]);

const seeingQuery = z.object({
  alarm: z.coerce.number<string>().int().min(1).optional(),
  idx: idxParam.optional(),
  lon: z.coerce.number<string>().min(-180).max(180).optional(),
  lat: z.coerce.number<string>().min(-90).max(90).optional(),
  limit: z.coerce.number<string>().int().min(1).max(20).default(4),
}).strict().refine((q) => [q.alarm !== undefined, q.idx !== undefined, q.lon !== undefined && q.lat !== undefined].filter(Boolean).length === 1, {
  message: 'give exactly one of alarm, idx, or lon and lat',
});
const replayBody = z.object({
  from: z.iso.datetime({ offset: true }),
  seconds: z.number().int().min(1).max(3600).default(60),
}).strict();
const recParams = z.object({
  idx: idxParam,
  token: z.string().max(60).regex(TOKEN_RE, 'malformed stream token'),
  file: z.string().max(40).regex(/^(play-\d{13}-\d{13}\.m3u8|\d{13}-\d{6}\.ts)$/, 'no such recording file'),
});
const coverageQuery = z.object({ park: z.string().regex(PARK_CODE, 'invalid park code') }).strict();
const frustumSchema = z.object({
  park: z.string(),
  cameras: z.array(z.object({
    idx: z.number().int(), code: z.string(), coverage: z.enum(COVERAGE),
    east: z.number(), north: z.number(), up: z.number(), heading: z.number(), fovDeg: z.number(), rangeM: z.number(),
    building: z.number().int().nullable(), floor: z.number().int().nullable(), source: z.enum(['rtsp', 'hls', 'simulated']).nullable(),
  }).strict()),
}).strict();
const coverageSchema = z.object({
  park: z.string(),
  categories: z.array(z.object({
    category: z.enum(COVERAGE), places: z.number().int().nullable(), missing: z.number().int().nullable(), cameras: z.number().int(),
    examples: z.array(z.object({ idx: z.number().int(), name: z.string() }).strict()),
  }).strict()),
}).strict();
const sourceKind = z.enum(['rtsp', 'hls', 'simulated']).nullable();
const cameraSchema = z.object({
  idx: z.number().int(), code: z.string(), name: z.string(), nameEn: z.string().nullable(), coverage: z.enum(COVERAGE),
  park: z.string(), building: z.number().int().nullable(), source: sourceKind, live: z.boolean(),
}).strict();
const listSchema = z.object({ cameras: z.array(cameraSchema), total: z.number().int() }).strict();
const seeingSchema = z.object({
  spot: z.object({ lon: z.number(), lat: z.number(), floor: z.number().int().nullable(), raisedAt: z.string().nullable() }).strict(),
  cameras: z.array(z.object({
    idx: z.number().int(), code: z.string(), name: z.string(), nameEn: z.string().nullable(), coverage: z.enum(COVERAGE),
    distanceM: z.number(), bearingDeg: z.number().nullable(), source: sourceKind, live: z.boolean(),
  }).strict()),
}).strict();
const watchSchema = z.object({
  camera: z.number().int(), code: z.string(), url: z.string(), expiresAt: z.string(), ttlS: z.number().int(), renewInS: z.number().int(),
}).strict();
const replaySchema = z.object({
  camera: z.number().int(), url: z.string(), from: z.string(), to: z.string(), startsAt: z.string(), segments: z.number().int(),
}).strict();
const sourceSchema = z.object({
  camera: z.number().int(), source: sourceKind, url: z.string().nullable(), transcode: z.boolean(), record: z.boolean(),
}).strict();
const statusSchema = z.object({
  maxTranscodes: z.number().int(), running: z.number().int(),
  transcoders: z.array(z.object({ camera: z.number().int(), state: z.string(), viewers: z.number().int(), pid: z.number().int().nullable(), startedAt: z.string() }).strict()),
  started: z.number().int(), stopped: z.number().int(), failed: z.number().int(),
}).strict();

interface CameraRow {
  idx: number; code: string; name: string; name_en: string | null; coverage: (typeof COVERAGE)[number]; park: string; building_idx: number | null;
  source_kind: 'rtsp' | 'hls' | 'simulated' | null; url: string | null; transcode: boolean | null; record: boolean | null;
}

const CAMERA_SQL = `
  SELECT e.idx, e.code, o.name, o.name_en, c.coverage, p.code AS park, e.building_idx,
         s.source_kind, s.url, s.transcode, s.record
  FROM camera c JOIN equipment e ON e.idx = c.idx JOIN twin_object o ON o.idx = e.idx JOIN park p ON p.idx = e.park_idx
  LEFT JOIN video_source s ON s.camera_idx = c.idx`;

/** Where a twin object is (equipment and pipe nodes: their point; rooms, buildings, zones: their centroid) and on which floor. */
const SPOT_SQL = `
  SELECT ST_X(g) AS lon, ST_Y(g) AS lat, floor_idx FROM (
    SELECT COALESCE(e.position, ST_Centroid(r.footprint), ST_Centroid(b.footprint), n.position, ST_Centroid(z.boundary)) AS g,
           COALESCE(e.floor_idx, r.floor_idx) AS floor_idx
    FROM twin_object o LEFT JOIN equipment e ON e.idx = o.idx LEFT JOIN room r ON r.idx = o.idx LEFT JOIN building b ON b.idx = o.idx
    LEFT JOIN pipe_node n ON n.idx = o.idx LEFT JOIN zone z ON z.idx = o.idx WHERE o.idx = $1) x WHERE g IS NOT NULL`;

/**
 * Cameras that see a spot: within their range (PostGIS geography distance), the spot inside their
 * field of view (bearing from the camera against its heading; 360 degree cameras see all round;
 * a spot under a metre away counts as seen), and on the spot's own floor (outdoor cameras, with
 * no floor, see outdoor spots only).
 * Nearest first.
 */
const SEEING_SQL = `
  WITH spot AS (SELECT ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography AS g),
  near AS (
    SELECT c.idx, e.code, o.name, o.name_en, c.coverage, c.fov_deg, e.heading, e.floor_idx, s.source_kind,
           ST_Distance(ST_Force2D(e.position)::geography, spot.g) AS dist,
           degrees(ST_Azimuth(ST_Force2D(e.position)::geography, spot.g)) AS bearing
    FROM camera c JOIN equipment e ON e.idx = c.idx JOIN twin_object o ON o.idx = e.idx
    LEFT JOIN video_source s ON s.camera_idx = c.idx, spot
    WHERE ST_DWithin(ST_Force2D(e.position)::geography, spot.g, c.range_m)
      AND e.floor_idx IS NOT DISTINCT FROM $3::int)
  SELECT idx, code, name, name_en, coverage, dist, bearing, source_kind FROM near
  WHERE dist < 1 OR fov_deg >= 360 OR abs(mod((bearing - heading)::numeric + 540, 360) - 180) <= fov_deg / 2
  ORDER BY dist, idx LIMIT $4`;

/**
 * G5 places that need a camera and the SQL finding those without one (park idx $1): each
 * building's ground-floor entrance and fire lane (a camera of that category attached to the
 * building), lobbies, canteens and machine rooms (plant, data centre: a camera of that category
 * in the room), lift cars (a lift-car camera within 5 m of each elevator), and the perimeter
 * (points every 25 m along perimeter zones' boundaries out of every perimeter camera's range).
 * Main gates, crossroads, parking and corridors are not objects of the model: only their cameras
 * are counted.
 */
const COVERAGE_CHECKS: Partial<Record<(typeof COVERAGE)[number], string>> = {
  ground_entrance: `SELECT b.idx, o.name FROM building b JOIN twin_object o ON o.idx = b.idx WHERE b.park_idx = $1`,
  fire_lane: `SELECT b.idx, o.name FROM building b JOIN twin_object o ON o.idx = b.idx WHERE b.park_idx = $1`,
  lobby: `SELECT r.idx, o.name FROM room r JOIN building b ON b.idx = r.building_idx JOIN twin_object o ON o.idx = r.idx WHERE b.park_idx = $1 AND r.use = 'lobby'`,
  canteen: `SELECT r.idx, o.name FROM room r JOIN building b ON b.idx = r.building_idx JOIN twin_object o ON o.idx = r.idx WHERE b.park_idx = $1 AND r.use = 'canteen'`,
  machine_room: `SELECT r.idx, o.name FROM room r JOIN building b ON b.idx = r.building_idx JOIN twin_object o ON o.idx = r.idx WHERE b.park_idx = $1 AND r.use IN ('plant', 'data_center')`,
  lift_car: `SELECT e.idx, o.name FROM equipment e JOIN twin_object o ON o.idx = e.idx WHERE e.park_idx = $1 AND e.type = 'elevator'`,
};
const COVERED: Partial<Record<(typeof COVERAGE)[number], string>> = {
  ground_entrance: `EXISTS (SELECT 1 FROM camera c JOIN equipment e ON e.idx = c.idx WHERE c.coverage = 'ground_entrance' AND e.building_idx = p.idx)`,
  fire_lane: `EXISTS (SELECT 1 FROM camera c JOIN equipment e ON e.idx = c.idx WHERE c.coverage = 'fire_lane' AND e.building_idx = p.idx)`,
  lobby: `EXISTS (SELECT 1 FROM camera c JOIN equipment e ON e.idx = c.idx WHERE c.coverage = 'lobby' AND e.room_idx = p.idx)`,
  canteen: `EXISTS (SELECT 1 FROM camera c JOIN equipment e ON e.idx = c.idx WHERE c.coverage = 'canteen' AND e.room_idx = p.idx)`,
  machine_room: `EXISTS (SELECT 1 FROM camera c JOIN equipment e ON e.idx = c.idx WHERE c.coverage = 'machine_room' AND e.room_idx = p.idx)`,
  lift_car: `EXISTS (SELECT 1 FROM camera c JOIN equipment e ON e.idx = c.idx JOIN equipment l ON l.idx = p.idx
    WHERE c.coverage = 'lift_car' AND ST_DWithin(ST_Force2D(e.position)::geography, ST_Force2D(l.position)::geography, 5))`,
};
const PERIMETER_GAPS = `
  WITH pts AS (
    SELECT z.idx, o.name, (ST_DumpPoints(ST_Segmentize(ST_ExteriorRing(z.boundary)::geography, 25)::geometry)).geom AS g
    FROM zone z JOIN twin_object o ON o.idx = z.idx WHERE z.park_idx = $1 AND z.zone_type = 'perimeter')
  SELECT count(*) AS places,
         count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM camera c JOIN equipment e ON e.idx = c.idx
           WHERE c.coverage = 'perimeter' AND ST_DWithin(ST_Force2D(e.position)::geography, pts.g::geography, c.range_m))) AS missing,
         min(idx) FILTER (WHERE NOT EXISTS (SELECT 1 FROM camera c JOIN equipment e ON e.idx = c.idx
           WHERE c.coverage = 'perimeter' AND ST_DWithin(ST_Force2D(e.position)::geography, pts.g::geography, c.range_m))) AS example,
         min(name) AS name
  FROM pts`;

/** Options of the module (tests shorten the timers). */
export interface VideoModuleOptions {
  readonly settings?: Partial<VideoSettings>;
  /** Clock of the URL expiry (tests move it). */
  readonly now?: () => number;
  /** How often cameras flagged `record` are kept running (default 5 s). */
  readonly recordKeepEveryMs?: number;
}

/** What the module exposes to its tests. */
export interface VideoRuntime {
  readonly gateway: VideoGateway;
  readonly signer: StreamSigner;
  readonly recorder: Recorder | null;
}

const runtimes = new WeakMap<ServerContext, VideoRuntime>();

/** The running gateway of a server (tests). */
export function videoRuntime(sc: ServerContext): VideoRuntime | undefined {
  return runtimes.get(sc);
}

/** Answers a 5xx refusal as the error middleware would answer a 4xx (it turns thrown 5xx into 500). */
function refuse(ctx: TwinContext, err: VideoError): void {
  if (err.status < 500) ctx.throw(err.status, err.message);
  if (err.retryAfterS) ctx.set('Retry-After', String(err.retryAfterS));
  ctx.status = err.status;
  ctx.body = { error: { status: err.status, message: err.message, requestId: ctx.state.requestId } };
}

const actorOf = (p: Principal) => ({ kind: p.kind, id: p.id, name: p.name });

/** Builds the video module. */
export function videoModule(opts: VideoModuleOptions = {}): TwinModule {
  let gateway: VideoGateway | undefined;
  let signer: StreamSigner | undefined;
  let recorder: Recorder | null = null;
  let unsubscribe: (() => void) | undefined;
  const now = opts.now ?? Date.now;
  /** Last audited refusal per (session, camera, reason): one row a minute, a polling player cannot flood the trail. */
  const refusals = new Map<string, number>();

  const rt = (): { gateway: VideoGateway; signer: StreamSigner } => {
    if (!gateway || !signer) throw new Error('video module not initialized');
    return { gateway, signer };
  };

  async function cameraOf(sc: ServerContext, ctx: TwinContext, idx: number): Promise<CameraRow> {
    const r = await sc.db.query<CameraRow>(`${CAMERA_SQL} WHERE c.idx = $1`, [idx]);
    const cam = r.rows[0];
    if (!cam) ctx.throw(404, `no camera ${idx}`);
    return cam;
  }

  const specOf = (cam: CameraRow): SourceSpec | null => {
    if (!cam.source_kind) return null;
    if (cam.source_kind === 'simulated') return { kind: 'simulated', label: `CAM ${cam.idx} ${cam.code}` };
    return { kind: cam.source_kind, url: cam.url!, transcode: cam.transcode ?? false };
  };

  return {
    name: 'video',
    migrations: path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations'),
    permissions: [
      { permission: 'video:configure', summary: 'Set where a camera\'s video comes from (RTSP / HLS URL or simulated)', roles: ['system_admin'] },
    ],

    async initialize(sc) {
      const settings = videoSettings(process.env, opts.settings);
      if (settings.recordHours > 0) {
        const dataDir = sc.config.db.backend === 'pglite' ? sc.config.db.dataDir : (process.env.TWIN_DATA_DIR ?? './.twin-data');
        const dir = settings.recordDir ?? path.resolve(dataDir, 'video-recordings');
        await fs.mkdir(dir, { recursive: true });
        recorder = new Recorder(dir, settings.recordHours, settings.recordMaxBytes, sc.log);
      }
      gateway = new VideoGateway(settings, sc.log, Date.now, recorder);
      signer = new StreamSigner();
      await gateway.init();
      runtimes.set(sc, { gateway, signer, recorder });
      // A session that ends (logout, revocation, expiry) stops counting as a viewer at once.
      unsubscribe = authService(sc).onSessionEnded((sessionId) => gateway?.leave(null, sessionId));
      sc.log.info({ dir: settings.dir, maxTranscodes: settings.maxTranscodes }, 'video gateway ready');
    },

    async finalize() {
      unsubscribe?.();
      await gateway?.close();
      gateway = undefined;
    },

    // Rolling recording: retention by age and by total size, every minute.
    // Cameras flagged `record` are kept running (and so recorded) by a built-in viewer; unflagged ones are let go.
    jobs: (sc) => [
      { name: 'recordings', everyMs: 60_000, run: async () => { await recorder?.prune(Date.now()); } },
      {
        name: 'recorded-cameras', everyMs: opts.recordKeepEveryMs ?? 5000,
        run: async () => {
          if (!recorder || !gateway) return;
          const g = gateway;
          const flagged = (await sc.db.query<CameraRow>(`${CAMERA_SQL} WHERE s.record`)).rows;
          const want = new Set(flagged.map((c) => c.idx));
          for (const c of g.recorded()) if (!want.has(c)) g.leave(c, RECORDER_VIEWER);
          for (const cam of flagged) {
            const spec = specOf(cam);
            if (!spec) continue;
            try {
              await g.watch(cam.idx, RECORDER_VIEWER, spec);
            } catch (err) {
              const key = `recorder|${cam.idx}|${(err as Error).message}`;
              if (!refusals.has(key)) sc.log.warn({ camera: cam.idx, code: cam.code, err: (err as Error).message }, 'video: a camera flagged for recording could not be kept running');
              refusals.set(key, now());
            }
          }
        },
      },
    ],

    async seed(sc, { parkIdx }) {
      // Every camera of the sample park gets a simulated source (a test pattern with its code and the time).
      await sc.db.query(
        `INSERT INTO video_source (camera_idx, source_kind)
         SELECT c.idx, 'simulated' FROM camera c JOIN equipment e ON e.idx = c.idx WHERE e.park_idx = $1
         ON CONFLICT (camera_idx) DO NOTHING`,
        [parkIdx],
      );
    },

    routes: (sc) => [
      {
        method: 'GET', path: '/api/video/cameras', permission: 'security:read',
        summary: 'Cameras (filter by park, coverage category, code or name) with their video source and whether they are live',
        query: listQuery, response: listSchema,
        async handler(ctx) {
          const q = queryOf(ctx, listQuery);
          const where: string[] = [];
          const args: unknown[] = [];
          if (q.park) where.push(`p.code = $${args.push(q.park)}`);
          if (q.coverage) where.push(`c.coverage = $${args.push(q.coverage)}`);
          if (q.q) where.push(`(e.code ILIKE $${args.push(`%${q.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`)} OR o.name ILIKE $${args.length})`);
          const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
          const total = await sc.db.query<{ n: string }>(`SELECT count(*) AS n FROM (${CAMERA_SQL} ${w}) x`, args);
          const rows = await sc.db.query<CameraRow>(`${CAMERA_SQL} ${w} ORDER BY e.code, e.idx LIMIT $${args.push(q.limit)}`, args);
          const live = new Set(rt().gateway.status().filter((t) => t.state === 'live').map((t) => t.camera));
          ctx.body = {
            total: Number(total.rows[0]!.n),
            cameras: rows.rows.map((c) => ({
              idx: c.idx, code: c.code, name: c.name, nameEn: c.name_en, coverage: c.coverage, park: c.park, building: c.building_idx,
              source: c.source_kind, live: live.has(c.idx),
            })),
          };
        },
      },
      {
        method: 'POST', path: '/api/video/cameras/:idx/watch', permission: 'security:read',
        summary: 'Watch a camera: starts its stream when needed and answers a short-lived signed playlist URL bound to this session (call again to renew)',
        params: idxParams, response: watchSchema, errors: [404, 409, 502, 503, 504],
        async handler(ctx) {
          const { idx } = paramsOf(ctx, idxParams);
          const p = ctx.state.principal!;
          const cam = await cameraOf(sc, ctx, idx);
          const spec = specOf(cam);
          if (!spec) return ctx.throw(409, `camera ${cam.code} has no video source configured`);
          const { gateway: g, signer: s } = rt();
          let newViewer: boolean;
          try {
            ({ newViewer } = await g.watch(idx, p.sessionId, spec));
          } catch (err) {
            if (!(err instanceof VideoError)) throw err;
            sc.log.warn({ camera: idx, code: cam.code, status: err.status, reason: err.code, message: err.message, requestId: ctx.state.requestId }, 'video: watch refused');
            await authService(sc).audit({ action: 'video.view', outcome: 'failure', actor: actorOf(p), object: `camera:${idx}`, source: ctx.ip, detail: { code: cam.code, reason: err.code } });
            return refuse(ctx, err);
          }
          if (newViewer) {
            await authService(sc).audit({ action: 'video.view', outcome: 'success', actor: actorOf(p), object: `camera:${idx}`, source: ctx.ip, detail: { code: cam.code, source: cam.source_kind } });
          }
          const ttl = g.settings.urlTtlMs;
          const exp = now() + ttl;
          const token = s.sign(idx, p.sessionId, exp);
          ctx.body = {
            camera: idx, code: cam.code, url: `/api/video/live/${idx}/${token}/index.m3u8`,
            expiresAt: new Date(Math.ceil(exp / 1000) * 1000).toISOString(), ttlS: Math.round(ttl / 1000), renewInS: Math.max(5, Math.round(ttl / 2000)),
          };
        },
      },
      {
        method: 'DELETE', path: '/api/video/cameras/:idx/watch', permission: 'security:read',
        summary: 'Stop watching a camera (its stream stops a short while after the last viewer left)',
        params: idxParams, errors: [404],
        async handler(ctx) {
          const { idx } = paramsOf(ctx, idxParams);
          rt().gateway.leave(idx, ctx.state.principal!.sessionId);
          ctx.status = 204;
        },
      },
      {
        method: 'GET', path: '/api/video/live/:idx/:token/:file', permission: 'security:read',
        summary: 'A live stream\'s HLS playlist (index.m3u8) or segment (seg-NNNNN.ts), behind a signed URL of this session',
        params: liveParams, produces: 'application/vnd.apple.mpegurl', errors: [403, 404, 409, 410],
        async handler(ctx) {
          const { idx, token, file } = paramsOf(ctx, liveParams);
          const p = ctx.state.principal!;
          const { gateway: g, signer: s } = rt();
          const check = s.verify(token, idx, p.sessionId, now());
          if (check !== 'ok') {
            const key = `${p.sessionId}|${idx}|${check}`;
            const last = refusals.get(key);
            if (last === undefined || now() - last > 60_000) {
              refusals.set(key, now());
              if (refusals.size > 10_000) refusals.clear();
              await authService(sc).audit({ action: 'video.denied', outcome: 'denied', actor: actorOf(p), object: `camera:${idx}`, source: ctx.ip, detail: { reason: check, file } });
            }
            sc.log.info({ camera: idx, reason: check, user: p.name, requestId: ctx.state.requestId }, 'video: stream URL refused');
            if (check === 'expired') ctx.throw(410, 'this stream URL has expired; ask for a new one');
            ctx.throw(403, 'this stream URL is not valid for this camera and session');
          }
          if (!g.touch(idx, p.sessionId)) {
            const failed = g.failureOf(idx);
            if (failed) return refuse(ctx, new VideoError(502, 'source-down', failed));
            ctx.throw(409, 'this stream is not running; watch the camera again');
          }
          const abs = g.fileOf(idx, file)!;
          const data = await fs.readFile(abs).catch(() => null);
          if (!data) ctx.throw(404, 'this segment is no longer available');
          ctx.set('Cache-Control', 'no-store');
          ctx.type = file.endsWith('.m3u8') ? 'application/vnd.apple.mpegurl' : 'video/mp2t';
          ctx.body = data;
        },
      },
      {
        method: 'GET', path: '/api/video/cameras/seeing', permission: 'security:read',
        summary: 'The nearest cameras that see a spot (an alarm, a twin object, or lon/lat): within range and field of view, indoor ones on the same floor',
        query: seeingQuery, response: seeingSchema, errors: [404],
        async handler(ctx) {
          const q = queryOf(ctx, seeingQuery);
          let spot: { lon: number; lat: number; floor: number | null; raisedAt: string | null };
          if (q.lon !== undefined && q.lat !== undefined) spot = { lon: q.lon, lat: q.lat, floor: null, raisedAt: null };
          else {
            let idx = q.idx;
            let raisedAt: string | null = null;
            if (q.alarm !== undefined) {
              const a = await sc.db.query<{ idx: number; raised_at: Date }>('SELECT idx, raised_at FROM alarm WHERE id = $1', [q.alarm]);
              const alarm = a.rows[0];
              if (!alarm) return ctx.throw(404, `no alarm ${q.alarm}`);
              idx = alarm.idx;
              raisedAt = new Date(alarm.raised_at).toISOString();
            }
            const r = await sc.db.query<{ lon: number; lat: number; floor_idx: number | null }>(SPOT_SQL, [idx]);
            const row = r.rows[0];
            if (!row) return ctx.throw(404, `object ${idx} has no position`);
            spot = { lon: Number(row.lon), lat: Number(row.lat), floor: row.floor_idx, raisedAt };
          }
          const rows = await sc.db.query<{ idx: number; code: string; name: string; name_en: string | null; coverage: (typeof COVERAGE)[number]; dist: number; bearing: number | null; source_kind: CameraRow['source_kind'] }>(
            SEEING_SQL, [spot.lon, spot.lat, spot.floor, q.limit]);
          const live = new Set(rt().gateway.status().filter((t) => t.state === 'live').map((t) => t.camera));
          ctx.body = {
            spot,
            cameras: rows.rows.map((c) => ({
              idx: c.idx, code: c.code, name: c.name, nameEn: c.name_en, coverage: c.coverage,
              distanceM: Math.round(Number(c.dist) * 10) / 10, bearingDeg: c.bearing === null ? null : Math.round(Number(c.bearing) * 10) / 10,
              source: c.source_kind, live: live.has(c.idx),
            })),
          };
        },
      },
      {
        method: 'POST', path: '/api/video/cameras/:idx/replay', permission: 'security:read',
        summary: 'Replay a camera\'s rolling recording from a time (e.g. a few seconds before an alarm): a signed VOD playlist URL bound to this session',
        params: idxParams, body: replayBody, response: replaySchema, errors: [404, 409],
        async handler(ctx) {
          const { idx } = paramsOf(ctx, idxParams);
          const b = bodyOf(ctx, replayBody);
          const p = ctx.state.principal!;
          const cam = await cameraOf(sc, ctx, idx);
          if (!recorder) return ctx.throw(409, 'recording is switched off (TWIN_VIDEO_RECORD_HOURS=0)');
          const from = Date.parse(b.from);
          const to = from + b.seconds * 1000;
          const segs = await recorder.segments(idx, from, to);
          if (segs.length === 0) ctx.throw(404, `no recording of camera ${cam.code} from ${new Date(from).toISOString()}`);
          await authService(sc).audit({ action: 'video.replay', outcome: 'success', actor: actorOf(p), object: `camera:${idx}`, source: ctx.ip, detail: { code: cam.code, from: new Date(from).toISOString(), seconds: b.seconds } });
          const token = rt().signer.sign(idx, p.sessionId, now() + rt().gateway.settings.urlTtlMs + b.seconds * 1000);
          ctx.body = {
            camera: idx, url: `/api/video/rec/${idx}/${token}/play-${from}-${to}.m3u8`, from: new Date(from).toISOString(), to: new Date(to).toISOString(),
            startsAt: new Date(segs[0]!.startMs).toISOString(), segments: segs.length,
          };
        },
      },
      {
        method: 'GET', path: '/api/video/rec/:idx/:token/:file', permission: 'security:read',
        summary: 'A replay\'s VOD playlist (play-FROM-TO.m3u8) or recorded segment, behind a signed URL of this session',
        params: recParams, produces: 'application/vnd.apple.mpegurl', errors: [403, 404, 409, 410],
        async handler(ctx) {
          const { idx, token, file } = paramsOf(ctx, recParams);
          const p = ctx.state.principal!;
          const check = rt().signer.verify(token, idx, p.sessionId, now());
          if (check !== 'ok') {
            const key = `${p.sessionId}|${idx}|rec-${check}`;
            const last = refusals.get(key);
            if (last === undefined || now() - last > 60_000) {
              refusals.set(key, now());
              await authService(sc).audit({ action: 'video.denied', outcome: 'denied', actor: actorOf(p), object: `camera:${idx}`, source: ctx.ip, detail: { reason: check, file } });
            }
            if (check === 'expired') ctx.throw(410, 'this replay URL has expired; ask for a new one');
            ctx.throw(403, 'this replay URL is not valid for this camera and session');
          }
          if (!recorder) return ctx.throw(409, 'recording is switched off');
          ctx.set('Cache-Control', 'no-store');
          const play = /^play-(\d{13})-(\d{13})\.m3u8$/.exec(file);
          if (play) {
            const segs = await recorder.segments(idx, Number(play[1]), Number(play[2]));
            if (segs.length === 0) ctx.throw(404, 'no recording in this window');
            ctx.type = 'application/vnd.apple.mpegurl';
            ctx.body = replayPlaylist(segs);
            return;
          }
          const abs = REC_SEGMENT_RE.test(file) ? recorder.fileOf(idx, file) : null;
          const data = abs ? await fs.readFile(abs).catch(() => null) : null;
          if (!data) ctx.throw(404, 'this recorded segment is no longer kept');
          ctx.type = 'video/mp2t';
          ctx.body = data;
        },
      },
      {
        method: 'GET', path: '/api/video/frustums', permission: 'security:read',
        summary: 'Every camera of a park with its position in the tiles\' park metres (east, north, up), heading, field of view and range: the 3D frustums',
        query: coverageQuery, response: frustumSchema, errors: [404],
        async handler(ctx) {
          const { park } = queryOf(ctx, coverageQuery);
          const pr = await sc.db.query<{ idx: number; lon: number; lat: number; h: number }>(
            'SELECT idx, ST_X(origin) AS lon, ST_Y(origin) AS lat, ST_Z(origin) AS h FROM park WHERE code = $1', [park]);
          const p = pr.rows[0];
          if (!p) return ctx.throw(404, `no park ${park}`);
          const project = enuFrame(Number(p.lon), Number(p.lat), Number(p.h)).projector();
          const rows = await sc.db.query<{ idx: number; code: string; coverage: (typeof COVERAGE)[number]; lon: number; lat: number; z: number; heading: number; fov_deg: number; range_m: number; building_idx: number | null; floor_idx: number | null; source_kind: CameraRow['source_kind'] }>(
            `SELECT c.idx, e.code, c.coverage, ST_X(e.position) AS lon, ST_Y(e.position) AS lat, COALESCE(ST_Z(e.position), 0) AS z, e.heading, c.fov_deg, c.range_m,
                    e.building_idx, e.floor_idx, s.source_kind
             FROM camera c JOIN equipment e ON e.idx = c.idx LEFT JOIN video_source s ON s.camera_idx = c.idx
             WHERE e.park_idx = $1 ORDER BY c.idx`, [p.idx]);
          const r2 = (v: number) => Math.round(v * 100) / 100;
          ctx.body = {
            park,
            cameras: rows.rows.map((c) => {
              const [east, north] = project(Number(c.lon), Number(c.lat));
              return {
                idx: c.idx, code: c.code, coverage: c.coverage, east: r2(east), north: r2(north), up: r2(Number(c.z)), heading: Number(c.heading),
                fovDeg: Number(c.fov_deg), rangeM: Number(c.range_m), building: c.building_idx, floor: c.floor_idx, source: c.source_kind,
              };
            }),
          };
        },
      },
      {
        method: 'GET', path: '/api/video/coverage', permission: 'security:read',
        summary: 'G5 video coverage check of a park: per coverage category, the places that need a camera, how many lack one (with examples) and the cameras',
        query: coverageQuery, response: coverageSchema, errors: [404],
        async handler(ctx) {
          const { park } = queryOf(ctx, coverageQuery);
          const pr = await sc.db.query<{ idx: number }>('SELECT idx FROM park WHERE code = $1', [park]);
          const parkIdx = pr.rows[0]?.idx;
          if (parkIdx === undefined) return ctx.throw(404, `no park ${park}`);
          const counts = new Map((await sc.db.query<{ coverage: string; n: string }>(
            'SELECT c.coverage, count(*) AS n FROM camera c JOIN equipment e ON e.idx = c.idx WHERE e.park_idx = $1 GROUP BY c.coverage', [parkIdx])).rows.map((r) => [r.coverage, Number(r.n)]));
          const categories = [];
          for (const category of COVERAGE) {
            const places = COVERAGE_CHECKS[category];
            const cameras = counts.get(category) ?? 0;
            if (places) {
              const total = await sc.db.query<{ n: string }>(`SELECT count(*) AS n FROM (${places}) p`, [parkIdx]);
              const missing = await sc.db.query<{ idx: number; name: string }>(`SELECT p.idx, p.name FROM (${places}) p WHERE NOT ${COVERED[category]!} ORDER BY p.idx`, [parkIdx]);
              categories.push({ category, places: Number(total.rows[0]!.n), missing: missing.rows.length, cameras, examples: missing.rows.slice(0, 20) });
            } else if (category === 'perimeter') {
              const g = (await sc.db.query<{ places: string; missing: string; example: number | null; name: string | null }>(PERIMETER_GAPS, [parkIdx])).rows[0]!;
              categories.push({ category, places: Number(g.places), missing: Number(g.missing), cameras, examples: g.example !== null && Number(g.missing) > 0 ? [{ idx: g.example, name: g.name ?? '' }] : [] });
            } else {
              categories.push({ category, places: null, missing: null, cameras, examples: [] });
            }
          }
          ctx.body = { park, categories };
        },
      },
      {
        method: 'PUT', path: '/api/video/cameras/:idx/source', permission: 'video:configure',
        summary: 'Set a camera\'s video source: an RTSP or HLS URL, simulated, or none',
        params: idxParams, body: sourceBody, response: sourceSchema, errors: [404],
        async handler(ctx) {
          const { idx } = paramsOf(ctx, idxParams);
          const b = bodyOf(ctx, sourceBody);
          const cam = await cameraOf(sc, ctx, idx);
          if (b.kind !== 'simulated' && b.kind !== 'none') {
            let scheme = '';
            try {
              scheme = new URL(b.url).protocol;
            } catch {
              ctx.throw(400, 'url is not a valid URL');
            }
            const ok = b.kind === 'rtsp' ? ['rtsp:', 'rtsps:'] : ['http:', 'https:'];
            if (!ok.includes(scheme)) ctx.throw(400, `a ${b.kind} source needs a ${ok.map((x) => `${x}//`).join(' or ')} URL`);
          }
          if (b.kind === 'none') await sc.db.query('DELETE FROM video_source WHERE camera_idx = $1', [idx]);
          else {
            await sc.db.query(
              `INSERT INTO video_source (camera_idx, source_kind, url, transcode, record, updated_at) VALUES ($1, $2, $3, $4, $5, now())
               ON CONFLICT (camera_idx) DO UPDATE SET source_kind = EXCLUDED.source_kind, url = EXCLUDED.url, transcode = EXCLUDED.transcode,
                 record = EXCLUDED.record, updated_at = now()`,
              [idx, b.kind, b.kind === 'simulated' ? null : b.url, b.kind === 'simulated' ? false : (b.transcode ?? false), b.record ?? false],
            );
          }
          // The running stream (if any) restarts from the new source at the next watch.
          await rt().gateway.stop(idx, 'source changed');
          const url = b.kind === 'rtsp' || b.kind === 'hls' ? maskUrl(b.url) : null;
          await authService(sc).audit({ action: 'video.source.set', outcome: 'success', actor: actorOf(ctx.state.principal!), object: `camera:${idx}`, source: ctx.ip, detail: { code: cam.code, kind: b.kind, url } });
          const after = await cameraOf(sc, ctx, idx);
          ctx.body = { camera: idx, source: after.source_kind, url: after.url ? maskUrl(after.url) : null, transcode: after.transcode ?? false, record: after.record ?? false };
        },
      },
      {
        method: 'GET', path: '/api/video/status', permission: 'security:read',
        summary: 'Running video transcoders, their viewers and the cap',
        response: statusSchema,
        handler(ctx) {
          const g = rt().gateway;
          const transcoders = g.status();
          ctx.body = { maxTranscodes: g.settings.maxTranscodes, running: transcoders.length, transcoders, ...g.stats };
        },
      },
    ],
  };
}
