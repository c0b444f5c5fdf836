/**
 * Issue 18 must-show 4: after a start on a new clock date, every date the wall shows is within
 * the current month or a past period the wall labels as such. The application clock (TestClock)
 * is moved to fixed dates (a January morning, the last half hour of a month, a leap day; never
 * today's date); each move is a start (the economy module's initialize carries the sample history
 * forward) and the wall's KPI answer is read through the route as a leadership viewer:
 *  - `at` is the clock's instant;
 *  - the economy period (from, to, monthly) lies in closed months only, to = the last closed month,
 *    within one calendar year, and the view labels it so ("统计期 …（已结束月份）");
 *  - the energy figures are today's and yesterday's hours of the clock's day (an hour index, no date).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { healthModule } from '../health.ts';
import { createLiveModule } from '../live.ts';
import { startAuthServer, type AuthTestServer, type HttpClient } from '../../auth/testing.ts';
import { seedPark } from '../../seed/index.ts';
import { economyModule } from '../economy/index.ts';
import { monthOf } from '../economy/history.ts';
import { addMonths } from '../../seed/dates.ts';
import { wallModule } from './index.ts';
import type { WallKpis } from './queries.ts';

const TZ = 'Asia/Shanghai';
/** Clock dates (UTC instants), in time order: each is a later start. */
const DATES = [
  '2027-01-03T01:30:00Z', // 09:30 on 3 January in Shanghai: the closed months are all last year's
  '2027-06-30T15:45:00Z', // 23:45 on 30 June in Shanghai (still June there; July in no zone yet that matters)
  '2028-02-29T04:00:00Z', // a leap day
  '2028-03-31T16:30:00Z', // 00:30 on 1 April in Shanghai, still 31 March in UTC
];

for (const backend of ['pglite', 'postgres'] as const) {
  describe.skipIf(backend === 'postgres' && inject('pgMissing') !== null)(`wall dates on a new clock date [${backend}]`, () => {
    let s: AuthTestServer;
    let viewer: HttpClient;
    let code = '';
    beforeAll(async () => {
      s = await startAuthServer(backend, { modules: [healthModule, createLiveModule({ mqtt: false }), economyModule, wallModule] });
      code = `dates-${backend}`;
      const seeded = await seedPark(s.server.sc.db, { seed: 11, scale: 0.05, code });
      await economyModule.seed!(s.server.sc, { parkIdx: seeded.parkIdx });
    }, 180_000);
    afterAll(async () => {
      await s?.server.stop();
    });

    for (const date of DATES) {
      it(`started at ${date}: every date on the wall is this month or a labelled past period`, async () => {
        s.clock.t = Date.parse(date);
        // A start on that date: the economy module's start-up work (carry forward, publish).
        await economyModule.initialize!(s.server.sc);
        viewer = (await s.userWith(['leadership_viewer'])).client;
        const r = await viewer.req('GET', `/api/wall/kpis?park=${code}`);
        expect(r.status, r.text).toBe(200);
        const k = r.body as WallKpis;
        const current = monthOf(new Date(s.clock.now()), TZ).slice(0, 7);
        const closed = addMonths(`${current}-01`, -1).slice(0, 7);
        // The answer's time is the clock's, in the current month of the park's zone.
        expect(k.at).toBe(new Date(s.clock.now()).toISOString());
        expect(monthOf(new Date(k.at), k.timezone).slice(0, 7)).toBe(current);
        // The economy period: closed months of one year, ending with the last closed month.
        expect(k.economy.to).toBe(closed);
        expect(k.economy.from).toBe(`${closed.slice(0, 4)}-01`);
        expect(k.economy.monthly.length).toBeGreaterThan(0);
        for (const m of k.economy.monthly) {
          expect(m.month < current, m.month).toBe(true);
          expect(m.month >= k.economy.from! && m.month <= k.economy.to!, m.month).toBe(true);
        }
        expect(k.economy.outputYtd).toBeGreaterThan(0);
        // No other field of the answer carries a date: every string that looks like one is listed here.
        const dated: string[] = [];
        const walk = (v: unknown, path: string) => {
          if (typeof v === 'string' && /\d{4}-\d{2}/.test(v)) dated.push(path);
          else if (v && typeof v === 'object') for (const [key, x] of Object.entries(v)) walk(x, `${path}.${key}`);
        };
        walk(k, 'k');
        expect(dated.filter((p) => !/^k\.economy\.monthly\.\d+\.month$/.test(p)).sort()).toEqual(['k.at', 'k.economy.from', 'k.economy.to']);
        // Energy: 24 hours of today and of yesterday (relative to the clock's day), nothing older.
        expect(k.energy.hourly.today).toHaveLength(24);
        expect(k.energy.hourly.yesterday).toHaveLength(24);
      }, 120_000);
    }

    it('the wall view labels the economy period as closed months, in both languages', async () => {
      const { default: fs } = await import('node:fs');
      const i18n = fs.readFileSync(new URL('../../../../twin-client/src/wall/i18n.ts', import.meta.url), 'utf8');
      expect(i18n).toContain("period: '统计期 {{from}}至{{to}}（已结束月份）'");
      expect(i18n).toContain("period: 'Period {{from}} to {{to}} (closed months)'");
    });
  });
}
