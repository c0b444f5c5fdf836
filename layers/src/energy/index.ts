/** Energy (G3 energy management): meter readings; value is the instantaneous power in kW. */
import { z } from 'zod';
import { defineLayer, envelope, rampEncoder, STATUS_LEGEND } from '../layer.ts';
import { STATUS } from '../protocol.ts';

/** One meter above this draw (kW) raises `energy_overload`. */
const MAX_KW = 2000;
const DOMAIN = [0, 500] as const;
const STOPS = [[40, 80, 60, 255], [120, 200, 80, 255], [250, 220, 60, 255]] as const;

/** Power (kW) and an optional cumulative energy reading (kWh); rolls up as total power. */
export const energyLayer = defineLayer({
  name: 'energy',
  title: { zh: '能耗', en: 'Energy' },
  unit: { zh: 'kW', en: 'kW' },
  permission: 'telemetry:read',
  target: 'equipment',
  alarmKinds: { energy_overload: { zh: '用电超限', en: 'Power overload' } },
  ingest: z.object({
    kw: z.number().min(0).max(1_000_000),
    kwh: z.number().min(0).max(1e12).optional(),
    ...envelope,
  }).strict(),
  snapshot: (msg) => ({ value: msg.kw, status: msg.kw > MAX_KW ? STATUS.alarm : STATUS.normal }),
  alarms: (msg) => [{ kind: 'energy_overload', active: msg.kw > MAX_KW, severity: 2, message: `${msg.kw} kW > ${MAX_KW} kW` }],
  rollup: (child) => child.value,
  thresholds: { maxKw: MAX_KW },
  domain: DOMAIN,
  encode: rampEncoder(DOMAIN, STOPS),
  examples: [{ kw: 120.5, kwh: 88000, seq: 1 }, { kw: 0 }, { kw: 2500 }],
  legend: [{ color: STOPS[0], zh: '低', en: 'Low' }, { color: STOPS[2], zh: '高', en: 'High' }, ...STATUS_LEGEND],
});
