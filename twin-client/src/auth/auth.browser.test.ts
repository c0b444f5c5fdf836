/**
 * The login page, forced password change, admin panels and the command wall's device login in
 * headless Chromium against the real server (must-show 4 of issue 3).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { collectProblems, ensureClientBuilt, launchBrowser, screenshotStats } from '../../../test/browser.ts';
import { startAuthServer, TEST_ADMIN_PASSWORD, type AuthTestServer } from '../../../twin-server/src/auth/testing.ts';
import { authService } from '../../../twin-server/src/auth/index.ts';
import { startSceneServer, waitReady, type SceneServer } from '../../../test/scene-harness.ts';

/**
 * Expected refusals Chromium logs as resource errors: the gate's first /api/auth/me (401 before
 * login) and the deliberately weak password (400).
 */
const expected401 = (e: string) => /status of 40[01]/.test(e);

describe.skipIf(inject('chromiumMissing') !== null)('login page and admin panels in the browser', () => {
  let s: AuthTestServer;
  let browser: Browser;

  beforeAll(async () => {
    ensureClientBuilt();
    s = await startAuthServer('pglite');
    browser = await launchBrowser();
  }, 600_000);
  afterAll(async () => {
    await browser?.close();
    await s?.server.stop();
  });

  const login = async (page: Page, username: string, password: string) => {
    await page.fill('input[name=username]', username);
    await page.fill('input[name=password]', password);
    await page.click('button[type=submit]');
  };

  it('shows the login page in zh-CN, switches to English, and is not blank', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    const problems = collectProblems(page);
    await page.goto(s.server.url);
    await page.waitForSelector('[data-testid=login-page]');
    expect(await page.textContent('.auth-card h1')).toBe('园区数字孪生');
    expect(await page.textContent('button[type=submit]')).toBe('登录');
    expect(await page.getAttribute('input[name=password]', 'type')).toBe('password');
    // The Chinese title is drawn as real, distinct glyphs whatever fonts the machine has: with no CJK
    // font the bundled one is used, with one (fonts-noto-cjk) the system's; never tofu boxes, which
    // all look alike. Each character is drawn with the title's own computed font and compared.
    const glyphs = await page.evaluate(async () => {
      const h1 = document.querySelector('.auth-card h1')!;
      const family = getComputedStyle(h1).fontFamily;
      const text = h1.textContent ?? '';
      await document.fonts.load(`48px ${family}`, text);
      await document.fonts.ready;
      const canvas = document.createElement('canvas');
      canvas.width = 64;
      canvas.height = 64;
      const g = canvas.getContext('2d', { willReadFrequently: true })!;
      const out: { ink: number; sig: string }[] = [];
      for (const ch of text) {
        g.clearRect(0, 0, 64, 64);
        g.fillStyle = '#000';
        g.font = `48px ${family}`;
        g.textBaseline = 'top';
        g.fillText(ch, 8, 8);
        const px = g.getImageData(0, 0, 64, 64).data;
        let ink = 0;
        let sig = '';
        for (let i = 3; i < px.length; i += 4) {
          if (px[i]! > 128) ink++;
          if (i % 64 === 3) sig += px[i]! > 128 ? '1' : '0';
        }
        out.push({ ink, sig });
      }
      return out;
    });
    expect(glyphs).toHaveLength(6);
    for (const g of glyphs) expect(g.ink).toBeGreaterThan(40);
    // Six different characters give six different glyph images (tofu would give one).
    expect(new Set(glyphs.map((g) => g.sig)).size).toBe(6);
    const card = await page.locator('.auth-card').boundingBox();
    expect(card!.width).toBeGreaterThan(300);
    const zh = await screenshotStats(page, 'auth-login-zh', { x: Math.round(card!.x), y: Math.round(card!.y), width: Math.round(card!.width), height: Math.round(card!.height) });
    // Text, inputs and the button make a varied card, not a flat box.
    expect(zh.distinct).toBeGreaterThan(30);
    expect(zh.lumaStd).toBeGreaterThan(8);
    const whole = await screenshotStats(page, 'auth-login-zh-full');
    expect(whole.distinct).toBeGreaterThan(40);
    await page.click('button.lang');
    await page.waitForFunction(() => document.querySelector('button[type=submit]')?.textContent === 'Sign in');
    expect(await page.textContent('.auth-card h1')).toBe('Park Twin');
    await screenshotStats(page, 'auth-login-en');
    // Wrong password: a clear message, in the chosen language.
    await login(page, 'auditor', 'Wrong-Password-1');
    await page.waitForSelector('.auth-card .error');
    expect(await page.textContent('.auth-card .error')).toBe('Wrong username or password');
    expect(problems.errors.filter((e) => !expected401(e))).toEqual([]);
    expect(problems.external).toEqual([]);
    await context.close();
  });

  it('forces the first password change, then opens the app and the audit panel', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    const problems = collectProblems(page);
    await page.goto(`${s.server.url}/admin`);
    await page.waitForSelector('[data-testid=login-page]');
    await login(page, 'auditor', TEST_ADMIN_PASSWORD);
    await page.waitForSelector('[data-testid=change-password]');
    const inputs = page.locator('[data-testid=change-password] input');
    await inputs.nth(0).fill(TEST_ADMIN_PASSWORD);
    await inputs.nth(1).fill('auditor2026');
    await inputs.nth(2).fill('auditor2026');
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=change-password] .error');
    expect(await page.textContent('[data-testid=change-password] .error')).toMatch(/username/);
    await inputs.nth(1).fill('Ledger-Watch-77');
    await inputs.nth(2).fill('Ledger-Watch-77');
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=admin-page]');
    // The auditor sees only the audit tab: separated duties in the UI as on the server.
    expect(await page.locator('.admin .tabs button').allTextContents()).toEqual(['审计日志']);
    await page.click('[data-testid=audit-panel] button.primary');
    await page.waitForSelector('[data-testid=audit-panel] tbody tr');
    const actions = await page.locator('[data-testid=audit-panel] tbody tr td:nth-child(4)').allTextContents();
    expect(actions).toContain('auth.password.change');
    expect(actions).toContain('auth.login');
    await page.click('[data-testid=audit-panel] form button:has-text("校验哈希链")');
    await page.waitForSelector('[data-testid=audit-panel] .ok');
    expect(await page.textContent('[data-testid=audit-panel] .ok')).toMatch(/哈希链完整/);
    await screenshotStats(page, 'auth-admin-audit');
    await page.click('[data-testid=user-menu] button');
    await page.waitForSelector('[data-testid=login-page]');
    expect(problems.errors.filter((e) => !expected401(e))).toEqual([]);
    await context.close();
  });

  it('lets the security administrator register a wall and shows its token once', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    await page.goto(`${s.server.url}/admin`);
    await page.waitForSelector('[data-testid=login-page]');
    await login(page, 'secadmin', TEST_ADMIN_PASSWORD);
    const inputs = page.locator('[data-testid=change-password] input');
    await inputs.nth(0).fill(TEST_ADMIN_PASSWORD);
    await inputs.nth(1).fill('Keys-And-Walls-8');
    await inputs.nth(2).fill('Keys-And-Walls-8');
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=admin-page]');
    expect(await page.locator('.admin .tabs button').allTextContents()).toEqual(['角色与权限', '设备']);
    await page.click('.admin .tabs button:has-text("设备")');
    await page.fill('[data-testid=devices-panel] input', 'North lobby wall');
    await page.click('[data-testid=devices-panel] button.primary');
    await page.waitForSelector('[data-testid=devices-panel] .secret');
    const secret = await page.textContent('[data-testid=devices-panel] .secret');
    expect(secret).toMatch(/twd_[A-Za-z0-9_-]{40,}/);
    expect(secret).toMatch(/#device=twd_/);
    expect(await page.locator('[data-testid=devices-panel] tbody tr').count()).toBe(1);
    await context.close();
  });
});

