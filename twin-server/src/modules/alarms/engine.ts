/**
 * The alarm rule engine: rules stored in the database (alarm_rule), compiled into an index by
 * layer and scope, evaluated for every reading the ingest pipeline accepts. Pure: no database, no
 * clock (time is the reading's time), so duration and hysteresis are property-tested without
 * waiting (engine.property.test.ts).
 *
 * Semantics (docs/alarms.md):
 * - `above` / `below` with `hysteresis`: once true, a threshold stays true until the value is
 *   back past the limit by the hysteresis band (no flapping around the limit).
 * - `forSeconds`: the condition must hold on every reading for that long before the alarm is
 *   raised; one reading where it does not resets the wait.
 * - `rate`: change of a field per minute between two readings, in absolute value.
 * - `count`: readings whose field equals a value within a window (denied swipes).
 * - `all` / `any`: combinations. A reading that carries none of a rule's fields does not
 *   evaluate it; `all` is evaluated only when every field it names is in the reading.
 * - `latch`: the alarm is not cleared by the readings, only by `clearOn` or an operator.
 * - `noDataMinutes`: raised by a periodic check when an object in scope sent nothing on the
 *   rule's layer for that long; the next reading clears it.
 * - Of several rules of one kind matching an object, the most specific scope wins (one object >
 *   floor > zone > building > equipment type > everything), so a type may override a default.
 */
import { z } from 'zod';

/** A condition tree. */
export type Condition =
  | { readonly op: 'above' | 'below'; readonly field: string; readonly value: number; readonly hysteresis?: number | undefined; readonly ofCapacity?: boolean | undefined }
  | { readonly op: 'equals'; readonly field: string; readonly value: string | number | boolean }
  | { readonly op: 'present'; readonly field: string }
  | { readonly op: 'rate'; readonly field: string; readonly perMinute: number }
  | { readonly op: 'count'; readonly field: string; readonly value: string | number | boolean; readonly atLeast: number; readonly windowSeconds: number }
  | { readonly op: 'all' | 'any'; readonly of: readonly Condition[] };

const FIELD = z.string().regex(/^[a-z][a-zA-Z0-9_]{0,39}$/, 'a field name of the layer message (letters, digits, _)');
const scalar = z.union([z.string().max(64), z.number().finite(), z.boolean()]);

const leaves = [
  z.object({ op: z.enum(['above', 'below']), field: FIELD, value: z.number().finite(), hysteresis: z.number().finite().min(0).max(1e6).optional(), ofCapacity: z.boolean().optional() }).strict(),
  z.object({ op: z.literal('equals'), field: FIELD, value: scalar }).strict(),
  z.object({ op: z.literal('present'), field: FIELD }).strict(),
  z.object({ op: z.literal('rate'), field: FIELD, perMinute: z.number().finite().positive() }).strict(),
  z.object({ op: z.literal('count'), field: FIELD, value: scalar, atLeast: z.number().int().min(1).max(64), windowSeconds: z.number().int().min(1).max(86_400) }).strict(),
] as const;
const combine = (of: z.ZodType) => z.object({ op: z.enum(['all', 'any']), of: z.array(of).min(1).max(8) }).strict();
const level1 = z.discriminatedUnion('op', [...leaves, combine(z.discriminatedUnion('op', [...leaves]))]);

/**
 * Zod schema of a condition (validated on every rule write: a malformed rule is a 400).
 * Combinations nest two levels deep (no recursive schema, so the OpenAPI document stays plain).
 */
export const conditionSchema: z.ZodType<Condition> = z.discriminatedUnion('op', [...leaves, combine(level1)]) as z.ZodType<Condition>;

/** Where a rule applies; every member given must match (none: everything on the layer). */
export interface Scope {
  readonly equipmentType?: string | undefined;
  readonly zone?: number | undefined;
  readonly building?: number | undefined;
  readonly floor?: number | undefined;
  readonly object?: number | undefined;
}

/** Zod schema of a scope. */
export const scopeSchema = z.object({
  equipmentType: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'an equipment type (snake_case)').optional(),
  zone: z.number().int().min(1).optional(),
  building: z.number().int().min(1).optional(),
  floor: z.number().int().min(1).optional(),
  object: z.number().int().min(1).optional(),
}).strict();

