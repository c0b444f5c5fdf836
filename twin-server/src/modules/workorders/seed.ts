/**
 * Reference data on the first start (and `twin seed`): trades, dispatch rules, knowledge base,
 * sample crews based at the park's buildings with their roster. Idempotent (ON CONFLICT DO
 * NOTHING on natural keys; crews by code). Orders come from the alarms and the preventive job.
 */
import type { ServerContext } from '../../context.ts';
import type { Queryable } from '../../db/index.ts';
import { TRADES } from './definition.ts';
import { DISPATCH_RULES, knowledgeBase, sampleCrews } from './reference.ts';

/** Trades, dispatch rules and the knowledge base (no park needed; tests call it too). */
export async function seedReference(q: Queryable): Promise<void> {
  for (const [code, name] of Object.entries(TRADES)) await q.query('INSERT INTO wo_trade (code, name) VALUES ($1, $2::jsonb) ON CONFLICT DO NOTHING', [code, JSON.stringify(name)]);
  for (const r of DISPATCH_RULES) {
    await q.query('INSERT INTO wo_dispatch_rule (equipment_type, alarm_kind, trade, min_severity) VALUES ($1, NULL, $2, $3) ON CONFLICT DO NOTHING', [r.type, r.trade, r.minSeverity]);
  }
  for (const k of knowledgeBase(DISPATCH_RULES.map((r) => r.type))) {
    await q.query('INSERT INTO wo_kb (equipment_type, model, fault, title, steps) VALUES ($1, $2, $3, $4::jsonb, $5::jsonb) ON CONFLICT DO NOTHING',
      [k.type, k.model, k.fault, JSON.stringify(k.title), JSON.stringify(k.steps)]);
  }
}

/** Sample crews at the park's building centres, day shift 08:00-20:00, night 20:00-08:00, every day. */
export async function seedCrews(q: Queryable, parkIdx: number): Promise<void> {
  const b = await q.query<{ lon: number; lat: number }>(
    'SELECT ST_X(ST_Centroid(ST_Force2D(footprint))) AS lon, ST_Y(ST_Centroid(ST_Force2D(footprint))) AS lat FROM building WHERE park_idx = $1 ORDER BY idx', [parkIdx]);
  if (b.rows.length === 0) return;
  for (const c of sampleCrews()) {
    const at = b.rows[(c.base * 7) % b.rows.length]!;
    const r = await q.query<{ id: number }>(
      `INSERT INTO wo_crew (code, name, trade, base, phone) VALUES ($1, $2::jsonb, $3, ST_SetSRID(ST_MakePoint($4, $5), 4326), $6)
       ON CONFLICT (code) DO NOTHING RETURNING id`, [c.code, JSON.stringify(c.name), c.trade, at.lon, at.lat, `138-0000-${String(1000 + c.base).slice(-4)}`]);
    const id = r.rows[0]?.id;
    if (id === undefined) continue;
    for (let d = 1; d <= 7; d++) {
      const shifts = c.shift === 'day' ? [[480, 1200]] : [[1200, 1440], [0, 480]];
      for (const [s, e] of shifts) await q.query('INSERT INTO wo_roster (crew_id, weekday, start_minute, end_minute) VALUES ($1, $2, $3, $4)', [id, d, s, e]);
    }
  }
}

/** The module's seed hook. */
export async function seedWorkOrders(sc: ServerContext, parkIdx: number): Promise<void> {
  await sc.db.transaction(async (tx) => {
    await seedReference(tx);
    await seedCrews(tx, parkIdx);
  });
}
