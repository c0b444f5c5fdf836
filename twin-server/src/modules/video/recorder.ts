/**
 * Rolling recording of watched cameras: the same ffmpeg process that serves a camera live also
 * writes its segments (no second encode, ffmpeg's tee muxer) into
 * `<dir>/<camera>/<run start ms>/NNNNNN.ts` with a `list.csv` of their stream times. Retention
 * keeps `hours` and at most `maxBytes` over all cameras (oldest first); replay builds a VOD
 * playlist of the segments covering a time window.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../log.ts';

/** One recorded segment. */
export interface RecordedSegment {
  /** `<run>-<NNNNNN>.ts`, the name the replay route serves it under. */
  readonly name: string;
  readonly startMs: number;
  readonly durationS: number;
  /** First segment of a run (a new ffmpeg process): a discontinuity before it. */
  readonly runStart: boolean;
}

/** Segment names of the replay route. */
export const REC_SEGMENT_RE = /^(\d{13})-(\d{6})\.ts$/;

/** The recordings folder of one server. */
export class Recorder {
  constructor(readonly dir: string, readonly hours: number, readonly maxBytes: number, readonly log: Logger) {}

  /** Creates the folder of a new run of `camera` (its ffmpeg writes there). */
  async newRun(camera: number, startMs: number): Promise<string> {
    const d = path.join(this.dir, String(camera), String(startMs));
    await fs.mkdir(d, { recursive: true });
    return d;
  }

  /** The absolute path of a segment named as the replay route names it, or null. */
  fileOf(camera: number, name: string): string | null {
    const m = REC_SEGMENT_RE.exec(name);
    return m ? path.join(this.dir, String(camera), m[1]!, `${m[2]}.ts`) : null;
  }

  /** Recorded segments of `camera` overlapping [fromMs, toMs], oldest first (files already pruned are skipped). */
  async segments(camera: number, fromMs: number, toMs: number): Promise<RecordedSegment[]> {
    const camDir = path.join(this.dir, String(camera));
    const runs = (await fs.readdir(camDir).catch(() => [] as string[])).filter((r) => /^\d{13}$/.test(r)).sort();
    const out: RecordedSegment[] = [];
    for (const run of runs) {
      const runMs = Number(run);
      if (runMs > toMs) break;
      const csv = await fs.readFile(path.join(camDir, run, 'list.csv'), 'utf8').catch(() => '');
      let first = true;
      for (const line of csv.split('\n')) {
        const [file, s, e] = line.split(',');
        if (!file || !/^\d{6}\.ts$/.test(file)) continue;
        const startMs = runMs + Number(s) * 1000;
        const durationS = Number(e) - Number(s);
        if (!(durationS > 0) || startMs + durationS * 1000 < fromMs || startMs > toMs) continue;
        try {
          await fs.access(path.join(camDir, run, file));
        } catch {
          continue;
        }
        out.push({ name: `${run}-${file}`, startMs, durationS, runStart: first });
        first = false;
      }
    }
    return out;
  }

  /**
   * Deletes segments older than `hours`, then the oldest of any camera while the total exceeds
   * `maxBytes`; removes emptied folders. Answers what it deleted and what is kept.
   */
  async prune(nowMs: number): Promise<{ deleted: number; keptBytes: number; keptFiles: number }> {
    const files: { p: string; mtimeMs: number; size: number }[] = [];
    for (const cam of await fs.readdir(this.dir).catch(() => [] as string[])) {
      for (const run of await fs.readdir(path.join(this.dir, cam)).catch(() => [] as string[])) {
        const runDir = path.join(this.dir, cam, run);
        for (const f of await fs.readdir(runDir).catch(() => [] as string[])) {
          if (!f.endsWith('.ts')) continue;
          const st = await fs.stat(path.join(runDir, f)).catch(() => null);
          if (st) files.push({ p: path.join(runDir, f), mtimeMs: st.mtimeMs, size: st.size });
        }
      }
    }
    files.sort((a, b) => a.mtimeMs - b.mtimeMs);
    const cutoff = nowMs - this.hours * 3_600_000;
    let total = files.reduce((n, f) => n + f.size, 0);
    let deleted = 0;
    let i = 0;
    for (; i < files.length; i++) {
      const f = files[i]!;
      if (f.mtimeMs >= cutoff && total <= this.maxBytes) break;
      await fs.rm(f.p, { force: true });
      total -= f.size;
      deleted++;
    }
    // Folders of runs with no segment left go too (a live run always has its list.csv and a segment being written).
    for (const cam of await fs.readdir(this.dir).catch(() => [] as string[])) {
      for (const run of await fs.readdir(path.join(this.dir, cam)).catch(() => [] as string[])) {
        const runDir = path.join(this.dir, cam, run);
        const left = await fs.readdir(runDir).catch(() => [] as string[]);
        if (!left.some((f) => f.endsWith('.ts')) && Number(run) < nowMs - 60_000) await fs.rm(runDir, { recursive: true, force: true });
      }
    }
    if (deleted > 0) this.log.info({ deleted, keptBytes: total }, 'video: recordings pruned');
    return { deleted, keptBytes: total, keptFiles: files.length - i };
  }
}

/** A VOD playlist of recorded segments (program date-times, discontinuities between runs). */
export function replayPlaylist(segs: readonly RecordedSegment[]): string {
  const target = Math.max(1, ...segs.map((s) => Math.ceil(s.durationS)));
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', `#EXT-X-TARGETDURATION:${target}`, '#EXT-X-PLAYLIST-TYPE:VOD', '#EXT-X-MEDIA-SEQUENCE:0'];
  segs.forEach((s, i) => {
    if (i > 0 && s.runStart) lines.push('#EXT-X-DISCONTINUITY');
    lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(s.startMs).toISOString()}`, `#EXTINF:${s.durationS.toFixed(3)},`, s.name);
  });
  lines.push('#EXT-X-ENDLIST', '');
  return lines.join('\n');
}
