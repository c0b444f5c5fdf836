/**
 * Issue 17, must-show 4: the twin, the operations view and the work-order desk at phone
 * (390x844) and tablet (768x1024) sizes. Screenshots go to test-results/xr-4-*.png (looked at by
 * people); the test checks what breaks a small screen: nothing wider than the page (no sideways
 * scrolling), the navigation and every overlay box inside the page, and the overlay boxes of a
 * view not covering one another.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ensureClientBuilt, launchBrowser, screenshotStats } from '../../../../test/browser.ts';
import { startSceneServer, type SceneServer } from '../../../../test/scene-harness.ts';
import { opsModule } from '../../../../twin-server/src/modules/ops/index.ts';
import { workordersModule } from '../../../../twin-server/src/modules/workorders/index.ts';
import { labelsModule } from '../../../../twin-server/src/modules/labels/index.ts';

const MQTT = process.env.TWIN_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const SIZES = [{ width: 390, height: 844 }, { width: 768, height: 1024 }] as const;

/** Layout problems on the page: overflow, boxes outside the viewport, overlapping overlay boxes. */
function layoutProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const W = window.innerWidth;
    if (document.documentElement.scrollWidth > W + 1) out.push(`page ${document.documentElement.scrollWidth}px wide in a ${W}px window`);
    const boxes = [...document.querySelectorAll<HTMLElement>('.overlay > *, .overlay-top > *, .overlay .scene-mode, header nav, .topbar, .app-header')]
      .filter((e) => {
        const s = getComputedStyle(e);
        const r = e.getBoundingClientRect();
        return s.display !== 'none' && s.visibility !== 'hidden' && r.width > 0 && r.height > 0 && !e.classList.contains('overlay-top') && !e.classList.contains('tooltip');
      });
    const name = (e: Element) => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')}`;
    for (const e of boxes) {
      const r = e.getBoundingClientRect();
      if (r.left < -1 || r.right > W + 1) out.push(`${name(e)} outside the page: ${Math.round(r.left)}..${Math.round(r.right)}`);
    }
    // Every box of the overlay (its direct children and the top row's), the scene-mode bar included.
    const panels = boxes.filter((e) => e.closest('.overlay'));
    for (let i = 0; i < panels.length; i++) {
      for (let j = i + 1; j < panels.length; j++) {
        const a = panels[i]!.getBoundingClientRect();
        const b = panels[j]!.getBoundingClientRect();
        const ox = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const oy = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (ox > 4 && oy > 4) out.push(`${name(panels[i]!)} overlaps ${name(panels[j]!)} by ${Math.round(ox)}x${Math.round(oy)}`);
      }
    }
    return out;
  });
}

describe.skipIf(inject('chromiumMissing') !== null || inject('pgMissing') !== null || inject('mqttMissing') !== null)('phone and tablet layouts', () => {
  let s: SceneServer;
  let browser: Browser;
  beforeAll(async () => {
    ensureClientBuilt();
    s = await startSceneServer('postgres', { mqttUrl: MQTT, modules: [opsModule, workordersModule(), labelsModule] });
    browser = await launchBrowser();
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await s?.stop();
  });

  for (const size of SIZES) {
    it(`4. twin, ops and work orders at ${size.width}x${size.height}: nothing off the page or covering each other`, async () => {
      const context = await browser.newContext({ viewport: size, deviceScaleFactor: 1, isMobile: true, hasTouch: true });
      const u = new URL(s.server.url);
      await context.addCookies(s.cookies.map((c) => ({ ...c, domain: u.hostname, path: '/' })));
      const page = await context.newPage();
      const found: Record<string, string[]> = {};
      for (const [name, path, ready] of [
        ['twin', '/', 'canvas'], ['ops', '/ops', 'canvas'], ['workorders', '/workorders', 'main, .records-page, table, .desk'],
      ] as const) {
        await page.goto(`${s.server.url}${path}?park=${s.park}`);
        await page.locator(ready).first().waitFor({ timeout: 120_000 });
        await page.waitForTimeout(2500);
        const st = await screenshotStats(page, `xr-4-${name}-${size.width}`);
        expect(st.distinct).toBeGreaterThan(10);
        found[name] = await layoutProblems(page);
      }
      expect(found).toEqual({ twin: [], ops: [], workorders: [] });
      await context.close();
    }, 400_000);
  }
});
