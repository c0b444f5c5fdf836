/**
 * Energy truth (issue 18 must-show 4): a day and a bit of simulated meter readings (the
 * simulator's own message function, read at irregular intervals of 20-90 s, as a busy broker
 * does) go through the real telemetry writer, which keeps the hourly roll-ups; the wall's kWh
 * figures then equal the integral of the load (kW) over the same windows, and the load figure
 * is the meters' latest kW. Independent of the date and hour it runs at.
 */
import { expect, it } from 'vitest';
import { describeEachBackend } from '../../db/testing.ts';
import { seedPark } from '../../seed/index.ts';
import { ensurePartitions, TelemetryWriter } from '../../ingest/writer.ts';
import { createLogger } from '../../log.ts';
import { nextMessage, type SimDevice, type SimStats } from '../../sim/simulator.ts';
import { findPark, parkKpis } from './queries.ts';

describeEachBackend('wall energy figures', ({ db }) => {
  it('kWh today, yesterday and the same time yesterday equal the integral of the load; the load is the latest kW', async () => {
    await seedPark(db(), { seed: 5, scale: 0.1, code: 'energy-truth' });
    const park = (await findPark(db(), 'energy-truth'))!;
    const meters = (await db().query<{ idx: number; code: string; rated: number }>(
      `SELECT idx, code, COALESCE(rated_power_kw, 200)::float8 AS rated FROM equipment WHERE park_idx = $1 AND type = 'power_meter' ORDER BY idx LIMIT 3`, [park.idx])).rows;
    expect(meters).toHaveLength(3);
    const d0 = (await db().query<{ d0: Date }>(`SELECT date_trunc('day', now() AT TIME ZONE $1) AT TIME ZONE $1 AS d0`, [park.timezone])).rows[0]!.d0.getTime();
    const end = Date.now() - 1000;
    const start = d0 - 25 * 3600e3;
    await ensurePartitions(db());
    await db().query(`SELECT telemetry_ensure_partitions(($1::timestamptz)::date - 1, 4)`, [new Date(start)]);
    const writer = new TelemetryWriter(db(), createLogger('silent'));
    const state = new Map<string, { seq: number; faultUntil: number; kwh: number; at?: number }>();
    const stats: SimStats = { published: 0, faults: 0, intrusions: 0, devices: 3 };
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    // Per meter: [ms, kW, kWh] readings in time order.
    const series = new Map<number, [number, number, number][]>();
    for (const m of meters) {
      const dev: SimDevice = { park: park.code, code: m.code, type: 'power_meter', capacity: null, ratedKw: m.rated, perimeter: false, source: 'equipment' };
      const rows: [number, number, number][] = [];
      for (let t = start + rand() * 30e3; t <= end; t += 20e3 + rand() * 70e3) {
        const msg = nextMessage(dev, state, new Date(t), rand, stats);
        const p = msg.payload as { kw: number; kwh: number; seq: number };
        rows.push([Math.round(t), p.kw, p.kwh]);
        void writer.enqueue({ ts: Math.round(t), device: `${park.code}/${m.code}`, seq: p.seq, idx: m.idx, layer: 4, value: p.kw, status: 0, payload: p });
      }
      series.set(m.idx, rows);
    }
    await writer.close();

    /** The load integrated over [a, b] (trapezoids between readings; kWh), summed over the meters. */
    const integral = (a: number, b: number) => {
      let sum = 0;
      for (const rows of series.values()) {
        for (let i = 1; i < rows.length; i++) {
          const [t1, k1] = rows[i - 1]!;
          const [t2, k2] = rows[i]!;
          const lo = Math.max(a, t1);
          const hi = Math.min(b, t2);
          if (hi > lo) sum += (((k1 + k2) / 2) * (hi - lo)) / 3600e3;
        }
      }
      return sum;
    };
    // Readings come every 20-90 s: at each edge of a window a reading interval may fall either side.
    const edge = meters.reduce((a, m) => a + (m.rated * 1.2 * 90) / 3600, 0) * 2;
    const close = (got: number, want: number) => expect(Math.abs(got - want), `${got} vs ${want}`).toBeLessThanOrEqual(want * 0.02 + edge + 0.1);

    const k = await parkKpis(db(), park);
    const at = Date.parse(k.at);
    close(k.energy.todayKwh, integral(d0, at));
    close(k.energy.yesterdayKwh, integral(d0 - 86400e3, d0));
    close(k.energy.yesterdaySameTimeKwh, integral(d0 - 86400e3, at - 86400e3));
    expect(k.energy.yesterdayKwh).toBeGreaterThan(100);
    expect(k.energy.hourly.today.reduce((a, b) => a + b, 0)).toBeCloseTo(k.energy.todayKwh, 0);
    expect(k.energy.hourly.yesterday.reduce((a, b) => a + b, 0)).toBeCloseTo(k.energy.yesterdayKwh, 0);
    // Each of yesterday's hours agrees with the load of that hour.
    for (let h = 1; h < 23; h++) close(k.energy.hourly.yesterday[h]!, integral(d0 - 86400e3 + h * 3600e3, d0 - 86400e3 + (h + 1) * 3600e3));
    // The load figure is the sum of the meters' latest kW.
    const latest = [...series.values()].reduce((a, rows) => a + rows.at(-1)![1], 0);
    expect(k.energy.powerKw).toBeCloseTo(latest, 0);
  }, 240_000);
});
