/**
 * The backup state on the admin page (issue 21, R2/Y2) in headless Chromium, as the system
 * administrator, against a real server on PostgreSQL with scheduled backups on (24 h): an archive
 * written by the scheduler's own path (`runIfDue` → `pg_dump` → checksummed archive) shows its time,
 * age and size; then the archive is made 50 h old and the next scheduled run fails (pg_dump not
 * found), so the page shows the overdue warning, the age and the error. zh-CN, English, and 390 px.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { collectProblems, ensureClientBuilt, launchBrowser, pixelAt, screenshotStats } from '../../../../test/browser.ts';
import { startTestServer, type TestServer } from '../../../../twin-server/src/testing/server.ts';
import { createTestDb } from '../../../../twin-server/src/db/testing.ts';
import { authModule } from '../../../../twin-server/src/auth/module.ts';
import { hashPassword } from '../../../../twin-server/src/auth/password.ts';
import { backupSchedulerOf, healthModule } from '../../../../twin-server/src/modules/health.ts';
import { listBackups, type BackupScheduler } from '../../../../twin-server/src/backup/schedule.ts';
import { formatBytes } from './BackupPanel.tsx';

const USER = 'backup-admin';
const PASSWORD = 'Vault-Keeper-2026!';

describe.skipIf(inject('chromiumMissing') !== null)('backup state on the admin page', () => {
  let s: TestServer;
  let browser: Browser;
  let scheduler: BackupScheduler;
  let dropDb: (() => Promise<void>) | undefined;
  let tmp = '';
  let savedDataDir: string | undefined;

  beforeAll(async () => {
    ensureClientBuilt();
    const auth = authModule({ settings: { adminPassword: 'Start-Pass-2026', rateLoginPerMinute: 100_000, rateApiPerMinute: 1_000_000 }, sweepIntervalMs: null, print: () => {} });
    // pg_dump needs the database's URL in the configuration (the test server is given a handle only).
    const testDb = await createTestDb('postgres');
    // With PostgreSQL the archive's key files come from TWIN_DATA_DIR of the process environment
    // (backup.ts dataDirOf), and the folder defaults to ./.twin-data: point both at a scratch folder
    // so the test neither reads nor writes the checkout's own data folder.
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'twin-backup-panel-'));
    savedDataDir = process.env.TWIN_DATA_DIR;
    process.env.TWIN_DATA_DIR = path.join(tmp, 'data');
    fs.mkdirSync(process.env.TWIN_DATA_DIR);
    s = await startTestServer('postgres', {
      testDb,
      env: { DATABASE_URL: testDb.url!, TWIN_DATA_DIR: path.join(tmp, 'data'), TWIN_BACKUP_DIR: path.join(tmp, 'backups'), TWIN_BACKUP_INTERVAL_HOURS: '24', TWIN_BACKUP_KEEP: '3' },
      modules: [healthModule, auth],
    });
    dropDb = testDb.drop;
    await s.sc.db.query(
      `INSERT INTO app_user (username, display_name, password_hash, roles, must_change_password, password_changed_at, created_at)
       VALUES ($1, $1, $2, $3, false, now(), now())`,
      [USER, await hashPassword(PASSWORD), ['system_admin']],
    );
    scheduler = backupSchedulerOf(s.sc)!;
    browser = await launchBrowser();
  }, 600_000);
  afterAll(async () => {
    await browser?.close();
    await s?.stop();
    await dropDb?.();
    if (savedDataDir === undefined) delete process.env.TWIN_DATA_DIR;
    else process.env.TWIN_DATA_DIR = savedDataDir;
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** Signs in and opens the backups tab (备份 / Backups) of /admin. */
  const openTab = async (page: Page, tab: string) => {
    await page.goto(`${s.url}/admin`);
    await page.waitForSelector('[data-testid=login-page]');
    await page.fill('input[name=username]', USER);
    await page.fill('input[name=password]', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=admin-page]', { timeout: 60_000 });
    await page.click(`[data-testid=admin-page] .tabs button:text-is("${tab}")`);
    await page.waitForSelector('[data-testid=backup-panel] [data-testid=backup-size]', { timeout: 60_000 });
  };
  const text = (page: Page, id: string) => page.locator(`[data-testid=${id}]`).innerText();
  /** English words on the panel, leaving out the folder path (a file system path, not a label). */
  const latinWords = (page: Page) => page.evaluate(() => {
    const el = document.querySelector('[data-testid=backup-panel]')!.cloneNode(true) as HTMLElement;
    el.querySelector('[data-testid=backup-dir]')?.remove();
    return (el.innerText.match(/[A-Za-z]{2,}/g) ?? []).filter((w) => !['KB', 'MB', 'GB'].includes(w));
  });

  it('shows a fresh scheduled backup: time, age, size, no error, no warning (zh-CN, then English)', async () => {
    // The scheduler's own path: the first run is due 15 minutes after start.
    expect(await scheduler.runIfDue(Date.now() + 16 * 60_000)).toBe(true);
    const archive = listBackups(scheduler.state().dir)[0]!;
    expect(archive.bytes).toBeGreaterThan(1000);
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    const problems = collectProblems(page);
    await openTab(page, '备份');
    expect(await text(page, 'backup-size')).toBe(formatBytes(archive.bytes));
    expect(await text(page, 'backup-age')).toMatch(/^0\.\d 小时$/);
    expect(await text(page, 'backup-error')).toBe('无');
    expect(await text(page, 'backup-last')).toBe(archive.at.toLocaleString('zh-CN', { hour12: false }));
    expect(scheduler.state().dir).toBe(path.join(tmp, 'backups'));
    expect(await text(page, 'backup-dir')).toBe(scheduler.state().dir);
    expect(await page.locator('[data-testid=backup-overdue]').count()).toBe(0);
    expect(await latinWords(page)).toEqual([]);
    const box = (await page.locator('[data-testid=backup-panel]').boundingBox())!;
    const zh = await screenshotStats(page, 'admin-backup-zh', { x: Math.round(box.x), y: Math.round(box.y), width: Math.round(box.width), height: Math.round(box.height) });
    expect(zh.distinct).toBeGreaterThan(20); // text on the panel, not a blank box
    await page.locator('.lang-switch').first().click();
    await page.waitForFunction(() => document.querySelector('[data-testid=admin-page] .tabs button[aria-selected=true]')?.textContent === 'Backups');
    expect(await text(page, 'backup-age')).toMatch(/^0\.\d h$/);
    expect(await text(page, 'backup-error')).toBe('None');
    expect(await text(page, 'backup-last')).toBe(archive.at.toLocaleString('en-GB', { hour12: false }));
    expect(await page.locator('[data-testid=backup-panel] th').allInnerTexts()).toEqual(expect.arrayContaining(['Last good backup', 'Age', 'Size', 'Last error']));
    await screenshotStats(page, 'admin-backup-en');
    expect(problems.errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
    expect(problems.external).toEqual([]);
    await context.close();
  }, 300_000);

  it('shows the overdue warning, the age and the last error when backups stopped working (zh-CN and English at 390 px)', async () => {
    // The newest archive is 50 h old (twice the interval is 48 h) and the next scheduled run fails.
    const old = new Date(Date.now() - 50 * 3_600_000);
    for (const b of listBackups(scheduler.state().dir)) fs.utimesSync(b.file, old, old);
    const saved = process.env.TWIN_PG_BIN;
    process.env.TWIN_PG_BIN = '/nonexistent/pg-bin';
    try {
      await expect(scheduler.runIfDue(Date.now() + 16 * 60_000)).rejects.toThrow();
    } finally {
      if (saved === undefined) delete process.env.TWIN_PG_BIN;
      else process.env.TWIN_PG_BIN = saved;
    }
    expect(await scheduler.checkOverdue()).toBe(true);
    const st = scheduler.state();
    expect(st).toMatchObject({ overdue: true });
    expect(st.lastError).toBeTruthy();

    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    const problems = collectProblems(page);
    await openTab(page, '备份');
    const warning = page.locator('[data-testid=backup-overdue]');
    await warning.waitFor();
    expect(await warning.innerText()).toBe('备份已超期：最近一次成功备份是 50 小时前，请检查备份任务。');
    expect(await text(page, 'backup-age')).toBe('50.0 小时');
    expect(await text(page, 'backup-error')).toBe(st.lastError);
    expect(await text(page, 'backup-alarm')).toBe(new Date(st.alarmAt!).toLocaleString('zh-CN', { hour12: false }));
    // The error text is the server's own (English) message; everything else on the screen is Chinese.
    const words = await page.evaluate(() => {
      const el = document.querySelector('[data-testid=backup-panel]')!.cloneNode(true) as HTMLElement;
      for (const id of ['backup-dir', 'backup-error']) el.querySelector(`[data-testid=${id}]`)?.remove();
      return (el.innerText.match(/[A-Za-z]{2,}/g) ?? []).filter((w) => !['KB', 'MB', 'GB'].includes(w));
    });
    expect(words).toEqual([]);
    // Fits the phone: nothing wider than the viewport, the warning drawn in its red.
    expect(await page.evaluate(() => document.querySelector('.admin')!.scrollWidth)).toBeLessThanOrEqual(390);
    const wb = (await warning.boundingBox())!;
    expect(wb.width).toBeLessThanOrEqual(390);
    const png = await page.screenshot();
    const [r, g, b] = await pixelAt(page, png, Math.round(wb.x + 8), Math.round(wb.y + wb.height / 2));
    expect(r).toBeGreaterThan(140);
    expect(g).toBeLessThan(90);
    expect(b).toBeLessThan(90);
    const phone = await screenshotStats(page, 'admin-backup-overdue-zh-390');
    expect(phone.distinct).toBeGreaterThan(20);
    await page.locator('.lang-switch').first().click();
    await page.waitForFunction(() => document.querySelector('[data-testid=backup-overdue]')?.textContent?.startsWith('Backups are overdue'));
    expect(await warning.innerText()).toBe('Backups are overdue: the last good backup is 50 hours old. Check the backup job.');
    expect(await text(page, 'backup-age')).toBe('50.0 h');
    await screenshotStats(page, 'admin-backup-overdue-en-390');
    expect(problems.errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
    await context.close();
  }, 300_000);
});
