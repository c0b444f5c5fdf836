/** Economy (G7): monthly figures per enterprise; value is the month's output value (10k CNY). */
import { z } from 'zod';
import { defineLayer, envelope, rampEncoder } from '../layer.ts';
import { STATUS } from '../protocol.ts';

const money = z.number().min(0).max(1e12);
const DOMAIN = [0, 5000] as const;
const STOPS = [[60, 60, 110, 255], [80, 160, 220, 255], [250, 210, 90, 255]] as const;

/** Monthly report of one enterprise (device code = its unified social credit code); rolls up to the park. */
export const economyLayer = defineLayer({
  name: 'economy',
  title: { zh: '经济指标', en: 'Economy' },
  unit: { zh: '万元', en: '10k CNY' },
  permission: 'economy:read',
  target: 'enterprise',
  history: ['enterprise'],
  ingest: z.object({
    month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'month is YYYY-MM'),
    output_value: money,
    revenue: money,
    tax: money,
    rd_spend: money.optional(),
    energy_kwh: money.optional(),
    staff: z.number().int().min(0).max(1_000_000).optional(),
    ...envelope,
  }).strict(),
  snapshot: (msg) => ({ value: msg.output_value, status: STATUS.normal }),
  rollup: (child) => child.value,
  thresholds: {},
  domain: DOMAIN,
  encode: rampEncoder(DOMAIN, STOPS),
  examples: [{ month: '2026-10', output_value: 1200, revenue: 1100, tax: 80, staff: 120 }],
  legend: [{ color: STOPS[0], zh: '低产值', en: 'Low output' }, { color: STOPS[2], zh: '高产值', en: 'High output' }],
});
