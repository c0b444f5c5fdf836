/**
 * The video gateway: one ffmpeg process per watched camera turns its source (RTSP, HLS or a
 * simulated test pattern) into HLS segments in `<dir>/<camera>/`. Started when the first viewer
 * watches, kept while viewers fetch, stopped `idleStopMs` after the last one left; at most
 * `maxTranscodes` run at once. Errors carry an HTTP status and a message for the panel.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../../log.ts';
import type { VideoSettings } from './settings.ts';
import type { Recorder } from './recorder.ts';

/** The bundled font drawtext uses (no system fonts needed). */
export const FONT_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'assets', 'DejaVuSansMono.ttf');

/** Where a camera's picture comes from. */
export type SourceSpec =
  | { readonly kind: 'simulated'; readonly label: string }
  | { readonly kind: 'rtsp' | 'hls'; readonly url: string; readonly transcode: boolean };

/** A refusal of the gateway: HTTP status, stable code and a message a person can act on. */
export class VideoError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly retryAfterS?: number) {
    super(message);
  }
}

type State = 'starting' | 'live' | 'failed' | 'stopping';

interface Transcode {
  readonly camera: number;
  readonly dir: string;
  readonly proc: ChildProcess;
  readonly startedAt: number;
  state: State;
  /** Viewer key (session id) -> last activity. */
  readonly viewers: Map<string, number>;
  /** When the last viewer left, or null while someone watches. */
  idleSince: number | null;
  readonly stderr: string[];
  /** Resolves once ffmpeg exited, its folder is removed and it left the table. */
  readonly exited: Promise<number | null>;
  ready: Promise<void>;
}

/** One running transcoder as the status route shows it. */
export interface TranscodeStatus {
  readonly camera: number;
  readonly state: State;
  readonly viewers: number;
  readonly pid: number | null;
  readonly startedAt: string;
}

/** The viewer key that keeps a camera flagged `record` running while nobody watches. */
export const RECORDER_VIEWER = '@recorder';

/** Hides the password of a URL's userinfo (logs, API answers). */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(invalid url)';
  }
}

/** Length of the first live segments (seconds): the time to first frame. */
export const INIT_SEGMENT_S = 0.5;

