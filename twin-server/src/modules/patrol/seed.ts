/**
 * Sample patrol data on the first start (and `twin seed`): two guards' readers, a perimeter round
 * every 5 minutes over the perimeter gates and cameras and a building round every 10 minutes over
 * the first building's doors, two watch-list entries and three visitor passes (valid now, expired,
 * tomorrow). With the simulator (sim/security.ts) a demo shows rounds, a missed checkpoint, access
 * events, a refused pass and a watch-list hit within minutes. Idempotent.
 */
import type { Queryable } from '../../db/index.ts';

/** Seeds the sample patrol data of a park (nothing when it has routes already). */
export async function seedPatrol(db: Queryable, parkIdx: number, now: number): Promise<void> {
  if ((await db.query('SELECT 1 FROM patrol_route WHERE park_idx = $1 LIMIT 1', [parkIdx])).rows.length) return;
  await db.query(`INSERT INTO patrol_reader (park_idx, code, guard) VALUES ($1, 'GUARD-PDA-01', '保安 张伟'), ($1, 'GUARD-PDA-02', '保安 李强') ON CONFLICT DO NOTHING`, [parkIdx]);
  const perimeter = (await db.query<{ idx: number }>(
    `SELECT e.idx FROM equipment e LEFT JOIN access_point ap ON ap.idx = e.idx LEFT JOIN zone z ON z.idx = ap.zone_idx LEFT JOIN camera c ON c.idx = e.idx
     WHERE e.park_idx = $1 AND (z.zone_type = 'perimeter' OR c.coverage = 'perimeter' OR e.type = 'barrier_gate') ORDER BY e.type, e.idx LIMIT 4`, [parkIdx])).rows;
  const building = (await db.query<{ idx: number }>(
    `SELECT e.idx FROM equipment e JOIN access_point ap ON ap.idx = e.idx WHERE e.park_idx = $1 AND e.building_idx =
       (SELECT min(building_idx) FROM equipment x JOIN access_point y ON y.idx = x.idx WHERE x.park_idx = $1) ORDER BY e.idx LIMIT 3`, [parkIdx])).rows;
  const route = async (code: string, name: { zh: string; en: string }, prefix: string, objs: Array<{ idx: number }>, stepS: number, everyS: number, offsetS: number, graceS: number) => {
    if (!objs.length) return;
    const r = await db.query<{ id: number }>('INSERT INTO patrol_route (park_idx, code, name, created_by) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING id', [parkIdx, code, JSON.stringify(name), 'system']);
    if (!r.rows[0]) return;
    const id = Number(r.rows[0].id);
    for (const [n, o] of objs.entries()) await db.query('INSERT INTO patrol_checkpoint (route_id, n, tag, idx, due_s) VALUES ($1, $2, $3, $4, $5)', [id, n, `${prefix}-${String(n + 1).padStart(2, '0')}`, o.idx, stepS * (n + 1)]);
    await db.query('INSERT INTO patrol_schedule (route_id, every_s, offset_s, grace_s) VALUES ($1, $2, $3, $4)', [id, everyS, offsetS, graceS]);
  };
  await route('perimeter', { zh: '周界巡更', en: 'Perimeter round' }, `P${parkIdx}`, perimeter, 60, 300, 0, 45);
  await route('building', { zh: '楼宇巡更', en: 'Building round' }, `B${parkIdx}`, building, 90, 600, 120, 60);
  await db.query(
    `INSERT INTO watchlist_entry (park_idx, code, label, reason, added_by) VALUES
       ($1, 'WL-001', '布控对象 001', '多次尾随进入园区', 'system'), ($1, 'WL-002', '布控对象 002', '公安协查通报', 'system') ON CONFLICT DO NOTHING`, [parkIdx]);
  const host = (await db.query<{ name: string }>('SELECT o.name FROM enterprise e JOIN twin_object o ON o.idx = e.idx WHERE e.park_idx = $1 ORDER BY e.idx LIMIT 1', [parkIdx])).rows[0]?.name ?? '园区管理处';
  const h = 3_600_000;
  const passes: Array<[string, string, number, number]> = [
    [`V${parkIdx}DEMO01`, '王先生', now - h, now + 8 * h],
    [`V${parkIdx}DEMO02`, '刘女士', now - 48 * h, now - 24 * h],
    [`V${parkIdx}DEMO03`, '陈先生', now + 24 * h, now + 30 * h],
  ];
  for (const [code, visitor, from, to] of passes) {
    await db.query('INSERT INTO visitor_pass (park_idx, code, visitor, host, valid_from, valid_to, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING',
      [parkIdx, code, visitor, host.slice(0, 100), new Date(from).toISOString(), new Date(to).toISOString(), 'system']);
  }
}
