/**
 * `npm run bench -- video`: the video gateway on this machine (issue 16), through the real HTTP
 * server (in-memory PGlite, the auth and video modules, real ffmpeg with simulated cameras at the
 * default 320x180, 10 fps, `--segment` seconds per HLS segment, default 2 as in production).
 *
 * Time to first frame: from `POST /api/video/cameras/:idx/watch` of a camera that is not running
 * (ffmpeg is started) until the first segment of its playlist is received: the moment a player
 * can show a picture (hls.js decodes a segment's first frame in milliseconds). `--opens` (20)
 * opens one after another, each closed before the next; median and p95.
 *
 * Concurrent streams: streams are added `--step` (1) at a time while every running one is
 * served to a player-like client (playlist and newest segment once per segment duration); each
 * new stream's time to first frame is measured. The answer is the number of streams that were
 * running when a new stream's first frame took over 3 s, confirmed by the next step (one slow
 * start on a shared machine does not end the run), or `--max` (48) if that never happened.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../twin-server/src/config.ts';
import { openPglite } from '../twin-server/src/db/pglite.ts';
import { migrate } from '../twin-server/src/db/migrate.ts';
import { createLogger } from '../twin-server/src/log.ts';
import { startServer } from '../twin-server/src/server.ts';
import { healthModule } from '../twin-server/src/modules/health.ts';
import { numberFlag, type Args } from '../twin-server/src/cli/args.ts';
import { authModule } from '../twin-server/src/auth/module.ts';
import { hashPassword } from '../twin-server/src/auth/password.ts';
import { CSRF_COOKIE, CSRF_HEADER } from '../twin-server/src/auth/service.ts';
import { insertFixturePark } from '../twin-server/src/tiler/fixture.ts';
import { videoModule, videoRuntime } from '../twin-server/src/modules/video/index.ts';
import type { Bench } from './types.ts';

const LIMIT_MS = 3000;

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const videoBench: Bench = {
  summary: 'video gateway: time to first frame (median, p95 over 20 opens) and concurrent streams before the first frame takes over 3 s',
  async run(args: Args) {
    const opens = numberFlag(args, 'opens', 20, 3, 500);
    const step = numberFlag(args, 'step', 1, 1, 32);
    const max = numberFlag(args, 'max', 48, 4, 200);
    const segmentS = numberFlag(args, 'segment', 2, 1, 10);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'twin-bench-video-'));
    const db = await openPglite({ dataDir: 'memory://' });
    await migrate(db);
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', TWIN_DATA_DIR: tmp, TWIN_SEED_ON_START: '0', TWIN_SIMULATOR: '0' }, tmp);
    const password = 'Bench-Pass-2026';
    const s = await startServer(config, {
      db, log: createLogger('silent'),
      modules: [
        healthModule,
        authModule({ dataKey: randomBytes(32), print: () => {}, sweepIntervalMs: null, settings: { adminPassword: password, rateApiPerMinute: 100_000_000, rateLoginPerMinute: 100_000 } }),
        videoModule({ settings: { dir: path.join(tmp, 'live'), maxTranscodes: max + step, idleStopMs: 1000, viewerTimeoutMs: 60_000, segmentS, startTimeoutMs: 30_000, recordHours: 0 } }),
      ],
    });
    const ffmpegPids = () => new Set(videoRuntime(s.sc)!.gateway.status().map((t) => t.pid));
    try {
      const side = Math.ceil(Math.sqrt(max + step + 1));
      await insertFixturePark(db, { grid: side, floors: 1, roomsPerSide: 1, code: 'bench-video' });
      await db.query(`INSERT INTO camera (idx, coverage) SELECT idx, 'crossroad' FROM equipment WHERE type = 'camera'`);
      await db.query(`INSERT INTO video_source (camera_idx, source_kind) SELECT idx, 'simulated' FROM camera`);
      const cams = (await db.query<{ idx: number }>('SELECT idx FROM camera ORDER BY idx')).rows.map((r) => r.idx);
      await db.query(`INSERT INTO app_user (username, display_name, password_hash, roles, must_change_password, password_changed_at, created_at)
        VALUES ('bench', 'bench', $1, '{security_operator}', false, now(), now())`, [await hashPassword(password)]);
      const r = await fetch(`${s.url}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'bench', password }) });
      if (r.status !== 200) throw new Error(`login ${r.status}`);
      const pairs = r.headers.getSetCookie().map((c) => c.split(';')[0]!);
      const csrf = pairs.find((p) => p.startsWith(`${CSRF_COOKIE}=`))?.slice(CSRF_COOKIE.length + 1) ?? '';
      // The session cookie, and the CSRF token on watch / stop (as the browser client sends them).
      const headers = { Cookie: pairs.join('; '), Origin: s.url, [CSRF_HEADER]: csrf };

      /** Watches a camera and fetches until the first segment arrived; the url and ms taken. */
      const firstFrame = async (cam: number): Promise<{ url: string; ms: number }> => {
        const t0 = performance.now();
        const w = await fetch(`${s.url}/api/video/cameras/${cam}/watch`, { method: 'POST', headers });
        if (w.status !== 200) throw new Error(`watch ${cam}: ${w.status} ${await w.text()}`);
        const { url } = (await w.json()) as { url: string };
        for (;;) {
          const pl = await (await fetch(s.url + url, { headers })).text();
          const seg = pl.split('\n').find((l) => l.endsWith('.ts'));
          if (seg) {
            const b = await fetch(s.url + url.replace(/index\.m3u8$/, seg), { headers });
            if (b.status === 200 && (await b.arrayBuffer()).byteLength > 0) return { url, ms: performance.now() - t0 };
          }
          await sleep(50);
        }
      };
      const close = async (cam: number) => {
        await (await fetch(`${s.url}/api/video/cameras/${cam}/watch`, { method: 'DELETE', headers })).arrayBuffer();
      };
      const stopped = async (cam: number) => {
        while (videoRuntime(s.sc)!.gateway.status().some((t) => t.camera === cam)) await sleep(100);
      };

      // 1. Time to first frame, one stream at a time.
      await firstFrame(cams[0]!).then(() => close(cams[0]!)); // warm-up (ffmpeg binary and font in the page cache)
      await stopped(cams[0]!);
      const ttff: number[] = [];
      for (let i = 0; i < opens; i++) {
        const cam = cams[i % cams.length]!;
        const { ms } = await firstFrame(cam);
        ttff.push(ms);
        await close(cam);
        await stopped(cam);
      }
      const med = pct(ttff, 50);
      const p95 = pct(ttff, 95);
      console.log(`time to first frame over ${opens} opens: median ${(med / 1000).toFixed(2)} s, p95 ${(p95 / 1000).toFixed(2)} s (min ${(Math.min(...ttff) / 1000).toFixed(2)}, max ${(Math.max(...ttff) / 1000).toFixed(2)})`);

      // 2. Concurrent streams: add `step` at a time while all running ones are served.
      const running: { cam: number; url: string }[] = [];
      let serving = true;
      let served = 0;
      const server = (async () => {
        while (serving) {
          const t0 = performance.now();
          await Promise.all(running.map(async (x) => {
            const pl = await (await fetch(s.url + x.url, { headers })).text();
            const seg = pl.split('\n').filter((l) => l.endsWith('.ts')).at(-1);
            if (seg) {
              await (await fetch(s.url + x.url.replace(/index\.m3u8$/, seg), { headers })).arrayBuffer();
              served++;
            }
          }).map((p) => p.catch(() => {})));
          await sleep(Math.max(0, segmentS * 1000 - (performance.now() - t0)));
        }
      })();
      const steps: { streams: number; worstMs: number; medianMs: number }[] = [];
      let limit: number | null = null;
      /** Streams running before a step whose first frame took over 3 s (waiting for the next step to confirm). */
      let slowAt: number | null = null;
      let next = 0;
      while (running.length + step <= max) {
        const batch = cams.slice(next, next + step);
        next += step;
        const res = await Promise.all(batch.map(async (cam) => ({ cam, ...(await firstFrame(cam)) })));
        running.push(...res.map((x) => ({ cam: x.cam, url: x.url })));
        const ms = res.map((x) => x.ms);
        const worst = Math.max(...ms);
        steps.push({ streams: running.length, worstMs: worst, medianMs: pct(ms, 50) });
        console.log(`  ${running.length} streams: first frame of the new ${step === 1 ? 'one' : `ones median ${(pct(ms, 50) / 1000).toFixed(2)} s, slowest`} ${(worst / 1000).toFixed(2)} s; ${ffmpegPids().size} ffmpeg, load ${os.loadavg()[0]!.toFixed(1)}`);
        if (worst > LIMIT_MS) {
          if (slowAt !== null) {
            limit = slowAt;
            break;
          }
          slowAt = running.length - step;
        } else {
          slowAt = null;
        }
        // Let the new streams settle into the serving loop before the next step.
        await sleep(segmentS * 1000);
      }
      serving = false;
      await server;
      const concurrent = limit ?? running.length;
      const capped = limit === null;
      console.log(`concurrent streams served before a first frame takes over 3 s: ${capped ? `>= ${concurrent} (the --max ${max} was reached)` : concurrent}; ${served} segments served meanwhile`);
      await Promise.all(running.map((x) => close(x.cam)));
      await Promise.all(running.map((x) => stopped(x.cam)));

      return [
        `Real ffmpeg (${(await import('node:child_process')).execFileSync('ffmpeg', ['-version'], { encoding: 'utf8' }).split('\n')[0]}), simulated cameras 320x180 at 10 fps,`,
        `${segmentS} s HLS segments, through the HTTP server with a security operator's session; ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), load ${os.loadavg()[0]!.toFixed(1)} at the end (shared machine).`,
        '',
        `| measure | value |`,
        `| --- | ---: |`,
        `| time to first frame, median of ${opens} opens | ${(med / 1000).toFixed(2)} s |`,
        `| time to first frame, p95 of ${opens} opens | ${(p95 / 1000).toFixed(2)} s |`,
        `| concurrent streams served before a first frame takes over 3 s | ${capped ? `>= ${concurrent} (cap of the run)` : concurrent} |`,
        '',
        `First frame of each new stream while N run (each served to a player-like client meanwhile), N: seconds: `
          + steps.map((x) => `${x.streams}: ${(x.worstMs / 1000).toFixed(2)}`).join(', ') + '.',
      ];
    } finally {
      await s.close();
      await db.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  },
};
