/**
 * Issue 16: ffmpeg transcoders do not outlive a server process killed with SIGKILL (no shutdown
 * handler runs). A child process runs the video gateway with live simulated cameras; it is
 * SIGKILLed and no ffmpeg of its folder may remain. The same without the parent-death guard
 * shows the test can fail: there the ffmpegs survive their parent (and are killed by the test).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parentDeathGuard } from './gateway.ts';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'gateway-child.ts');

/** Pids of ffmpeg processes whose command line names `dir`. */
async function ffmpegsUnder(dir: string): Promise<number[]> {
  const out: number[] = [];
  for (const name of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const cmd = await fs.readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    // A zombie has an empty command line: it is gone for good.
    if (cmd.split('\0')[0]!.endsWith('ffmpeg') && cmd.includes(dir)) out.push(Number(name));
  }
  return out;
}

async function startChild(dir: string, count: number, guard: boolean): Promise<{ child: ChildProcess; info: { pid: number; workDir: string; ffmpeg: number[] } }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, String(count), guard ? 'guard' : 'noguard'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const info = await new Promise<{ pid: number; workDir: string; ffmpeg: number[] }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway child did not start:\n${err}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line && out.includes('\n')) {
        clearTimeout(timer);
        resolve(JSON.parse(line) as { pid: number; workDir: string; ffmpeg: number[] });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway child exited (${code}):\n${err}`));
    });
  });
  return { child, info };
}

const exited = (c: ChildProcess) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));

async function waitFor(cond: () => Promise<boolean>, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return cond();
}

describe('video transcoders and a SIGKILLed server process', () => {
  const dirs: string[] = [];
  const strays: number[] = [];
  afterAll(async () => {
    for (const pid of strays) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch { /* gone */ }
    }
    for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
  });

  it('the parent-death guard is available on this machine (util-linux setpriv --pdeathsig)', () => {
    expect(parentDeathGuard()).toEqual(['setpriv', '--pdeathsig', 'KILL', '--']);
  });

  it('no ffmpeg remains after the server process is killed with SIGKILL', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'twin-video-kill-'));
    dirs.push(dir);
    const { child, info } = await startChild(dir, 3, true);
    expect(info.ffmpeg).toHaveLength(3);
    expect((await ffmpegsUnder(dir)).sort()).toEqual([...info.ffmpeg].sort());
    child.kill('SIGKILL');
    await exited(child);
    const t0 = Date.now();
    const gone = await waitFor(async () => (await ffmpegsUnder(dir)).length === 0, 5000);
    const left = await ffmpegsUnder(dir);
    strays.push(...left);
    console.log(`[video] server child ${info.pid} SIGKILLed with ${info.ffmpeg.length} ffmpeg running: ${left.length} left after ${Date.now() - t0} ms`);
    expect(gone).toBe(true);
    expect(left).toEqual([]);
  }, 90_000);

  it('(control) without the guard the ffmpegs outlive their killed parent', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'twin-video-kill-'));
    dirs.push(dir);
    const { child, info } = await startChild(dir, 1, false);
    child.kill('SIGKILL');
    await exited(child);
    await new Promise((r) => setTimeout(r, 1500));
    const left = await ffmpegsUnder(dir);
    strays.push(...left);
    expect(left).toEqual(info.ffmpeg);
  }, 90_000);
});
