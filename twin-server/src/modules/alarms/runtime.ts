/**
 * Wires the rule engine into the live module: installs it as the ingest pipeline's alarm rules,
 * reloads the rules when they change (on this node at once, on the others through NOTIFY
 * `twin_alarm_rules`), annotates committed alarms with their rule and parameters, pushes every
 * alarm change to the consoles (NOTIFY `twin_alarm` → `{type: 'alarms.changed'}` on every node)
 * and notifies the security operators of new critical alarms.
 */
import { alarmKind, LAYERS, type LayerContext, type LayerDef } from '@park-twin/layers';
import type { ServerContext } from '../../context.ts';
import type { Queryable } from '../../db/index.ts';
import type { AlarmRules, RuleAlarmSignal } from '../../ingest/pipeline.ts';
import type { DeviceInfo, DirectoryData } from '../../ingest/directory.ts';
import type { AlarmOp } from '../../ingest/writer.ts';
import { liveRuntimeOf, type LiveRuntime } from '../live.ts';
import { notify } from '../../kit/notifications/service.ts';
import { runningAuthService } from '../../auth/index.ts';
import { deviceActor, systemActor } from '../actors.ts';
import { RuleEngine, renderTemplate, type Condition, type Rule, type Scope, type Target } from './engine.ts';

/** The NOTIFY channel of console changes. */
export const ALARM_CHANNEL = 'twin_alarm';
const RULES_CHANNEL = 'twin_alarm_rules';

/** The push every console receives when an alarm changes (any node, any cause). */
export interface AlarmsChanged {
  readonly type: 'alarms.changed';
  readonly id: number | null;
  readonly idx: number;
  readonly action: string;
  readonly state: string;
  readonly severity: number;
}

/** A stored rule row. */
export interface RuleRow {
  id: number; code: string; name: { zh: string; en: string }; layer: string; kind: string; scope: Scope; condition: Condition | null;
  for_seconds: number; latch: boolean; clear_on: Condition | null; no_data_minutes: number | null; severity: number;
  message: { zh: string; en: string }; enabled: boolean; builtin: boolean; version: number; updated_at: Date | string; updated_by: string | null;
}

/** Reads every rule. */
export async function loadRules(q: Queryable): Promise<RuleRow[]> {
  return (await q.query<RuleRow>('SELECT * FROM alarm_rule ORDER BY layer, kind, id')).rows;
}

/** A stored row as the engine's rule. */
export function toRule(r: RuleRow): Rule {
  return {
    id: r.id, layer: r.layer, kind: r.kind, scope: r.scope ?? {}, when: r.condition, forSeconds: r.for_seconds, latch: r.latch, clearOn: r.clear_on,
    noDataMinutes: r.no_data_minutes, severity: Math.min(3, Math.max(1, r.severity)) as 1 | 2 | 3, message: r.message, enabled: r.enabled,
  };
}

/** The alarms runtime of one server. */
export class AlarmsRuntime {
  readonly engine = new RuleEngine();
  private targets = new Map<number, Target>();
  private targetsOf: DirectoryData | null = null;
  private readonly stops: Array<() => Promise<void> | void> = [];
  /** Counters for tests and stats. */
  readonly stats = { reloads: 0, pushed: 0, noData: 0 };

  /** What the ingest pipeline calls for every live reading. */
  readonly hooks: AlarmRules = { evaluate: (layer, target, dev, msg, ctx, open) => this.evaluate(layer, target, dev, msg, ctx, open) };

  constructor(private readonly sc: ServerContext, readonly live: Pick<LiveRuntime, 'ingest' | 'writer' | 'hub' | 'directory' | 'stream'>) {}

  /** Loads the rules, installs them in the pipeline and subscribes to changes. */
  async start(): Promise<void> {
    await this.reload();
    this.live.ingest.rules = this.hooks;
    // One batch after the other (a raise is annotated before the clear that follows it).
    this.live.writer.onAlarms = (ops) => {
      this.annotating = this.annotating.then(() => this.committed(ops)).catch((err: unknown) => this.sc.log.warn({ err }, 'alarm annotation failed'));
    };
    // What each object last sent, so no-data rules know the objects that went silent across a restart.
    const seen = await this.sc.db.query<{ idx: number; layer: number; ts: Date }>('SELECT idx, layer, ts FROM live_state');
    for (const r of seen.rows) {
      const l = LAYERS.find((x) => x.id === Number(r.layer));
      if (l) this.engine.seen(Number(r.idx), l.name, new Date(r.ts).getTime());
    }
    this.stops.push(await this.sc.db.listen(RULES_CHANNEL, () => void this.reload().catch((err: unknown) => this.sc.log.warn({ err }, 'alarm rule reload failed'))));
    this.stops.push(await this.sc.db.listen(ALARM_CHANNEL, (payload) => this.push(payload)));
  }

  /** Stops listening and gives the pipeline its built-in thresholds back. */
  async stop(): Promise<void> {
    if (this.live.ingest.rules) this.live.ingest.rules = null;
    this.live.writer.onAlarms = null;
    for (const s of this.stops.splice(0)) await s();
  }

