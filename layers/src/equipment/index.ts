/** Equipment (G3/G4): running status, temperature and load of every device. */
import { z } from 'zod';
import { defineLayer, envelope, rampEncoder, STATUS_LEGEND, type AlarmSignal } from '../layer.ts';
import { STATUS } from '../protocol.ts';

/** Over this (°C) a device raises `over_temperature`; env sensors measure rooms, so theirs is lower. */
const MAX_TEMP = 85;
const MAX_ROOM_TEMP = 35;
const DOMAIN = [0, 100] as const;
const STOPS = [[60, 170, 90, 255], [200, 200, 80, 255], [240, 120, 40, 255]] as const;

/** Device status and temperature; value is the load in percent (or the temperature when no load is sent). */
export const equipmentLayer = defineLayer({
  name: 'equipment',
  title: { zh: '设备状态', en: 'Equipment' },
  unit: { zh: '负载 %', en: 'load %' },
  permission: 'equipment:read',
  target: 'equipment',
  history: ['equipment'],
  alarmKinds: { equipment_fault: { zh: '设备故障', en: 'Equipment fault' }, over_temperature: { zh: '温度过高', en: 'Over temperature' } },
  ingest: z.object({
    status: z.enum(['normal', 'warning', 'fault', 'offline', 'maintenance']).optional(),
    temperature: z.number().min(-60).max(1000).optional(),
    load: z.number().min(0).max(200).optional(),
    fault: z.string().max(200).optional(),
    ...envelope,
  }).strict().refine((m) => m.status !== undefined || m.temperature !== undefined || m.load !== undefined, 'one of status, temperature, load is required'),
  snapshot(msg, ctx) {
    const limit = ctx.type === 'env_sensor' ? MAX_ROOM_TEMP : MAX_TEMP;
    const hot = msg.temperature !== undefined && msg.temperature > limit;
    const status = msg.status === 'fault' || msg.fault ? STATUS.alarm
      : msg.status === 'offline' ? STATUS.offline
        : hot ? STATUS.alarm
          : msg.status === 'warning' || msg.status === 'maintenance' ? STATUS.warning : STATUS.normal;
    return { value: msg.load ?? msg.temperature ?? 0, status };
  },
  alarms(msg, ctx) {
    const out: AlarmSignal[] = [];
    if (msg.status !== undefined || msg.fault !== undefined) {
      const faulty = msg.status === 'fault' || Boolean(msg.fault);
      out.push({ kind: 'equipment_fault', active: faulty, severity: 3, message: msg.fault ?? `status ${msg.status}` });
    }
    if (msg.temperature !== undefined) {
      const limit = ctx.type === 'env_sensor' ? MAX_ROOM_TEMP : MAX_TEMP;
      out.push({ kind: 'over_temperature', active: msg.temperature > limit, severity: 2, message: `${msg.temperature} °C > ${limit} °C` });
    }
    return out;
  },
  // A floor/building/park shows how many devices under it are in alarm.
  rollup: (child) => (child.status === STATUS.alarm ? 1 : 0),
  thresholds: { maxTemperature: MAX_TEMP, maxRoomTemperature: MAX_ROOM_TEMP },
  domain: DOMAIN,
  encode: rampEncoder(DOMAIN, STOPS),
  examples: [{ status: 'normal', temperature: 42, load: 55, seq: 1 }, { status: 'fault', fault: 'compressor trip' }, { temperature: 97 }],
  legend: [
    { color: STOPS[0], zh: '低负载', en: 'Low load' },
    { color: STOPS[2], zh: '高负载', en: 'High load' },
    ...STATUS_LEGEND,
  ],
});