describe.skipIf(inject('chromiumMissing') !== null)('a command wall opened with its device token', () => {
  let s: SceneServer;
  let browser: Browser;
  beforeAll(async () => {
    ensureClientBuilt();
    s = await startSceneServer('pglite');
    browser = await launchBrowser();
  }, 600_000);
  afterAll(async () => {
    await browser?.close();
    await s?.stop();
  });

  it('shows the twin with no login prompt; the token leaves the address bar; revocation ends it', async () => {
    const auth = authService(s.server.sc);
    const d = await s.server.sc.db.transaction((tx) => auth.createDevice(tx, `Wall ${randomBytes(2).toString('hex')}`, 'wall', 'test'));
    const context = await browser.newContext({ viewport: { width: 1600, height: 600 }, deviceScaleFactor: 1 }); // a wide 48:18 wall
    const page = await context.newPage();
    const problems = collectProblems(page);
    const refused: string[] = [];
    page.on('response', (r) => { if (r.status() === 401) refused.push(r.url()); });
    let sawLogin = false;
    page.on('framenavigated', () => void page.$('[data-testid=login-page]').then((x) => { if (x) sawLogin = true; }));
    await page.goto(`${s.server.url}/?park=${s.park}#device=${d.token}`);
    await waitReady(page);
    expect(await page.$('[data-testid=login-page]')).toBeNull();
    expect(sawLogin).toBe(false);
    expect(page.url()).not.toContain('twd_');
    expect(await page.$('[data-testid=user-menu]')).toBeNull(); // walls have no user chip
    const stats = await screenshotStats(page, 'auth-wall-device');
    expect(stats.distinct).toBeGreaterThan(40);
    expect(stats.lumaStd).toBeGreaterThan(4);
    expect(refused).toEqual([]);
    expect(problems.errors).toEqual([]);
    expect(problems.external).toEqual([]);
    // A reload keeps working from the device session cookie alone.
    await page.reload();
    await waitReady(page);
    expect(await page.$('[data-testid=login-page]')).toBeNull();
    await auth.revokeDevice(d.id, { kind: 'user', id: 'test', name: 'test', roles: [], permissions: new Set(), sessionId: 'test' }, {});
    await page.reload();
    await page.waitForSelector('[data-testid=login-page]');
    await context.close();
  }, 300_000);
});