  /** Reads the rules and zone memberships again; the next reading uses them. */
  async reload(): Promise<void> {
    const rows = await loadRules(this.sc.db);
    const zoneIds = [...new Set(rows.map((r) => r.scope?.zone).filter((z): z is number => typeof z === 'number'))];
    const zones = new Map<number, Set<number>>();
    if (zoneIds.length) {
      const m = await this.sc.db.query<{ zone: number; idx: number }>(
        `SELECT z.idx AS zone, e.idx FROM zone z JOIN equipment e ON ST_Within(ST_Force2D(e.position), z.boundary) WHERE z.idx = ANY($1::int[])
         UNION ALL SELECT z.idx, r.idx FROM zone z JOIN room r ON ST_Within(ST_Centroid(r.footprint), z.boundary) WHERE z.idx = ANY($1::int[])`, [zoneIds]);
      for (const r of m.rows) {
        let s = zones.get(r.zone);
        if (!s) zones.set(r.zone, (s = new Set()));
        s.add(Number(r.idx));
      }
    }
    this.engine.load(rows.map(toRule), zones);
    this.templates = new Map(rows.map((r) => [r.id, r.message]));
    this.stats.reloads++;
  }

  /** Tells every node to reload the rules (inside the transaction that changed them). */
  static async rulesChanged(tx: Queryable): Promise<void> {
    await tx.query(`SELECT pg_notify('${RULES_CHANNEL}', '')`);
  }

  /** Announces a console change to every node (inside the transaction that made it). */
  static async announce(tx: Queryable, m: Omit<AlarmsChanged, 'type'>): Promise<void> {
    await tx.query('SELECT pg_notify($1, $2)', [ALARM_CHANNEL, JSON.stringify(m)]);
  }

  /** The target of a reading as rules see it (floor and building from the directory; cached per snapshot). */
  target(idx: number, type?: string, capacity?: number | null): Target {
    const d = this.live.directory.current;
    if (this.targetsOf !== d) {
      this.targets = new Map();
      this.targetsOf = d;
    }
    let t = this.targets.get(idx);
    if (!t) {
      const obj = d.objects.get(idx);
      let floor = 0;
      for (let o = obj, i = 0; o && i < 4; o = d.objects.get(o.parent), i++) {
        if (o.kind === 'floor') {
          floor = o.idx;
          break;
        }
      }
      t = { idx, type, capacity: capacity ?? obj?.capacity ?? null, floor, building: obj?.building ?? 0, plan: undefined };
      if (this.targets.size > 200_000) this.targets.clear();
      this.targets.set(idx, t);
    }
    return t;
  }

  private evaluate(layer: LayerDef, target: number, dev: DeviceInfo | undefined, msg: unknown, ctx: LayerContext, open: ReadonlySet<string>): readonly RuleAlarmSignal[] {
    const t = this.target(target, dev?.type ?? ctx.type, ctx.capacity);
    this.open = open;
    return this.engine.evaluate(layer.name, t, msg as Record<string, unknown>, ctx.now, this.isOpen);
  }

  /** The pipeline's open-alarm set of the reading being evaluated (the engine passes the `idx/kind` key). */
  private open: ReadonlySet<string> = new Set();
  private readonly isOpen = (_kind: string, key: string): boolean => this.open.has(key);

  /** Each rule's message templates (zh / en), for texts rendered on the server (notifications). */
  private templates = new Map<number, { zh: string; en: string }>();

  /** An alarm's text in both languages: its rule's templates with its parameters, else the stored (English) message. */
  texts(rule: number | null | undefined, params: Readonly<Record<string, string | number>> | null | undefined, message: string): { zh: string | null; en: string } {
    const tpl = rule === null || rule === undefined ? undefined : this.templates.get(rule);
    if (!tpl) return { zh: null, en: message };
    return { zh: renderTemplate(tpl.zh, params ?? {}), en: renderTemplate(tpl.en, params ?? {}) };
  }

  private annotating: Promise<void> = Promise.resolve();
  /** Resolves once every committed batch so far is annotated, audited and announced (tests wait on it). */
  async settled(): Promise<void> {
    for (let p = this.annotating; ; p = this.annotating) {
      await p;
      if (p === this.annotating) return;
    }
  }

