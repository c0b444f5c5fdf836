/**
 * Settings of the video gateway, read from the environment once at start (docs/video.md). Invalid
 * values stop the server with one line per problem, like the core settings.
 */
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

const int = (min: number, max: number) => z.coerce.number({ error: 'expected a number' }).int('expected a whole number').min(min, `at least ${min}`).max(max, `at most ${max}`);

const envSchema = z.object({
  TWIN_VIDEO_FFMPEG: z.string().min(1).default('ffmpeg'),
  TWIN_VIDEO_DIR: z.string().min(1).optional(),
  TWIN_VIDEO_MAX_TRANSCODES: int(1, 256).default(10),
  TWIN_VIDEO_IDLE_STOP_S: int(1, 3600).default(15),
  TWIN_VIDEO_VIEWER_TIMEOUT_S: int(2, 600).default(12),
  TWIN_VIDEO_URL_TTL_S: int(10, 3600).default(60),
  TWIN_VIDEO_START_TIMEOUT_S: int(2, 120).default(12),
  TWIN_VIDEO_SEGMENT_S: int(1, 10).default(2),
  TWIN_VIDEO_SIM_SIZE: z.string().regex(/^\d{2,4}x\d{2,4}$/, 'expected WIDTHxHEIGHT, e.g. 320x180').default('320x180'),
  TWIN_VIDEO_SIM_FPS: int(1, 30).default(10),
  TWIN_VIDEO_RECORD_HOURS: int(0, 720).default(24),
  TWIN_VIDEO_RECORD_MAX_MB: int(10, 10_000_000).default(4096),
  TWIN_VIDEO_RECORD_DIR: z.string().min(1).regex(/^[^:|[\]\\']+$/, 'a folder path without : | [ ] \\ or quotes').optional(),
});

/** The gateway's settings (all durations in milliseconds). */
export interface VideoSettings {
  /** ffmpeg executable (on PATH or absolute). */
  readonly ffmpeg: string;
  /** Working folder of the live playlists and segments: a `p<pid>` folder per server process, one subfolder per camera. */
  readonly dir: string;
  /** Concurrent ffmpeg processes at most; the next stream is refused with 503. */
  readonly maxTranscodes: number;
  /** A transcoder with no viewer is stopped after this long. */
  readonly idleStopMs: number;
  /** A viewer that fetched nothing for this long has left. */
  readonly viewerTimeoutMs: number;
  /** Lifetime of a signed stream URL. */
  readonly urlTtlMs: number;
  /** How long a watch request waits for the first segment before it answers 504. */
  readonly startTimeoutMs: number;
  /** HLS segment length in seconds (latency is about three segments). */
  readonly segmentS: number;
  /** Simulated cameras: picture size and frame rate. */
  readonly simWidth: number;
  readonly simHeight: number;
  readonly simFps: number;
  /** Rolling recording: hours kept (0: no recording). */
  readonly recordHours: number;
  /** Rolling recording: bytes kept at most over all cameras (oldest deleted first). */
  readonly recordMaxBytes: number;
  /** Rolling recording: folder (`<camera>/<run start ms>/NNNNNN.ts` + list.csv); null: `<data dir>/video-recordings`. */
  readonly recordDir: string | null;
  /** Start ffmpeg under `setpriv --pdeathsig KILL` so it dies with the server (default; false only in the test that shows why). */
  readonly parentDeathGuard?: boolean;
}

/** Reads the settings from `env`; throws one line per invalid variable. `overrides` win (tests). */
export function videoSettings(env: NodeJS.ProcessEnv = process.env, overrides: Partial<VideoSettings> = {}): VideoSettings {
  const r = envSchema.safeParse(env);
  if (!r.success) {
    throw new Error(r.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`).join('\n'));
  }
  const e = r.data;
  const [w, h] = e.TWIN_VIDEO_SIM_SIZE.split('x').map(Number) as [number, number];
  return {
    ffmpeg: e.TWIN_VIDEO_FFMPEG,
    dir: path.resolve(e.TWIN_VIDEO_DIR ?? path.join(os.tmpdir(), 'park-twin-video')),
    maxTranscodes: e.TWIN_VIDEO_MAX_TRANSCODES,
    idleStopMs: e.TWIN_VIDEO_IDLE_STOP_S * 1000,
    viewerTimeoutMs: e.TWIN_VIDEO_VIEWER_TIMEOUT_S * 1000,
    urlTtlMs: e.TWIN_VIDEO_URL_TTL_S * 1000,
    startTimeoutMs: e.TWIN_VIDEO_START_TIMEOUT_S * 1000,
    segmentS: e.TWIN_VIDEO_SEGMENT_S,
    simWidth: w - (w % 2),
    simHeight: h - (h % 2),
    simFps: e.TWIN_VIDEO_SIM_FPS,
    recordHours: e.TWIN_VIDEO_RECORD_HOURS,
    recordMaxBytes: e.TWIN_VIDEO_RECORD_MAX_MB * 1024 * 1024,
    recordDir: e.TWIN_VIDEO_RECORD_DIR ? path.resolve(e.TWIN_VIDEO_RECORD_DIR) : null,
    ...overrides,
  };
}
