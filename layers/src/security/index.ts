/** Security (G5): access swipes, perimeter intrusion and tamper events from readers, gates and cameras. */
import { z } from 'zod';
import { defineLayer, envelope, rampEncoder, STATUS_LEGEND, type AlarmSignal } from '../layer.ts';
import { STATUS } from '../protocol.ts';

/** This many denied swipes at one reader within the window raise `access_denied_burst`. */
const BURST_COUNT = 5;
const BURST_WINDOW_MS = 60_000;
const DOMAIN = [0, 10] as const;
const STOPS = [[70, 90, 130, 255], [150, 110, 200, 255]] as const;

/** One security event; value is the number of denied swipes in the burst window. */
export const securityLayer = defineLayer({
  name: 'security',
  title: { zh: '安防事件', en: 'Security' },
  unit: { zh: '次', en: 'events' },
  permission: 'security:read',
  target: 'equipment',
  alarmKinds: { perimeter_intrusion: { zh: '周界入侵', en: 'Perimeter intrusion' }, access_denied_burst: { zh: '门禁连续拒绝', en: 'Repeated access denials' } },
  ingest: z.object({
    event: z.enum(['access_granted', 'access_denied', 'intrusion', 'tamper', 'clear']),
    card: z.string().max(64).optional(),
    ...envelope,
  }).strict(),
  snapshot(msg, ctx) {
    const denied = msg.event === 'access_denied' ? ctx.burst('denied', BURST_WINDOW_MS) : 0;
    const status = msg.event === 'intrusion' || msg.event === 'tamper' || denied >= BURST_COUNT ? STATUS.alarm
      : denied > 0 ? STATUS.warning : STATUS.normal;
    return { value: denied, status };
  },
  alarms(msg, ctx) {
    const out: AlarmSignal[] = [];
    if (msg.event === 'intrusion') out.push({ kind: 'perimeter_intrusion', active: true, severity: 3, message: 'perimeter intrusion detected' });
    if (msg.event === 'access_denied') {
      const n = ctx.burst('denied', BURST_WINDOW_MS);
      if (n >= BURST_COUNT) out.push({ kind: 'access_denied_burst', active: true, severity: 2, message: `${n} denied swipes within ${BURST_WINDOW_MS / 1000} s` });
    }
    // Intrusions and bursts are cleared by an operator or an explicit `clear` event.
    if (msg.event === 'clear') {
      out.push({ kind: 'perimeter_intrusion', active: false, severity: 3, message: 'cleared at the device' });
      out.push({ kind: 'access_denied_burst', active: false, severity: 2, message: 'cleared at the device' });
    }
    return out;
  },
  rollup: (child) => (child.status === STATUS.alarm ? 1 : 0),
  thresholds: { burstCount: BURST_COUNT, burstWindowMs: BURST_WINDOW_MS },
  domain: DOMAIN,
  encode: rampEncoder(DOMAIN, STOPS),
  examples: [{ event: 'access_granted', card: 'A1' }, { event: 'access_denied', seq: 3 }, { event: 'intrusion', ts: 1764000000000 }],
  legend: [{ color: STOPS[0], zh: '正常', en: 'Normal' }, ...STATUS_LEGEND],
});