/** A rule as stored. */
export interface Rule {
  readonly id: number;
  readonly layer: string;
  /** alarm.kind it raises (snake_case). */
  readonly kind: string;
  readonly scope: Scope;
  /** The condition; null for a pure no-data rule. */
  readonly when: Condition | null;
  readonly forSeconds: number;
  readonly latch: boolean;
  readonly clearOn: Condition | null;
  readonly noDataMinutes: number | null;
  readonly severity: 1 | 2 | 3;
  /** Message templates; `{value}`, `{limit}`, `{field}`, `{minutes}` are replaced. */
  readonly message: { readonly zh: string; readonly en: string };
  readonly enabled: boolean;
}

/** Where a reading landed, as the rules see it. */
export interface Target {
  readonly idx: number;
  readonly type?: string | undefined;
  readonly capacity?: number | null | undefined;
  readonly floor: number;
  readonly building: number;
  /** Zones the object lies in. */
  readonly zones?: readonly number[] | undefined;
}

/** A verdict of one rule on one object (the pipeline turns changes into alarm rows). */
export interface RuleSignal {
  readonly kind: string;
  readonly active: boolean;
  readonly severity: 1 | 2 | 3;
  /** Rendered English text (legacy consumers); the console renders `params` in the UI language. */
  readonly message: string;
  readonly rule: number;
  readonly params: Readonly<Record<string, string | number>>;
}

/** Per (rule, object) evaluation state. */
interface RuleState {
  /** Hysteresis state of each threshold node, by compile index. */
  readonly latched: Uint8Array;
  /** Last value and time of each rate node. */
  readonly last: Float64Array;
  readonly lastTs: Float64Array;
  /** Event times of each count node. */
  readonly counts: number[][];
  /** When the condition became true (reading time), NaN when false. */
  since: number;
  /** The rule decided the alarm is on. */
  on: boolean;
}

/** Message parameters gathered while evaluating (fixed shape: one hidden class). */
interface Params {
  value: string | number | undefined;
  limit: number | undefined;
  field: string | undefined;
}

const NONE: RuleSignal[] = [];

/** A compiled node. */
type Node = { c: Condition; i: number; kids: Node[] };

interface Compiled {
  readonly rule: Rule;
  readonly when: Node | null;
  readonly clearOn: Node | null;
  readonly nodes: number;
  readonly fields: readonly string[];
  readonly specificity: number;
  /** Zone-scoped rules: the member objects (resolved when the rules are loaded). */
  readonly zoneMembers: ReadonlySet<number> | null;
  /** Evaluation state per object (kept across reloads while the rule is unchanged). */
  readonly states: Map<number, RuleState>;
}

function compile(c: Condition, counter: { n: number }): Node {
  const i = counter.n++;
  return { c, i, kids: 'of' in c ? c.of.map((k) => compile(k, counter)) : [] };
}

function fieldsOf(c: Condition | null, out: Set<string>): Set<string> {
  if (!c) return out;
  if ('of' in c) for (const k of c.of) fieldsOf(k, out);
  else out.add(c.field);
  return out;
}

/** Scope specificity: one object > floor > zone > building > type > everything (sums for combined scopes). */
export function specificity(s: Scope): number {
  return (s.object ? 16 : 0) + (s.floor ? 8 : 0) + (s.zone ? 4 : 0) + (s.building ? 2 : 0) + (s.equipmentType ? 1 : 0);
}

