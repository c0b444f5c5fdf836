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
  z.object({ op: z.enum(['above', 'below']), field: FIELD, value: z.number({ error: 'the threshold: a number' }).finite(), hysteresis: z.number().finite().min(0).max(1e6).optional(), ofCapacity: z.boolean().optional() }).strict(),
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
  /** The engine's cache of the object's evaluation plan (keep the same object per idx to use it). */
  plan?: unknown;
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

/**
 * Evaluation state of one (rule, object) lives in the object's plan, in one flat array of numbers
 * for all its rules (a reading touches a few cache lines, not one object per rule): at the rule's
 * offset `since` (reading time the condition became true, NaN when false), `on` (1 / 0, NaN before
 * the first evaluation), then at each node's offset: a threshold's hysteresis latch; a rate's latch,
 * last value, last time and last rate (other nodes keep nothing here).
 */
const S_SINCE = 0, S_ON = 1, S_HEAD = 2;
const L_LATCH = 0, L_LAST = 1, L_TS = 2, L_RATE = 3;

const NONE: RuleSignal[] = [];

/** What a field slot of the reading holds. */
const MISSING = 0, NUM = 1, OTHER = 2;

/** Rule set generations, unique across engines (a target's cached plan names the rule set it was made for). */
let generations = 0;

/** What one object's readings on one layer evaluate, resolved once per rule set and target. */
interface Plan {
  readonly target: Target;
  readonly layer: string;
  /** The rule set it was made for. */
  readonly gen: number;
  /** The applicable rules (per kind the most specific). */
  readonly rules: readonly Compiled[];
  /** `idx/kind` of each rule, the pipeline's open-alarm key (made once, not per reading). */
  readonly keys: readonly string[];
  readonly buf: number[];
  /** The layer's field table (read once per reading into `vals`). */
  readonly fields: readonly string[];
  /**
   * `buf[0]`: the object's last reading time on the layer (this array is its `lastSeen` entry);
   * `buf[1 + i]`: the offset of rule i's state; then the states.
   */
}

/** Operation codes of compiled nodes. */
const ABOVE = 0, BELOW = 1, EQUALS = 2, PRESENT = 3, RATE = 4, COUNT = 5, ALL = 6, ANY = 7;
const OPS: Record<Condition['op'], number> = { above: ABOVE, below: BELOW, equals: EQUALS, present: PRESENT, rate: RATE, count: COUNT, all: ALL, any: ANY };

/**
 * A compiled node: one shape for every operation (monomorphic), the field as a slot of the
 * layer's field table (each field of a reading is read once per reading, not once per rule).
 */
interface Node {
  readonly op: number;
  /** Index of the node (count nodes keep their event times by it). */
  readonly i: number;
  /** Offset of the node's state in the rule's state (thresholds and rates). */
  readonly so: number;
  readonly slot: number;
  readonly field: string;
  /** Threshold / rate per minute. */
  readonly num: number;
  readonly h: number;
  readonly ofCapacity: boolean;
  readonly eq: string | number | boolean | null;
  readonly atLeast: number;
  readonly windowMs: number;
  readonly kids: readonly Node[];
}

/** The fields a layer's rules read, each with its slot. */
interface FieldTable {
  readonly names: string[];
  readonly slots: Map<string, number>;
}

interface Compiled {
  readonly rule: Rule;
  readonly when: Node | null;
  readonly clearOn: Node | null;
  readonly nodes: number;
  /** Size of the rule's state per object, and where its latches are. */
  readonly stateSize: number;
  readonly latches: readonly number[];
  /** Slots of the fields the rule reads (a reading with none of them does not evaluate it). */
  readonly slots: readonly number[];
  /** The first of them, and whether there are more (one field: no array to read per reading). */
  readonly slot0: number;
  readonly moreSlots: boolean;
  /** `rule.forSeconds` in ms and `rule.latch`, here so a reading does not read the rule. */
  readonly forMs: number;
  readonly latch: boolean;
  readonly specificity: number;
  /** Zone-scoped rules: the member objects (resolved when the rules are loaded). */
  readonly zoneMembers: ReadonlySet<number> | null;
  /**
   * Identity of the rule's definition: kept by a reload that leaves the rule unchanged, so its
   * objects' states carry over; with the event times of its count nodes per object.
   */
  readonly token: { readonly counts: Map<number, number[][]> };
}

