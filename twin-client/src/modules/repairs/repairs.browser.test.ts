/**
 * The repairs journey in headless Chromium against the real server (seeded park, real tiles),
 * each step as the role that does it (issue 19 must-show 2, issue 13 must-show 6):
 *  - a tenant (enterprise user) on a phone-sized page opens its room in the 3D twin, takes the
 *    room panel's "报修" action and submits the generated form;
 *  - the property manager finds it in the list, assigns a maintenance worker and dispatches it;
 *  - the worker starts and finishes it;
 *  - the tenant's bell lights up without a reload (WebSocket push), the notification opens the
 *    request, and the tenant rates it; it closes. Screens are in Chinese; English on request.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ensureClientBuilt, launchBrowser, screenshotStats } from '../../../../test/browser.ts';
import { signedInPerson, type Person } from '../../../../test/people.ts';
import { startSceneServer, waitReady, type SceneServer } from '../../../../test/scene-harness.ts';
import { notificationsModule } from '../../../../twin-server/src/kit/notifications/module.ts';
import { repairsModule } from '../../../../twin-server/src/modules/repairs/index.ts';


describe.skipIf(inject('chromiumMissing') !== null || inject('pgMissing') !== null)('repairs journey in the browser', () => {
  let s: SceneServer;
  let browser: Browser;
  let room: { idx: number; building: number; floor: number; name: string; enterprise: number };
  let tenant: Person;
  let manager: Person;
  let worker: Person;
  let id = 0;

  /** A user with roles, signed in, with a browser context of its own (test/people.ts). */
  const person = (roles: string[], name: string, viewport: { width: number; height: number }, enterprise: number | null = null): Promise<Person> =>
    signedInPerson(s, browser, roles, name, { viewport, enterprise });
  const detail = (p: Page, state: string) => p.locator(`.kit-detail[data-record="${id}"][data-state="${state}"]`).waitFor({ timeout: 30_000 });

  beforeAll(async () => {
    ensureClientBuilt();
    s = await startSceneServer('postgres', { modules: [notificationsModule(), repairsModule] });
    const r = await s.testDb.db.query<{ idx: number; building: number; floor: number; name: string; enterprise: number }>(
      `SELECT r.idx, r.building_idx AS building, r.floor_idx AS floor, o.name, l.enterprise_idx AS enterprise
       FROM lease l JOIN room r ON r.idx = l.room_idx JOIN twin_object o ON o.idx = r.idx JOIN building b ON b.idx = r.building_idx
       JOIN park p ON p.idx = b.park_idx WHERE p.code = $1 AND l.status = 'active' ORDER BY r.idx LIMIT 1`, [s.park]);
    room = r.rows[0]!;
    browser = await launchBrowser();
    tenant = await person(['enterprise_user'], '甲公司行政', { width: 390, height: 844 }, room.enterprise);
    manager = await person(['property_manager'], '物业王经理', { width: 1280, height: 800 });
    worker = await person(['maintenance'], '维修李师傅', { width: 1280, height: 800 });
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await s?.stop();
  });

  it('the tenant reports a repair from its room in the 3D twin on a phone', async () => {
    const p = tenant.page;
    await p.goto(`${s.server.url}/?park=${s.park}&b=${room.building}&f=${room.floor}&o=${room.idx}`);
    await waitReady(p);
    const action = p.locator('[data-action="repairs.report"]');
    await action.waitFor({ timeout: 60_000 });
    expect(await action.innerText()).toBe('报修');
    await action.click();
    await p.waitForURL(/\/service\/repairs\?.*new=1/);
    const form = p.locator('[data-form="create"]');
    await form.waitFor();
    expect(await p.locator('[data-kit="object"]').innerText()).toContain(room.name);
    // Validation in Chinese before anything is sent.
    await form.locator('[data-kit="submit"]').click();
    await expect.poll(() => form.locator('.kit-field-error').count()).toBeGreaterThan(0);
    expect(await form.locator('.kit-field-error').first().innerText()).toBe('必填');
    await form.locator('[data-field="title"] input').fill('会议室空调不制冷');
    await form.locator('[data-field="category"] select').selectOption('hvac');
    await form.locator('[data-field="urgency"] select').selectOption('urgent');
    await form.locator('[data-field="description"] textarea').fill('下午两点起出风不凉');
    await form.locator('[data-kit="submit"]').click();
    const d = p.locator('.kit-detail[data-state="submitted"]');
    await d.waitFor({ timeout: 30_000 });
    id = Number(await d.getAttribute('data-record'));
    expect(id).toBeGreaterThan(0);
    expect(await p.locator('[data-kit="state"]').innerText()).toBe('待派单');
    const text = await d.innerText();
    expect(text).toContain('会议室空调不制冷');
    expect(text).not.toMatch(/Submitted|Summary|Category|Urgency/);
    await screenshotStats(p, 'repairs-1-tenant-phone');
  }, 240_000);

  it('the property manager assigns a worker and dispatches it', async () => {
    const p = manager.page;
    await p.goto(`${s.server.url}/service/repairs?park=${s.park}`);
    const row = p.locator(`.kit-table tr[data-record="${id}"]`);
    await row.waitFor({ timeout: 30_000 });
    expect(await row.innerText()).toContain('待派单');
    await row.click();
    await detail(p, 'submitted');
    // The manager corrects the urgency with the generated edit form.
    await p.locator('[data-kit="edit"]').click();
    await p.locator('[data-form="edit"] [data-field="urgency"] select').selectOption('normal');
    await p.locator('[data-form="edit"] [data-kit="submit"]').click();
    await p.locator(`.kit-detail[data-record="${id}"][data-version="2"]`).waitFor({ timeout: 15_000 });
    expect(await p.locator('.kit-facts').innerText()).toContain('一般');
    await p.locator('[data-kit="assign-select"]').selectOption(worker.id);
    await expect.poll(() => p.locator('[data-kit="assignees"]').innerText(), { timeout: 15_000 }).toContain('维修李师傅');
    await p.locator('[data-transition="dispatch"]').click();
    await detail(p, 'assigned');
    expect(await p.locator('[data-kit="state"]').innerText()).toBe('已派单');
  }, 120_000);

  it('the worker starts and finishes it', async () => {
    const p = worker.page;
    await p.goto(`${s.server.url}/service/repairs?park=${s.park}&id=${id}`);
    await detail(p, 'assigned');
    await p.locator('[data-transition="start"]').click();
    await detail(p, 'in_progress');
    await p.locator('[data-transition="finish"]').click();
    await detail(p, 'done');
  }, 120_000);

  it('the tenant is notified without a reload, opens the notification and rates the repair', async () => {
    const p = tenant.page;
    await expect.poll(() => p.locator('[data-kit="unread"]').count(), { timeout: 30_000 }).toBe(1);
    expect(await p.locator('[data-kit="unread"]').innerText()).toBe('1');
    await p.locator('[data-kit="bell"]').click();
    const note = p.locator('[data-notification="repair.done"] a').first();
    expect(await note.innerText()).toContain('您的报修已完成，请评价');
    await note.click();
    await detail(p, 'done');
    await expect.poll(() => p.locator('[data-kit="unread"]').count()).toBe(0);
    await p.locator('[data-transition="rate"]').click();
    const form = p.locator('[data-form="transition-rate"]');
    await form.locator('[data-field="rating"] select').selectOption('5');
    await form.locator('[data-kit="submit"]').click();
    await detail(p, 'closed');
    expect(await p.locator('[data-kit="state"]').innerText()).toBe('已完结');
    expect(await p.locator('.kit-history li').count()).toBe(4);
    await screenshotStats(p, 'repairs-2-tenant-closed');
    // The English switch relabels the same screen.
    await p.locator('.lang-switch').click();
    await expect.poll(() => p.locator('[data-kit="state"]').innerText()).toBe('Closed');
    for (const who of [tenant, manager, worker]) expect(who.problems.errors, who.name).toEqual([]);
    for (const who of [tenant, manager, worker]) expect(who.problems.external, who.name).toEqual([]);
  }, 120_000);
});
