/** Occupancy (G3): people counted per room by occupancy sensors; rolls up as a head count. */
import { z } from 'zod';
import { defineLayer, envelope, rampEncoder, STATUS_LEGEND } from '../layer.ts';
import { STATUS } from '../protocol.ts';

const WARN_RATIO = 0.9;
const DOMAIN = [0, 60] as const;
const STOPS = [[40, 60, 90, 255], [40, 140, 200, 255], [90, 210, 230, 255]] as const;

/** People count per room; over capacity raises `occupancy_over_capacity`. */
export const occupancyLayer = defineLayer({
  name: 'occupancy',
  title: { zh: '人员密度', en: 'Occupancy' },
  unit: { zh: '人', en: 'people' },
  permission: 'park:read',
  target: 'room-of-equipment',
  history: ['room', 'floor', 'building', 'park'],
  alarmKinds: { occupancy_over_capacity: { zh: '超员', en: 'Over capacity' } },
  ingest: z.object({ count: z.number().int().min(0).max(100_000), ...envelope }).strict(),
  snapshot(msg, ctx) {
    const cap = ctx.capacity ?? null;
    if (cap === null || cap <= 0) return { value: msg.count, status: STATUS.normal };
    const status = msg.count > cap ? STATUS.alarm : msg.count >= cap * WARN_RATIO ? STATUS.warning : STATUS.normal;
    return { value: msg.count, status };
  },
  alarms(msg, ctx) {
    const cap = ctx.capacity ?? null;
    if (cap === null || cap <= 0) return [];
    return [{ kind: 'occupancy_over_capacity', active: msg.count > cap, severity: 2, message: `${msg.count} people, capacity ${cap}` }];
  },
  rollup: (child) => child.value,
  thresholds: { warnRatio: WARN_RATIO, alarmRatio: 1 },
  domain: DOMAIN,
  encode: rampEncoder(DOMAIN, STOPS),
  examples: [{ count: 12, seq: 1 }, { count: 0 }, { count: 80, seq: 2, ts: '2026-11-25T08:00:00+08:00' }],
  legend: [
    { color: STOPS[0], zh: '空闲', en: 'Empty' },
    { color: STOPS[2], zh: '密集', en: 'Busy' },
    ...STATUS_LEGEND,
  ],
});