function compile(c: Condition, counter: { n: number; size: number; latches: number[] }, table: FieldTable): Node {
  const i = counter.n++;
  const so = S_HEAD + counter.size;
  if (c.op === 'above' || c.op === 'below' || c.op === 'rate') counter.latches.push(so + L_LATCH);
  counter.size += c.op === 'above' || c.op === 'below' ? 1 : c.op === 'rate' ? 4 : 0;
  const kids = 'of' in c ? c.of.map((k) => compile(k, counter, table)) : [];
  const field = 'field' in c ? c.field : '';
  let slot = -1;
  if (field) {
    slot = table.slots.get(field) ?? -1;
    if (slot < 0) {
      slot = table.names.length;
      table.names.push(field);
      table.slots.set(field, slot);
    }
  }
  return {
    op: OPS[c.op], i, so, slot, field, kids,
    num: c.op === 'above' || c.op === 'below' ? c.value : c.op === 'rate' ? c.perMinute : 0,
    h: (c.op === 'above' || c.op === 'below') && c.hysteresis !== undefined ? c.hysteresis : 0,
    ofCapacity: (c.op === 'above' || c.op === 'below') && c.ofCapacity === true,
    eq: c.op === 'equals' || c.op === 'count' ? c.value : null,
    atLeast: c.op === 'count' ? c.atLeast : 0,
    windowMs: c.op === 'count' ? c.windowSeconds * 1000 : 0,
  };
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


/** The rules of one layer, indexed by scope, and the fields they read. */
interface LayerIndex {
  readonly global: Compiled[];
  readonly byObject: Map<number, Compiled[]>;
  readonly byFloor: Map<number, Compiled[]>;
  readonly byBuilding: Map<number, Compiled[]>;
  readonly byType: Map<string, Compiled[]>;
  readonly byZone: Compiled[];
  readonly fields: FieldTable;
}

/** The engine for one process: the rule index and the evaluation state. */
export class RuleEngine {
  private byLayer = new Map<string, LayerIndex>();
  /** Rule states by rule id, with the rule's signature (a changed rule starts afresh). */
  private states = new Map<number, { sig: string; token: Compiled['token'] }>();
  /** Generation of the rule set (plans of an older one are rebuilt on their next reading). */
  private gen = 0;
  private noData: Compiled[] = [];
  /**
   * Last reading time per layer and object, for no-data rules: element 0 of an array updated in
   * place (an object's plan buffer once it has one).
   */
  readonly lastSeen = new Map<string, Map<number, number[]>>();
  /**
   * Per layer and object, the rules its readings evaluate (resolved once: a reading costs two map
   * lookups, not a scan of the rule index). Rebuilt on the next reading after a load.
   */
  private plans = new Map<string, Map<number, Plan>>();

  /** The last-seen map of a layer. */
  private seenOf(layer: string): Map<number, number[]> {
    let m = this.lastSeen.get(layer);
    if (!m) this.lastSeen.set(layer, (m = new Map()));
    return m;
  }

  /** Records a reading time (also used to seed the times from the latest state at start). */
  seen(idx: number, layer: string, ts: number): void {
    const m = this.seenOf(layer);
    const b = m.get(idx);
    if (b) b[0] = ts;
    else m.set(idx, [ts]);
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
      const token = prev && prev.sig === sig ? prev.token : { counts: new Map<number, number[][]>() };
      states.set(rule.id, { sig, token });
      if (!rule.enabled) continue;
      let L = byLayer.get(rule.layer);
      if (!L) byLayer.set(rule.layer, (L = { global: [], byObject: new Map(), byFloor: new Map(), byBuilding: new Map(), byType: new Map(), byZone: [], fields: { names: [], slots: new Map() } }));
      const counter = { n: 0, size: 0, latches: [] as number[] };
      const when = rule.when ? compile(rule.when, counter, L.fields) : null;
      const clearOn = rule.clearOn ? compile(rule.clearOn, counter, L.fields) : null;
      const slots = [...fieldsOf(rule.when, fieldsOf(rule.clearOn, new Set()))].map((f) => L.fields.slots.get(f)!);
      const c: Compiled = {
        rule, when, clearOn, slot0: slots[0] ?? -1, moreSlots: slots.length > 1, forMs: rule.forSeconds * 1000, latch: rule.latch, nodes: counter.n, stateSize: S_HEAD + counter.size, latches: counter.latches, slots,
        specificity: specificity(rule.scope), zoneMembers: rule.scope.zone ? zones.get(rule.scope.zone) ?? new Set() : null, token,
      };
      if (rule.noDataMinutes) noData.push(c);
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
    this.gen = ++generations;
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
   * The plan of `t` on `layer`, made on its first reading after a load (or when its target
   * changed); the state of each rule the previous plan shared with it (unchanged) is carried over.
   */
  private plan(layer: string, t: Target): Plan {
    const cached = t.plan as Plan | undefined;
    if (cached !== undefined && cached.gen === this.gen && cached.layer === layer && cached.target === t) return cached;
    let m = this.plans.get(layer);
    if (!m) this.plans.set(layer, (m = new Map()));
    const p = m.get(t.idx);
    if (p && p.gen === this.gen && p.target === t) {
      t.plan = p;
      return p;
    }
    const rules = this.applicable(layer, t).slice();
    let size = 1 + rules.length;
    const buf = new Array<number>(size).fill(NaN);
    rules.forEach((c, i) => {
      buf[1 + i] = size;
      size += c.stateSize;
    });
    for (let k = buf.length; k < size; k++) buf.push(NaN);
    if (p) {
      rules.forEach((c, i) => {
        const j = p.rules.findIndex((o) => o.token === c.token);
        if (j >= 0) for (let k = 0; k < c.stateSize; k++) buf[buf[1 + i]! + k] = p.buf[p.buf[1 + j]! + k]!;
      });
    }
    const seen = this.seenOf(layer);
    buf[0] = seen.get(t.idx)?.[0] ?? 0;
    seen.set(t.idx, buf);
    const plan: Plan = {
      target: t, layer, gen: this.gen, rules, keys: rules.map((c) => `${t.idx}/${c.rule.kind}`), buf,
      fields: this.byLayer.get(layer)?.fields.names ?? [],
    };
    m.set(t.idx, plan);
    t.plan = plan;
    return plan;
  }

  /**
   * Evaluates every applicable rule on one reading. `isOpen(kind, key)` says whether that alarm is
   * open on the object (`key` = `idx/kind`, the pipeline's key; a fresh state after a restart
   * starts from it, so an open alarm inside the hysteresis band is not cleared). Returns only
   * verdicts that differ from what is open: the alarms to raise (also again after an operator
   * cleared one whose condition still holds) and to clear; nothing is allocated for a reading
   * that changes nothing. Pass the same `t` object for an object's readings (its plan is cached
   * by identity).
   */
  evaluate(layer: string, t: Target, msg: Readonly<Record<string, unknown>>, ts: number, isOpen: (kind: string, key: string) => boolean): RuleSignal[] {
    const plan = this.plan(layer, t);
    plan.buf[0] = ts;
    const rules = plan.rules;
    if (rules.length === 0) return NONE;
    // Each field the layer's rules read, once.
    const names = plan.fields;
    if (names.length > this.kinds.length) this.grow(names.length);
    const nums = this.nums;
    const kinds = this.kinds;
    for (let f = 0; f < names.length; f++) {
      const v = msg[names[f]!];
      if (typeof v === 'number') {
        nums[f] = v;
        kinds[f] = NUM;
      } else if (v === undefined) kinds[f] = MISSING;
      else {
        this.others[f] = v;
        kinds[f] = OTHER;
      }
    }
    const buf = plan.buf;
    let out: RuleSignal[] | null = null;
    for (let i = 0; i < rules.length; i++) {
      const c = rules[i]!;
      if (!c.when) {
        const r = c.rule;
        // A no-data rule: any reading means data again.
        if (isOpen(r.kind, plan.keys[i]!)) (out ??= []).push(this.signal(c, false, { minutes: r.noDataMinutes ?? 0 }));
        continue;
      }
      let any = c.slot0 >= 0 && kinds[c.slot0] !== MISSING;
      if (!any && c.moreSlots) {
        const slots = c.slots;
        for (let f = 1; f < slots.length; f++) {
          if (kinds[slots[f]!] !== MISSING) {
            any = true;
            break;
          }
        }
      }
      if (!any) continue;
      const o = buf[1 + i]!;
      if (Number.isNaN(buf[o + S_ON]!)) {
        // First evaluation: start from what is open (after a restart, an open alarm inside the band stays).
        const open = isOpen(c.rule.kind, plan.keys[i]!);
        buf[o + S_SINCE] = open ? -Infinity : NaN;
        buf[o + S_ON] = open ? 1 : 0;
        for (const l of c.latches) buf[o + l] = open ? 1 : 0;
      }
      this.decisive = null;
      const v = this.eval(c.when, t, ts, buf, o, c);
      const was = buf[o + S_ON] === 1;
      let on = was;
      if (c.latch) {
        const r = c.rule;
        // Latched: the readings raise it; only clearOn (or an operator) clears it.
        if (v === true) {
          if (Number.isNaN(buf[o + S_SINCE]!)) buf[o + S_SINCE] = ts;
          if (ts - buf[o + S_SINCE]! >= c.forMs) on = true;
        } else if (v === false) buf[o + S_SINCE] = NaN;
        const decisive = this.decisive;
        const cleared = c.clearOn !== null && this.eval(c.clearOn, t, ts, buf, o, c) === true;
        this.decisive = decisive;
        if (cleared) {
          buf[o + S_ON] = 0;
          buf[o + S_SINCE] = NaN;
          if (isOpen(r.kind, plan.keys[i]!)) (out ??= []).push(this.signal(c, false, this.paramsOf(r, t, buf, o)));
          continue;
        }
        buf[o + S_ON] = on ? 1 : 0;
        if (on && v === true && !isOpen(r.kind, plan.keys[i]!)) (out ??= []).push(this.signal(c, true, this.paramsOf(r, t, buf, o)));
        continue;
      }
      if (v === null) continue; // `all` with a field missing: no verdict
      if (v) {
        if (Number.isNaN(buf[o + S_SINCE]!)) buf[o + S_SINCE] = ts;
        if (ts - buf[o + S_SINCE]! >= c.forMs) on = true;
      } else {
        buf[o + S_SINCE] = NaN;
        on = false;
      }
      buf[o + S_ON] = on ? 1 : 0;
      // Unchanged and off: nothing is open from this rule (no lookup).
      if (!on && !was) continue;
      if (on !== isOpen(c.rule.kind, plan.keys[i]!)) (out ??= []).push(this.signal(c, on, this.paramsOf(c.rule, t, buf, o)));
    }
    return out ?? NONE;
  }

  /** The reading's values by field slot (reused). */
  /**
   * The reading's values by field slot: numbers in a typed array (no write barrier, no boxing),
   * anything else in `others`, and what each slot holds in `kinds`.
   */
  private nums = new Float64Array(16);
  private kinds = new Uint8Array(16);
  private readonly others: unknown[] = [];

  private grow(n: number): void {
    this.nums = new Float64Array(n * 2);
    this.kinds = new Uint8Array(n * 2);
  }

  /** A slot's value as read from the message (undefined: not in it). */
  private value(slot: number): unknown {
    const k = this.kinds[slot];
    return k === NUM ? this.nums[slot] : k === OTHER ? this.others[slot] : undefined;
  }

  /**
   * The leaf that last decided the condition being evaluated (a pointer store per leaf: the
   * message parameters are derived from it only when a verdict is made).
   */
  private decisive: Node | null = null;
  /** The event times of the last count node evaluated. */
  private times: number[] = [];

  /** The message parameters of a verdict: the deciding leaf's value and limit, the duration. */
  private paramsOf(r: Rule, t: Target, buf: readonly number[], o: number): Record<string, string | number> {
    const out: Record<string, string | number> = {};
    const n = this.decisive;
    if (n) {
      const raw = this.value(n.slot);
      if (n.op === ABOVE || n.op === BELOW) {
        if (typeof raw === 'number') out.value = raw;
        out.limit = Math.round(n.num * (n.ofCapacity ? t.capacity ?? 0 : 1) * 100) / 100;
        out.field = n.field;
      } else if (n.op === RATE) {
        out.value = Math.round(buf[o + n.so + L_RATE]! * 100) / 100;
        out.limit = n.num;
        out.field = n.field;
      } else if (n.op === COUNT) {
        out.value = this.times.length;
        out.limit = n.atLeast;
      } else if (n.op === EQUALS) out.value = String(raw);
    }
    if (r.forSeconds) out.minutes = Math.round((r.forSeconds / 60) * 10) / 10;
    return out;
  }

  private signal(c: Compiled, active: boolean, params: Record<string, string | number>): RuleSignal {
    const r = c.rule;
    return { kind: r.kind, active, severity: r.severity, rule: r.id, params, message: renderTemplate(r.message.en, params).slice(0, 500) };
  }

  /** Evaluates a node on the reading's values by slot: true, false, or null (a field it needs is missing). */
  private eval(n: Node, t: Target, ts: number, buf: number[], o: number, c: Compiled): boolean | null {
    switch (n.op) {
      case ALL: {
        let all = true;
        const kids = n.kids;
        for (let k = 0; k < kids.length; k++) {
          const v = this.eval(kids[k]!, t, ts, buf, o, c);
          if (v === null) return null;
          if (!v) all = false;
        }
        return all;
      }
      case ANY: {
        let any = false;
        let known = false;
        const kids = n.kids;
        for (let k = 0; k < kids.length; k++) {
          const v = this.eval(kids[k]!, t, ts, buf, o, c);
          if (v !== null) known = true;
          if (v) any = true;
        }
        return known ? any : null;
      }
      case PRESENT: {
        const v = this.value(n.slot);
        return v !== undefined && v !== null && v !== '';
      }
      case EQUALS: {
        const v = this.value(n.slot);
        if (v === undefined) return null;
        if (v !== n.eq) return false;
        this.decisive = n;
        return true;
      }
      case COUNT: {
        const v = this.value(n.slot);
        if (v === undefined) return null;
        let perObject = c.token.counts.get(t.idx);
        if (!perObject) c.token.counts.set(t.idx, (perObject = []));
        const times = (perObject[n.i] ??= []);
        this.times = times;
        const from = ts - n.windowMs;
        if (v === n.eq) times.push(ts);
        while (times.length > 0 && (times[0]! < from || times.length > 64)) times.shift();
        this.decisive = n;
        return v === n.eq && times.length >= n.atLeast;
      }
      case RATE: {
        if (this.kinds[n.slot] !== NUM) return null;
        const v = this.nums[n.slot]!;
        const b = o + n.so;
        const prev = buf[b + L_LAST]!;
        const prevTs = buf[b + L_TS]!;
        buf[b + L_LAST] = v;
        buf[b + L_TS] = ts;
        if (Number.isNaN(prev) || !(ts > prevTs)) return buf[b + L_LATCH] === 1;
        const perMin = Math.abs(v - prev) / ((ts - prevTs) / 60_000);
        const on = perMin > n.num;
        buf[b + L_LATCH] = on ? 1 : 0;
        buf[b + L_RATE] = perMin;
        this.decisive = n;
        return on;
      }
      default: {
        // ABOVE, BELOW
        if (this.kinds[n.slot] !== NUM) return null;
        const v = this.nums[n.slot]!;
        let limit = n.num;
        if (n.ofCapacity) {
          const cap = t.capacity ?? null;
          if (cap === null || cap <= 0) return false;
          limit = n.num * cap;
        }
        const h = n.h;
        const b = o + n.so;
        const was = buf[b + L_LATCH] === 1;
        const on = n.op === ABOVE
          ? (was ? v > limit - h : v > limit)
          : (was ? v < limit + h : v < limit);
        buf[b + L_LATCH] = on ? 1 : 0;
        this.decisive = n;
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
      for (const [idx, box] of seen) {
        const ts = box[0]!;
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