const escFilter = (s: string) => s.replace(/[\\:',;[\]=]/g, (c) => `\\${c}`);

/**
 * The drawtext filter of a simulated camera's name line: white DejaVu Sans Mono (bundled) on an
 * opaque black box at the top left, so the name's pixels do not depend on the picture behind it
 * and a test can compare them with a reference render of the same line (video.browser.test.ts).
 */
export function labelFilter(simHeight: number, textfile: string): string {
  const size = Math.max(10, Math.round(simHeight / 12));
  return `drawtext=fontfile=${escFilter(FONT_FILE)}:textfile=${escFilter(textfile)}:x=6:y=6:fontsize=${size}:fontcolor=white:box=1:boxcolor=black:boxborderw=3`;
}

/**
 * The command prefix that makes ffmpeg die with the server process: util-linux `setpriv
 * --pdeathsig KILL` asks the kernel to SIGKILL the child when its parent dies, even by SIGKILL
 * (no shutdown handler runs then), before it execs ffmpeg. Null when `setpriv` lacks the option
 * (util-linux before 2.33): then only the next start's sweep of orphans cleans up.
 */
let deathGuard: string[] | null | undefined;
export function parentDeathGuard(): string[] | null {
  if (deathGuard !== undefined) return deathGuard;
  try {
    const help = execFileSync('setpriv', ['--help'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 });
    deathGuard = help.includes('--pdeathsig') ? ['setpriv', '--pdeathsig', 'KILL', '--'] : null;
  } catch {
    deathGuard = null;
  }
  return deathGuard;
}

/** The ffmpeg command line of one camera (exported for the docs and tests). */
export function ffmpegArgs(s: VideoSettings, src: SourceSpec, dir: string, recDir: string | null = null): string[] {
  const seg = s.segmentS;
  const flags = 'delete_segments+independent_segments+omit_endlist+program_date_time';
  // With a recording, one encode feeds two muxers (tee): the live HLS and the recorded segments.
  // The first segments are short (INIT_SEGMENT_S, cut at the next key frame after it): a viewer
  // gets the first picture after about half a second of video instead of a whole segment.
  const out = recDir
    ? ['-an', '-map', '0:v', '-f', 'tee', [
      `[f=hls:hls_time=${seg}:hls_init_time=${INIT_SEGMENT_S}:hls_list_size=6:hls_flags=${flags}:hls_segment_filename=${path.join(dir, 'seg-%05d.ts')}]${path.join(dir, 'index.m3u8')}`,
      `[f=segment:segment_time=${seg}:segment_format=mpegts:segment_list=${path.join(recDir, 'list.csv')}:segment_list_type=csv:segment_list_flags=+live]${path.join(recDir, '%06d.ts')}`,
    ].join('|')]
    : [
      '-an', '-f', 'hls', '-hls_time', String(seg), '-hls_init_time', String(INIT_SEGMENT_S), '-hls_list_size', '6', '-hls_flags', flags,
      '-hls_segment_filename', path.join(dir, 'seg-%05d.ts'), path.join(dir, 'index.m3u8'),
    ];
  const x264 = (fps: number | null) => [
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p',
    // Key frames every segment; in the first segment's time also every INIT_SEGMENT_S, so the short first segments can be cut.
    ...(fps
      ? ['-g', String(fps * seg), '-keyint_min', String(fps * seg), '-sc_threshold', '0', '-force_key_frames', `expr:if(lt(t,${seg}),gte(t,n_forced*${INIT_SEGMENT_S}),0)`]
      : ['-force_key_frames', `expr:gte(t,n_forced*${seg})`]),
  ];
  const head = ['-hide_banner', '-nostdin', '-loglevel', 'error'];
  if (src.kind === 'simulated') {
    const font = escFilter(FONT_FILE);
    const vf = [
      labelFilter(s.simHeight, path.join(dir, 'label.txt')),
      `drawtext=fontfile=${font}:text=%{gmtime} UTC:x=6:y=h-th-8:fontsize=${Math.max(9, Math.round(s.simHeight / 14))}:fontcolor=white:box=1:boxcolor=black@0.65:boxborderw=3`,
    ].join(',');
    return [
      ...head, '-re', '-f', 'lavfi', '-i', `testsrc2=size=${s.simWidth}x${s.simHeight}:rate=${s.simFps}`,
      '-vf', vf, ...x264(s.simFps), '-b:v', '150k', ...out,
    ];
  }
  const input = src.kind === 'rtsp'
    ? ['-rtsp_transport', 'tcp', '-timeout', '5000000', '-i', src.url]
    : ['-rw_timeout', '5000000', '-i', src.url];
  return [...head, ...input, ...(src.transcode ? [...x264(null), '-b:v', '800k'] : ['-c:v', 'copy']), ...out];
}

/** Whether a process id is alive. */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The gateway of one server process. */
export class VideoGateway {
  readonly #t = new Map<number, Transcode>();
  /** Starts under way (their slot is taken). */
  readonly #pending = new Map<number, Promise<Transcode>>();
  /** Recent failures per camera: a dead source is not restarted on every click. */
  readonly #failed = new Map<number, { at: number; message: string }>();
  #sweeper: NodeJS.Timeout | null = null;
  /** Counters for tests and the status route. */
  readonly stats = { started: 0, stopped: 0, failed: 0 };
  /** Runs started; each run has its own folder, so the cleanup of one never races the start of the next. */
  #runs = 0;

  constructor(readonly settings: VideoSettings, readonly log: Logger, readonly now: () => number = Date.now, readonly recorder: Recorder | null = null) {
    // One folder per gateway (tests run several servers in one process): p<pid>-<random>.
    this.workDir = path.join(settings.dir, `p${process.pid}-${randomBytes(4).toString('hex')}`);
  }

  /** This process's own folder under the settings' folder. */
  readonly workDir: string;

  /**
   * Prepares this process's folder and starts the sweeper. Folders of server processes that are
   * gone (a crash) are removed, and an ffmpeg they left running is killed.
   */
  async init(): Promise<void> {
    await fs.mkdir(this.workDir, { recursive: true });
    for (const name of await fs.readdir(this.settings.dir)) {
      const owner = /^p(\d+)-[0-9a-f]{8}$/.exec(name);
      if (!owner || Number(owner[1]) === process.pid || pidAlive(Number(owner[1]))) continue;
      const procDir = path.join(this.settings.dir, name);
      for (const cam of await fs.readdir(procDir).catch(() => [] as string[])) {
        const dir = path.join(procDir, cam);
        try {
          const pid = Number(readFileSync(path.join(dir, 'ffmpeg.pid'), 'utf8'));
          if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir)) {
            process.kill(pid, 'SIGKILL');
            this.log.warn({ pid, camera: Number.parseInt(cam, 10) }, 'video: killed an ffmpeg left by an earlier server process');
          }
        } catch {
          /* no pid file or no such process */
        }
      }
      await fs.rm(procDir, { recursive: true, force: true });
    }
    this.#sweeper = setInterval(() => void this.sweep(), 1000);
    this.#sweeper.unref();
  }

  /**
   * Registers `viewer` on `camera`, starting its transcoder when none runs, and resolves once the
   * first segment exists. Throws VideoError: 503 at the cap, 502 when the source fails, 504 when
   * it yields nothing within the start timeout. Answers whether this viewer is new on the camera.
   */
  async watch(camera: number, viewer: string, source: SourceSpec): Promise<{ newViewer: boolean }> {
    let t = this.#t.get(camera);
    if (t && (t.state === 'failed' || t.state === 'stopping')) {
      await t.exited;
      t = this.#t.get(camera);
    }
    if (!t) {
      const recent = this.#failed.get(camera);
      if (recent && this.now() - recent.at < 5000) throw new VideoError(502, 'source-down', recent.message);
      // One start per camera at a time: concurrent watchers share it (reserved before any await).
      let pending = this.#pending.get(camera);
      if (!pending) {
        if (this.#t.size + this.#pending.size >= this.settings.maxTranscodes) {
          throw new VideoError(503, 'capacity', `all ${this.settings.maxTranscodes} video transcoder slots are in use; close a stream or try again shortly`, 5);
        }
        pending = this.#start(camera, source).finally(() => this.#pending.delete(camera));
        this.#pending.set(camera, pending);
      }
      t = await pending;
    }
    const newViewer = !t.viewers.has(viewer);
    t.viewers.set(viewer, this.now());
    t.idleSince = null;
    await t.ready;
    return { newViewer };
  }

  /** Marks `viewer` active on `camera`; false when no transcoder runs for it. */
  touch(camera: number, viewer: string): boolean {
    const t = this.#t.get(camera);
    if (!t || t.state !== 'live') return false;
    t.viewers.set(viewer, this.now());
    t.idleSince = null;
    return true;
  }

  /** `viewer` stopped watching `camera` (or every camera when `camera` is null). */
  leave(camera: number | null, viewer: string): void {
    for (const t of this.#t.values()) {
      if (camera !== null && t.camera !== camera) continue;
      if (t.viewers.delete(viewer) && t.viewers.size === 0) t.idleSince = this.now();
    }
  }

  /** The absolute path of a live file of `camera`, or null when it does not run. */
  fileOf(camera: number, file: string): string | null {
    const t = this.#t.get(camera);
    return t && t.state === 'live' ? path.join(t.dir, file) : null;
  }

  /** The last error of a camera whose transcoder failed recently, or null. */
  failureOf(camera: number): string | null {
    return this.#failed.get(camera)?.message ?? null;
  }

  /** Cameras the recorder viewer keeps running. */
  recorded(): number[] {
    return [...this.#t.values()].filter((t) => t.viewers.has(RECORDER_VIEWER)).map((t) => t.camera);
  }

  /** Running transcoders. */
  status(): TranscodeStatus[] {
    return [...this.#t.values()].map((t) => ({
      camera: t.camera, state: t.state, viewers: t.viewers.size, pid: t.proc.pid ?? null, startedAt: new Date(t.startedAt).toISOString(),
    }));
  }

  /** Drops viewers that went quiet and stops transcoders idle for `idleStopMs`. */
  async sweep(): Promise<void> {
    const now = this.now();
    for (const t of [...this.#t.values()]) {
      if (t.state !== 'live') continue;
      for (const [v, at] of t.viewers) if (v !== RECORDER_VIEWER && now - at > this.settings.viewerTimeoutMs) t.viewers.delete(v);
      if (t.viewers.size === 0) {
        t.idleSince ??= now;
        if (now - t.idleSince >= this.settings.idleStopMs) await this.stop(t.camera, 'idle');
      }
    }
  }

  /** Stops a camera's transcoder and removes its files. */
  async stop(camera: number, reason: string): Promise<void> {
    const t = this.#t.get(camera);
    if (!t) return;
    if (t.state !== 'failed') t.state = 'stopping';
    if (t.proc.exitCode === null && t.proc.signalCode === null) {
      t.proc.kill('SIGTERM');
      const killer = setTimeout(() => t.proc.kill('SIGKILL'), 2000);
      await t.exited;
      clearTimeout(killer);
    }
    await t.exited;
    this.log.info({ camera, reason, viewers: t.viewers.size }, 'video: transcoder stopped');
  }

  /** Stops everything (server shutdown). */
  async close(): Promise<void> {
    if (this.#sweeper) clearInterval(this.#sweeper);
    this.#sweeper = null;
    await Promise.all([...this.#t.keys()].map((c) => this.stop(c, 'shutdown')));
    await fs.rm(this.workDir, { recursive: true, force: true }).catch(() => {});
  }

  async #start(camera: number, source: SourceSpec): Promise<Transcode> {
    const dir = path.join(this.workDir, `${camera}-${++this.#runs}`);
    await fs.mkdir(dir, { recursive: true });
    if (source.kind === 'simulated') await fs.writeFile(path.join(dir, 'label.txt'), source.label.replace(/[^\x20-\x7e]/g, '?'));
    const recDir = this.recorder ? await this.recorder.newRun(camera, Date.now()) : null;
    const args = ffmpegArgs(this.settings, source, dir, recDir);
    // ffmpeg dies with this process, even when it is killed with SIGKILL (see parentDeathGuard).
    const guard = this.settings.parentDeathGuard === false ? null : parentDeathGuard();
    const proc = guard
      ? spawn(guard[0]!, [...guard.slice(1), this.settings.ffmpeg, ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
      : spawn(this.settings.ffmpeg, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const stderr: string[] = [];
    proc.stderr!.setEncoding('utf8');
    proc.stderr!.on('data', (d: string) => {
      // Credentials in a source URL never reach a log line or an answer.
      for (const line of d.split('\n')) if (line.trim()) stderr.push(line.trim().replace(/\/\/([^:/@\s]*):[^@/\s]*@/g, '//$1:***@').slice(0, 300));
      if (stderr.length > 20) stderr.splice(0, stderr.length - 20);
    });
    let spawnError: Error | null = null;
    const procExit = new Promise<number | null>((resolve) => {
      proc.once('error', (err) => {
        spawnError = err;
        resolve(null);
      });
      proc.once('close', (code) => resolve(code));
    });
    const what = source.kind === 'simulated' ? 'simulated' : `${source.kind} ${maskUrl(source.url)}`;
    // `exited` resolves after the cleanup: a waiter that starts the camera again finds the table free.
    const exited = procExit.then(async (code) => {
      if (t.state === 'starting' || t.state === 'live') {
        const why = spawnError ? `ffmpeg could not start (${(spawnError as Error).message})` : (stderr.at(-1) ?? `ffmpeg exited with code ${code}`);
        const message = `video source of camera ${camera} is down: ${why}`;
        t.state = 'failed';
        this.stats.failed++;
        this.#failed.set(camera, { at: this.now(), message });
        this.log.warn({ camera, source: what, code, stderr: stderr.slice(-5) }, 'video: transcoder failed');
      }
      this.stats.stopped++;
      await fs.rm(dir, { recursive: true, force: true }).catch(() => {});
      if (this.#t.get(camera) === t) this.#t.delete(camera);
      return code;
    });
    const t: Transcode = {
      camera, dir, proc, startedAt: this.now(), state: 'starting', viewers: new Map(), idleSince: null, stderr, exited, ready: Promise.resolve(),
    };
    this.#t.set(camera, t);
    this.stats.started++;
    if (proc.pid) void fs.writeFile(path.join(dir, 'ffmpeg.pid'), String(proc.pid)).catch(() => {});
    this.log.info({ camera, source: what, pid: proc.pid }, 'video: transcoder started');

    t.ready = (async () => {
      const deadline = Date.now() + this.settings.startTimeoutMs;
      for (;;) {
        if (t.state === 'failed' || t.state === 'stopping') {
          throw new VideoError(502, 'source-down', this.#failed.get(camera)?.message ?? `video of camera ${camera} stopped`);
        }
        const text = await fs.readFile(path.join(dir, 'index.m3u8'), 'utf8').catch(() => '');
        if (text.includes('.ts')) {
          t.state = 'live';
          this.#failed.delete(camera);
          return;
        }
        if (Date.now() > deadline) {
          const message = `video source of camera ${camera} sent no picture within ${Math.round(this.settings.startTimeoutMs / 1000)} s`;
          this.#failed.set(camera, { at: this.now(), message });
          this.log.warn({ camera, source: what, stderr: stderr.slice(-5) }, 'video: start timed out');
          t.state = 'failed';
          this.stats.failed++;
          proc.kill('SIGKILL');
          throw new VideoError(504, 'start-timeout', message);
        }
        await sleep(150);
      }
    })();
    t.ready.catch(() => {});
    return t;
  }
}
