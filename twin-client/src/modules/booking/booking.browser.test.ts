/**
 * Meeting-room booking in headless Chromium against the real server (seeded park, real tiles,
 * PostgreSQL), issue 19 must-show 3:
 *  - a property manager's twin shows the meeting-room layer: the room free (green texel and green
 *    pixels over the room);
 *  - two enterprise users (one on a 390 px phone, one at 1280 px) fill the same slot of the same
 *    room in /service/booking and press "预订" at the same moment: exactly one sees "预订成功",
 *    the other a clear Chinese message that someone else has just booked it (with the taken time);
 *  - the twin, without a reload, turns the room red (booked now), pushed on the stream;
 *  - the room panel in 3D shows it booked with the booking; English labels on request.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ensureClientBuilt, launchBrowser, pixelAt, screenshotStats } from '../../../../test/browser.ts';
import { signedInPerson, type Person } from '../../../../test/people.ts';
import { startSceneServer, waitReady, type SceneServer } from '../../../../test/scene-harness.ts';
import { notificationsModule } from '../../../../twin-server/src/kit/notifications/module.ts';
import { bookingModule } from '../../../../twin-server/src/modules/booking/index.ts';
import { seedBooking } from '../../../../twin-server/src/modules/booking/seed.ts';

const HAN = /\p{Script=Han}/u;

describe.skipIf(inject('chromiumMissing') !== null || inject('pgMissing') !== null)('meeting-room booking in the browser', () => {
  let s: SceneServer;
  let browser: Browser;
  let room: { idx: number; building: number; floor: number; name: string };
  let a: Person;
  let b: Person;
  let desk: Person;

  /** A user with roles, signed in, with a browser context of its own (test/people.ts). */
  const person = (roles: string[], name: string, viewport: { width: number; height: number }, enterprise: number | null = null): Promise<Person> =>
    signedInPerson(s, browser, roles, name, { viewport, enterprise, timezoneId: 'Asia/Shanghai' });
  const texel = (p: Page, idx: number) => p.evaluate((i) => (window as unknown as { __twin: { texel(i: number): number[] } }).__twin.texel(i).slice(0, 3), idx);
  /** Screen pixels over the room (its grid points): how many are clearly green and clearly red. */
  async function roomPixels(p: Page): Promise<{ green: number; red: number; points: number }> {
    // Only points where the room itself is the drawn object (not a neighbour in front of it).
    const pts = await p.evaluate((i) => {
      const t = (window as unknown as { __twin: { gridOf(i: number): { x: number; y: number }[]; idxAt(x: number, y: number): number } }).__twin;
      return t.gridOf(i).filter((pt) => t.idxAt(pt.x, pt.y) === i);
    }, room.idx);
    const png = await p.screenshot();
    let green = 0;
    let red = 0;
    for (const pt of pts) {
      const [r, g, bl] = await pixelAt(p, png, Math.round(pt.x), Math.round(pt.y));
      if (g > r + 40 && g > bl + 20) green++;
      if (r > g + 60 && r > bl + 60) red++;
    }
    return { green, red, points: pts.length };
  }

  beforeAll(async () => {
    ensureClientBuilt();
    s = await startSceneServer('postgres', { modules: [notificationsModule(), bookingModule] });
    const parkIdx = (await s.testDb.db.query<{ idx: number }>('SELECT idx FROM park WHERE code = $1', [s.park])).rows[0]!.idx;
    await seedBooking(s.server.sc, parkIdx);
    const r = await s.testDb.db.query<{ idx: number; building: number; floor: number; name: string }>(
      `SELECT r.idx, r.building_idx AS building, r.floor_idx AS floor, o.name FROM booking_room br JOIN room r ON r.idx = br.room_idx JOIN twin_object o ON o.idx = r.idx
       JOIN building b ON b.idx = r.building_idx WHERE b.park_idx = $1 ORDER BY r.idx LIMIT 1`, [parkIdx]);
    room = r.rows[0]!;
    // A free room now and for the next hours (the sample bookings of this one are dropped).
    await s.testDb.db.query('DELETE FROM booking WHERE room_idx = $1', [room.idx]);
    const ents = (await s.testDb.db.query<{ ent: number }>("SELECT DISTINCT enterprise_idx AS ent FROM lease WHERE status = 'active' ORDER BY 1 LIMIT 2")).rows;
    browser = await launchBrowser();
    a = await person(['enterprise_user'], '甲公司行政', { width: 390, height: 844 }, ents[0]!.ent);
    b = await person(['enterprise_user'], '乙公司行政', { width: 1280, height: 800 }, ents[1]?.ent ?? ents[0]!.ent);
    desk = await person(['property_manager'], '物业孙主管', { width: 1280, height: 800 });
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await s?.stop();
  });

  it('the twin\'s meeting-room layer shows the room free', async () => {
    const p = desk.page;
    await p.goto(`${s.server.url}/?park=${s.park}&b=${room.building}&f=${room.floor}&layer=booking`);
    await waitReady(p);
    const button = p.locator('.layer-buttons [data-layer="booking"]');
    await button.waitFor({ timeout: 30_000 });
    expect(await button.innerText()).toBe('会议室');
    await button.click();
    await expect.poll(() => texel(p, room.idx), { timeout: 30_000 }).toEqual([46, 204, 113]);
    expect(await p.locator('.legend').innerText()).toContain('当前空闲');
    await p.evaluate((i) => (window as unknown as { __twin: { frameObject(i: number, f?: number): void } }).__twin.frameObject(i, 2), room.idx);
    await waitReady(p);
    await expect.poll(async () => (await roomPixels(p)).green, { timeout: 30_000 }).toBeGreaterThan(0);
    expect((await roomPixels(p)).red).toBe(0);
    await screenshotStats(p, 'booking-1-twin-free');
  }, 300_000);

  it('two users book the same slot at once: exactly one succeeds, the other is told plainly', async () => {
    for (const u of [a, b]) {
      await u.page.goto(`${s.server.url}/service/booking?park=${s.park}`);
      await u.page.locator(`[data-booking-open="${room.idx}"]`).click({ timeout: 60_000 });
      const f = u.page.locator(`[data-booking-form="${room.idx}"]`);
      await f.waitFor();
      // The current half hour (the browser's local time), 60 minutes (30 from 23:30 so it ends at midnight).
      const slot = await u.page.evaluate(() => {
        const d = new Date(Math.floor(Date.now() / 1_800_000) * 1_800_000);
        const pad = (n: number) => String(n).padStart(2, '0');
        return { date: `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`, start: `${pad(d.getHours())}:${pad(d.getMinutes())}`, minutes: d.getHours() === 23 && d.getMinutes() === 30 ? 30 : 60 };
      });
      await f.locator('[data-booking-field="title"]').fill(`${u.name}的周例会`);
      await f.locator('[data-booking-field="date"]').fill(slot.date);
      await f.locator('[data-booking-field="start"]').selectOption(slot.start);
      await f.locator('[data-booking-field="minutes"]').selectOption(String(slot.minutes));
    }
    await Promise.all([a, b].map((u) => u.page.locator('[data-booking-submit]').click()));
    const results = await Promise.all([a, b].map(async (u) => {
      const r = u.page.locator('[data-booking-result]');
      await r.waitFor({ timeout: 30_000 });
      return { kind: await r.getAttribute('data-booking-result'), text: await r.innerText(), u };
    }));
    expect(results.map((r) => r.kind).sort()).toEqual(['conflict', 'ok']);
    const lost = results.find((r) => r.kind === 'conflict')!;
    expect(lost.text).toContain('该时段已被他人预订，请选择其他时间');
    expect(lost.text).toMatch(/已占用：\d\d:\d\d–\d\d:\d\d/);
    expect(results.find((r) => r.kind === 'ok')!.text).toContain('预订成功');
    const live = await s.testDb.db.query<{ n: number }>("SELECT count(*)::int AS n FROM booking WHERE room_idx = $1 AND status = 'booked'", [room.idx]);
    expect(live.rows[0]!.n).toBe(1);
    await screenshotStats(lost.u.page, `booking-2-conflict-${lost.u === a ? 'phone' : 'desk'}`);
    if (lost.u === a) expect(await a.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
  }, 180_000);

  it('the twin turns the room booked without a reload, and its panel shows the booking', async () => {
    const p = desk.page;
    await expect.poll(() => texel(p, room.idx), { timeout: 30_000 }).toEqual([231, 76, 60]);
    // The texel changes before the next frame is drawn: wait for a frame where the room is red and no longer green.
    await expect.poll(async () => {
      const px = await roomPixels(p);
      return { red: px.red > 0, green: px.green };
    }, { timeout: 30_000 }).toEqual({ red: true, green: 0 });
    await screenshotStats(p, 'booking-3-twin-booked');
    await p.goto(`${s.server.url}/?park=${s.park}&b=${room.building}&f=${room.floor}&o=${room.idx}&layer=booking`);
    // Generous: on a loaded CI machine the second full twin load of this page can take minutes.
    await waitReady(p, 240_000);
    const sec = p.locator(`[data-room-booking="${room.idx}"]`);
    await sec.waitFor({ timeout: 60_000 });
    expect(await sec.getAttribute('data-now')).toBe('booked');
    expect(await sec.innerText()).toContain('的周例会');
    await p.locator('.lang-switch').click();
    await expect.poll(() => sec.locator('.booking-now').innerText()).toBe('Booked now');
    expect(await sec.locator('h4, .booking-now, button, label').allInnerTexts().then((t) => t.join('\n'))).not.toMatch(HAN);
    // The only refused call of this module is the loser's booking (409). Other panel sections' misses are listed.
    const failed = [a, b, desk].flatMap((w) => w.failed);
    console.log(`failed answers: ${JSON.stringify(failed)}`);
    expect(failed.filter((f) => f.includes('/api/booking/'))).toEqual(['409 POST /api/booking/bookings']);
    for (const who of [a, b, desk]) expect(who.problems.errors.length, who.name).toBe(who.failed.length);
    for (const who of [a, b, desk]) expect(who.problems.external, who.name).toEqual([]);
  }, 300_000);
});