  /** After a batch committed: store the rule and parameters of raised alarms, announce, notify. */
  private async committed(ops: readonly AlarmOp[]): Promise<void> {
    const auth = runningAuthService(this.sc);
    for (const a of ops) {
      // The rule and parameters, the audit row (raised by a rule, cleared by the device's reading)
      // and the announcement in one transaction: only the node that wrote the batch gets here.
      const id = await this.sc.db.transaction(async (tx) => {
        const r = a.op === 'raise'
          ? await tx.query<{ id: number }>(`UPDATE alarm SET rule_id = $3, params = $4::jsonb WHERE idx = $1 AND kind = $2 AND state <> 'cleared' RETURNING id`,
            [a.idx, a.kind, a.rule ?? null, a.params ? JSON.stringify(a.params) : null])
          : await tx.query<{ id: number }>(`SELECT id FROM alarm WHERE idx = $1 AND kind = $2 AND state = 'cleared' ORDER BY id DESC LIMIT 1`, [a.idx, a.kind]);
        const found = r.rows[0] ? Number(r.rows[0].id) : null;
        if (found !== null && auth) {
          await auth.auditIn(tx, {
            action: a.op === 'raise' ? 'alarm.raise' : 'alarm.autoclear', outcome: 'success',
            actor: a.op === 'raise' || !a.device ? systemActor('alarm rules') : deviceActor(a.device), object: `alarm:${found}`,
            detail: { idx: a.idx, kind: a.kind, severity: a.severity, rule: a.rule ?? null, device: a.device || null, ...(a.params ? { params: a.params } : {}) },
          });
        }
        await AlarmsRuntime.announce(tx, { id: found, idx: a.idx, action: a.op, state: a.op === 'raise' ? 'raised' : 'cleared', severity: a.severity });
        return found;
      });
      if (a.op === 'raise' && a.severity >= 3 && id !== null) {
        // The title in each language from the rule's templates; without a rule the Chinese title names the kind, not the English text.
        const text = this.texts(a.rule, a.params, a.message);
        const kindZh = alarmKind(a.kind)?.label.zh ?? '设备告警';
        await notify(this.sc, {
          to: { roles: ['security_operator'] }, kind: 'alarm.critical',
          title: { zh: `紧急告警：${text.zh ?? kindZh}`.slice(0, 200), en: `Critical alarm: ${text.en}`.slice(0, 200) }, link: `/alarms?id=${id}`,
        }).catch((err: unknown) => this.sc.log.warn({ err }, 'critical alarm notification failed'));
      }
    }
  }

  /** A change announced by some node: push it to the consoles connected here. */
  private push(payload: string): void {
    let m: Omit<AlarmsChanged, 'type'>;
    try {
      m = JSON.parse(payload) as Omit<AlarmsChanged, 'type'>;
    } catch {
      return;
    }
    const n = this.live.stream?.broadcast({ type: 'alarms.changed', ...m } satisfies AlarmsChanged, 'alarm:read') ?? 0;
    this.stats.pushed += n;
  }

  /**
   * The no-data check (a job): raises a rule's alarm on every object in its scope that sent
   * nothing on the rule's layer for its minutes. The next reading clears it (the pipeline).
   */
  async checkSilence(now = Date.now()): Promise<number> {
    const d = this.live.directory.current;
    const found = this.engine.silent(now, (idx) => (d.objects.has(idx) ? this.target(idx) : undefined));
    let raised = 0;
    for (const f of found) {
      const key = `${f.idx}/${f.signal.kind}`;
      if (this.live.ingest.openAlarms.has(key)) continue;
      const layer = LAYERS.find((l) => l.name === f.layer);
      if (!layer) continue;
      const r = await this.sc.db.query<{ id: number }>(
        `INSERT INTO alarm (idx, layer, kind, severity, message, raised_at, rule_id, params)
         VALUES ($1, $2, $3, $4, $5, to_timestamp($6 / 1000.0), $7, $8::jsonb)
         ON CONFLICT (idx, kind) WHERE state <> 'cleared' DO NOTHING RETURNING id`,
        [f.idx, layer.id, f.signal.kind, f.signal.severity, f.signal.message, now, f.signal.rule, JSON.stringify(f.signal.params)]);
      this.live.ingest.openAlarms.add(key);
      if (!r.rows[0]) continue;
      raised++;
      this.stats.noData++;
      const op: AlarmOp = { op: 'raise', idx: f.idx, layer: layer.id, kind: f.signal.kind, severity: f.signal.severity, message: f.signal.message, device: '', ts: now };
      this.live.hub.alarms([op]);
      await AlarmsRuntime.announce(this.sc.db, { id: Number(r.rows[0].id), idx: f.idx, action: 'raise', state: 'raised', severity: f.signal.severity });
    }
    return raised;
  }
}

const runtimes = new WeakMap<ServerContext, AlarmsRuntime>();

/** Starts the alarms runtime of a server (after the live module initialized). */
export async function startAlarms(sc: ServerContext): Promise<AlarmsRuntime | null> {
  const live = liveRuntimeOf(sc);
  if (!live) {
    sc.log.warn('alarms: the live module is not running; rules are not evaluated');
    return null;
  }
  const rt = new AlarmsRuntime(sc, live);
  await rt.start();
  runtimes.set(sc, rt);
  return rt;
}

/** The alarms runtime of a server, if started. */
export function alarmsRuntimeOf(sc: ServerContext): AlarmsRuntime | undefined {
  return runtimes.get(sc);
}

/** Stops it. */
export async function stopAlarms(sc: ServerContext): Promise<void> {
  const rt = runtimes.get(sc);
  runtimes.delete(sc);
  await rt?.stop();
}