/** Fills `{name}` placeholders from `params`. */
export function renderTemplate(tpl: string, params: Readonly<Record<string, string | number>>): string {
  return tpl.replace(/\{(\w+)\}/g, (m, k: string) => (params[k] === undefined ? m : String(params[k])));
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** The engine for one process: the rule index and the evaluation state. */
export class RuleEngine {
  private byLayer = new Map<string, { global: Compiled[]; byObject: Map<number, Compiled[]>; byFloor: Map<number, Compiled[]>; byBuilding: Map<number, Compiled[]>; byType: Map<string, Compiled[]>; byZone: Compiled[] }>();
  /** Rule states by rule id, with the rule's signature (a changed rule starts afresh). */
  private states = new Map<number, { sig: string; map: Map<number, RuleState> }>();
  private noData: Compiled[] = [];
  /** Last reading time per layer and object, for no-data rules. */
  readonly lastSeen = new Map<string, Map<number, number>>();

  /** Records a reading time (also used to seed the times from the latest state at start). */
  seen(idx: number, layer: string, ts: number): void {
    let m = this.lastSeen.get(layer);
    if (!m) this.lastSeen.set(layer, (m = new Map()));
    m.set(idx, ts);
  }
  /** Rules loaded. */
  count = 0;

  /**
   * Replaces the rule set (a rule change takes effect at the next reading, without a restart).
   * The state of rules whose definition is unchanged is kept; `zones` resolves zone scopes.
   */
  load(rules: readonly Rule[], zones: ReadonlyMap<number, ReadonlySet<number>> = new Map()): void {
    const byLayer: RuleEngine['byLayer'] = new Map();
    const noData: Compiled[] = [];
    const states: RuleEngine['states'] = new Map();
    for (const rule of rules) {
      const sig = JSON.stringify(rule);
      const prev = this.states.get(rule.id);
      const map = prev && prev.sig === sig ? prev.map : new Map<number, RuleState>();
      states.set(rule.id, { sig, map });
      if (!rule.enabled) continue;
      const counter = { n: 0 };
      const when = rule.when ? compile(rule.when, counter) : null;
      const clearOn = rule.clearOn ? compile(rule.clearOn, counter) : null;
      const c: Compiled = {
        rule, when, clearOn, nodes: counter.n, fields: [...fieldsOf(rule.when, fieldsOf(rule.clearOn, new Set()))],
        specificity: specificity(rule.scope), zoneMembers: rule.scope.zone ? zones.get(rule.scope.zone) ?? new Set() : null, states: map,
      };
      if (rule.noDataMinutes) noData.push(c);
      let L = byLayer.get(rule.layer);
      if (!L) byLayer.set(rule.layer, (L = { global: [], byObject: new Map(), byFloor: new Map(), byBuilding: new Map(), byType: new Map(), byZone: [] }));
      const s = rule.scope;
      const put = <K>(m: Map<K, Compiled[]>, k: K) => { const a = m.get(k); if (a) a.push(c); else m.set(k, [c]); };
      if (s.object) put(L.byObject, s.object);
      else if (s.floor) put(L.byFloor, s.floor);
      else if (s.zone) L.byZone.push(c);
      else if (s.building) put(L.byBuilding, s.building);
      else if (s.equipmentType) put(L.byType, s.equipmentType);
      else L.global.push(c);
    }
    this.states = states;
    this.byLayer = byLayer;
    this.noData = noData;
    this.count = rules.filter((r) => r.enabled).length;
  }

  /** Whether any rule watches this layer. */
  has(layer: string): boolean {
    return this.byLayer.has(layer);
  }

  private matches(c: Compiled, t: Target): boolean {
    const s = c.rule.scope;
    if (s.object !== undefined && s.object !== t.idx) return false;
    if (s.floor !== undefined && s.floor !== t.floor) return false;
    if (s.building !== undefined && s.building !== t.building) return false;
    if (s.equipmentType !== undefined && s.equipmentType !== t.type) return false;
    if (c.zoneMembers && !c.zoneMembers.has(t.idx)) return false;
    return true;
  }

  /** Reused candidate list of `applicable` (no allocation per reading). */
  private readonly best: Compiled[] = [];

  private consider(list: readonly Compiled[] | undefined, t: Target): void {
    if (!list) return;
    const best = this.best;
    for (const c of list) {
      if (!this.matches(c, t)) continue;
      let i = 0;
      while (i < best.length && best[i]!.rule.kind !== c.rule.kind) i++;
      const cur = best[i];
      if (!cur) best.push(c);
      else if (c.specificity > cur.specificity || (c.specificity === cur.specificity && c.rule.id < cur.rule.id)) best[i] = c;
    }
  }

  /** The rules that apply to `t` on `layer`: per alarm kind the most specific (a reused array: copy to keep). */
  applicable(layer: string, t: Target): readonly Compiled[] {
    const best = this.best;
    best.length = 0;
    const L = this.byLayer.get(layer);
    if (!L) return best;
    this.consider(L.global, t);
    this.consider(L.byObject.get(t.idx), t);
    if (t.floor) this.consider(L.byFloor.get(t.floor), t);
    if (t.building) this.consider(L.byBuilding.get(t.building), t);
    if (t.type !== undefined) this.consider(L.byType.get(t.type), t);
    if (L.byZone.length) this.consider(L.byZone, t);
    return best;
  }

  /**
   * Evaluates every applicable rule on one reading. `isOpen(kind)` says whether that alarm is
   * open on the object (a fresh state after a restart starts from it, so an open alarm inside the
   * hysteresis band is not cleared). Returns only verdicts that differ from what is open: the
   * alarms to raise (also again after an operator cleared one whose condition still holds) and
   * to clear; nothing is allocated for a reading that changes nothing.
   */
  evaluate(layer: string, t: Target, msg: Readonly<Record<string, unknown>>, ts: number, isOpen: (kind: string) => boolean): RuleSignal[] {
    this.seen(t.idx, layer, ts);
    const rules = this.applicable(layer, t);
    if (rules.length === 0) return NONE;
    let out: RuleSignal[] | null = null;
    for (const c of rules) {
      const r = c.rule;
      if (!c.when) {
        // A no-data rule: any reading means data again.
        if (isOpen(r.kind)) (out ??= []).push(this.signal(c, false, { minutes: r.noDataMinutes ?? 0 }));
        continue;
      }
      let any = false;
      for (const f of c.fields) {
        if (msg[f] !== undefined) {
          any = true;
          break;
        }
      }
      if (!any) continue;
      let st = c.states.get(t.idx);
      if (!st) {
        const open = isOpen(r.kind);
        st = { latched: new Uint8Array(c.nodes).fill(open ? 1 : 0), last: new Float64Array(c.nodes).fill(NaN), lastTs: new Float64Array(c.nodes).fill(NaN), counts: [], since: open ? -Infinity : NaN, on: open };
        c.states.set(t.idx, st);
      }
      const P = this.params;
      P.value = undefined;
      P.limit = undefined;
      P.field = undefined;
      const v = this.eval(c.when, msg, t, ts, st, P);
      const was = st.on;
      if (r.latch) {
        // Latched: the readings raise it; only clearOn (or an operator) clears it.
        if (v === true) {
          if (Number.isNaN(st.since)) st.since = ts;
          if (ts - st.since >= r.forSeconds * 1000) st.on = true;
        } else if (v === false) st.since = NaN;
        const cleared = c.clearOn !== null && this.eval(c.clearOn, msg, t, ts, st, this.spare) === true;
        if (cleared) {
          st.on = false;
          st.since = NaN;
          if (isOpen(r.kind)) (out ??= []).push(this.signal(c, false, this.paramsOf(r)));
        } else if (st.on && v === true && !isOpen(r.kind)) (out ??= []).push(this.signal(c, true, this.paramsOf(r)));
        continue;
      }
      if (v === null) continue; // `all` with a field missing: no verdict
      if (v) {
        if (Number.isNaN(st.since)) st.since = ts;
        if (ts - st.since >= r.forSeconds * 1000) st.on = true;
      } else {
        st.since = NaN;
        st.on = false;
      }
      // Unchanged and off: nothing is open from this rule (no lookup).
      if (!st.on && !was) continue;
      if (st.on !== isOpen(r.kind)) (out ??= []).push(this.signal(c, st.on, this.paramsOf(r)));
    }
    return out ?? NONE;
  }

  /** Scratch parameters of the rule being evaluated (one object, reused). */
  private readonly params: Params = { value: undefined, limit: undefined, field: undefined };
  private readonly spare: Params = { value: undefined, limit: undefined, field: undefined };

  /** A copy of the scratch parameters for a signal. */
  private paramsOf(r: Rule): Record<string, string | number> {
    const out: Record<string, string | number> = {};
    const P = this.params;
    if (P.value !== undefined) out.value = P.value;
    if (P.limit !== undefined) out.limit = P.limit;
    if (P.field !== undefined) out.field = P.field;
    if (r.forSeconds) out.minutes = Math.round((r.forSeconds / 60) * 10) / 10;
    return out;
  }

  private signal(c: Compiled, active: boolean, params: Record<string, string | number>): RuleSignal {
    const r = c.rule;
    return { kind: r.kind, active, severity: r.severity, rule: r.id, params, message: renderTemplate(r.message.en, params).slice(0, 500) };
  }

  /** Evaluates a node: true, false, or null (a field it needs is missing). */
  private eval(n: Node, msg: Readonly<Record<string, unknown>>, t: Target, ts: number, st: RuleState, params: Params): boolean | null {
    const c = n.c;
    switch (c.op) {
      case 'all': {
        let all = true;
        for (const k of n.kids) {
          const v = this.eval(k, msg, t, ts, st, params);
          if (v === null) return null;
          if (!v) all = false;
        }
        return all;
      }
      case 'any': {
        let any = false;
        let known = false;
        for (const k of n.kids) {
          const v = this.eval(k, msg, t, ts, st, params);
          if (v !== null) known = true;
          if (v) any = true;
        }
        return known ? any : null;
      }
      case 'present':
        return msg[c.field] !== undefined && msg[c.field] !== null && msg[c.field] !== '';
      case 'equals': {
        const v = msg[c.field];
        if (v === undefined) return null;
        if (v === c.value) params.value = String(v);
        return v === c.value;
      }
      case 'count': {
        const v = msg[c.field];
        if (v === undefined) return null;
        const times = (st.counts[n.i] ??= []);
        const from = ts - c.windowSeconds * 1000;
        if (v === c.value) times.push(ts);
        while (times.length > 0 && (times[0]! < from || times.length > 64)) times.shift();
        params.value = times.length;
        params.limit = c.atLeast;
        return v === c.value && times.length >= c.atLeast;
      }
      case 'rate': {
        const v = num(msg[c.field]);
        if (v === undefined) return null;
        const prev = st.last[n.i]!;
        const prevTs = st.lastTs[n.i]!;
        st.last[n.i] = v;
        st.lastTs[n.i] = ts;
        if (Number.isNaN(prev) || !(ts > prevTs)) return st.latched[n.i] === 1;
        const perMin = Math.abs(v - prev) / ((ts - prevTs) / 60_000);
        const on = perMin > c.perMinute;
        st.latched[n.i] = on ? 1 : 0;
        params.value = Math.round(perMin * 100) / 100;
        params.limit = c.perMinute;
        params.field = c.field;
        return on;
      }
      case 'above':
      case 'below': {
        const v = num(msg[c.field]);
        if (v === undefined) return null;
        let limit = c.value;
        if (c.ofCapacity) {
          const cap = t.capacity ?? null;
          if (cap === null || cap <= 0) return false;
          limit = c.value * cap;
        }
        const h = c.hysteresis ?? 0;
        const was = st.latched[n.i] === 1;
        const on = c.op === 'above'
          ? (was ? v > limit - h : v > limit)
          : (was ? v < limit + h : v < limit);
        st.latched[n.i] = on ? 1 : 0;
        params.value = v;
        params.limit = Math.round(limit * 100) / 100;
        params.field = c.field;
        return on;
      }
    }
  }

  /**
   * The no-data check: objects in scope of a no-data rule whose last reading on its layer is older
   * than its minutes at `now`. Only objects seen since the start (or loaded from the latest state)
   * are known. Returns one raise signal per (rule, object).
   */
  silent(now: number, objects: (idx: number) => Target | undefined): Array<{ idx: number; layer: string; signal: RuleSignal }> {
    const out: Array<{ idx: number; layer: string; signal: RuleSignal }> = [];
    if (this.noData.length === 0) return out;
    for (const [layer, seen] of this.lastSeen) {
      for (const [idx, ts] of seen) {
        let t: Target | undefined;
        for (const c of this.noData) {
          if (c.rule.layer !== layer) continue;
          const minutes = c.rule.noDataMinutes!;
          if (now - ts < minutes * 60_000) continue;
          t ??= objects(idx);
          if (!t || !this.matches(c, t)) continue;
          out.push({ idx, layer, signal: this.signal(c, true, { minutes }) });
        }
      }
    }
    return out;
  }
}
