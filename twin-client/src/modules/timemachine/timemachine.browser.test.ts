/**
 * Issue 20 must-show 4 in the browser: a recorded hour of occupancy readings (written through the
 * real telemetry writer) replays on the twin; at chosen minutes the chosen rooms' texels are the
 * colours of each room's last raw reading before that minute in the database, and live updates
 * arriving meanwhile do not repaint them. The bar (zh by default) opens, plays at 60x, pauses and goes
 * back to live.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { LAYER_IDS } from '@park-twin/layers';
import { collectProblems, ensureClientBuilt, launchBrowser } from '../../../../test/browser.ts';
import { openTwin, startSceneServer, type SceneServer } from '../../../../test/scene-harness.ts';
import { timemachineModule } from '../../../../twin-server/src/modules/timemachine/index.ts';
import { TelemetryWriter } from '../../../../twin-server/src/ingest/writer.ts';
import { createLogger } from '../../../../twin-server/src/log.ts';
import type { TimeMachineTestHook } from './TimeMachineBar.tsx';

type Hooked = Window & { __timemachine: TimeMachineTestHook; __twin: { texel(idx: number): number[]; layer(): string } };
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);
const OCC = LAYER_IDS.occupancy;

describe.skipIf(inject('chromiumMissing') !== null || inject('pgMissing') !== null)('time machine on the twin', () => {
  let s: SceneServer;
  let browser: Browser;
  let rooms: number[] = [];

  beforeAll(async () => {
    ensureClientBuilt();
    s = await startSceneServer('postgres', { modules: [timemachineModule] });
    const db = s.testDb.db;
    rooms = (await db.query<{ idx: number }>('SELECT idx FROM room ORDER BY idx LIMIT 5')).rows.map((r) => r.idx);
    const writer = new TelemetryWriter(db, createLogger('silent'), { flushMs: 5 });
    let seq = 1;
    let k = 7;
    const writes: Promise<void>[] = [];
    for (const idx of rooms) {
      for (let t = T0 - 20 * 60_000 + idx % 50 * 1000; t < T0 + HOUR; t += 97_000 + ((k = (k * 31 + 11) % 101) * 1000)) {
        writes.push(writer.enqueue({ ts: t, device: `tm-${idx}`, seq: seq++, idx, layer: OCC, value: (k * 37) % 45, status: k % 13 === 0 ? 2 : k % 7 === 0 ? 1 : 0, payload: {} }));
      }
    }
    await Promise.all(writes);
    await writer.close();
    browser = await launchBrowser();
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await s?.stop();
  });

  it('replays a recorded hour: chosen rooms at chosen minutes show the database state of that time; play, pause, back to live (zh)', async () => {
    const { context, page } = await openTwin(browser, s, '', { width: 1920, height: 1080 });
    const problems = collectProblems(page);
    try {
      expect(await page.evaluate(() => (window as unknown as Hooked).__twin.layer())).toBe('occupancy');
      // The bar, in Chinese: open (last hour), play, pause.
      await page.click('[data-tm="open"]');
      await page.waitForSelector('.timemachine[data-active="true"]');
      const text = await page.textContent('.timemachine');
      expect(text).toContain('时光机');
      expect(text).toContain('回到实时');
      expect(text).not.toMatch(/Back to live|Play|Speed/);
      await page.selectOption('[data-tm="speed"]', '60');
      await page.click('[data-tm="play"]');
      const t1 = await page.evaluate(() => (window as unknown as Hooked).__timemachine.state().t);
      await page.waitForFunction((t) => (window as unknown as Hooked).__timemachine.state().t > t + 5_000, t1);
      await page.click('[data-tm="play"]'); // pause
      expect(await page.evaluate(() => (window as unknown as Hooked).__timemachine.state().playing)).toBe(false);

      // The recorded hour.
      await page.evaluate(([a, b]) => (window as unknown as Hooked).__timemachine.open(a!, b!), [T0, T0 + HOUR]);
      await page.waitForFunction(() => {
        const st = (window as unknown as Hooked).__timemachine.state();
        return !st.loading && st.resolution === 'minute' && st.rows > 0;
      });
      for (const minute of [0, 6, 17, 42, 59, 60]) {
        const t = T0 + minute * 60_000;
        await page.evaluate((x) => (window as unknown as Hooked).__timemachine.seek(x), t);
        const truth = await s.testDb.db.query<{ idx: number; value: number; status: number }>(
          `SELECT DISTINCT ON (idx) idx, value::float8 AS value, status::int AS status FROM telemetry
           WHERE layer = $1 AND idx = ANY($2::int[]) AND ts < $3 ORDER BY idx, ts DESC, seq DESC`, [OCC, rooms, new Date(t)],
        );
        expect(truth.rows.length).toBe(rooms.length);
        for (const r of truth.rows) {
          const [texel, want] = await page.evaluate(([idx, v, st]) => {
            const w = window as unknown as Hooked;
            return [w.__twin.texel(idx!).slice(0, 3), w.__timemachine.colourOf('occupancy', v!, st!)];
          }, [r.idx, r.value, r.status]);
          expect(texel, `room ${r.idx} at +${minute} min (value ${r.value}, status ${r.status})`).toEqual(want);
        }
      }
      // Live updates keep arriving (the simulator) but do not repaint a replay.
      const before = await page.evaluate((ids) => ids.map((i) => (window as unknown as Hooked).__twin.texel(i).slice(0, 3)), rooms);
      await page.waitForTimeout(3000);
      const after = await page.evaluate((ids) => ids.map((i) => (window as unknown as Hooked).__twin.texel(i).slice(0, 3)), rooms);
      expect(after).toEqual(before);
      // Back to live in one click.
      await page.click('[data-tm="live"]');
      await page.waitForSelector('.timemachine.closed');
      expect(await page.evaluate(() => (window as unknown as Hooked).__timemachine.state().active)).toBe(false);
      expect(problems.errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 400_000);
});
