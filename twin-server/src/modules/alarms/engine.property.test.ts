/**
 * Properties of the rule engine (no database, no clock): duration ("above 28 °C for 5 minutes")
 * raises exactly when the condition held on every reading for the duration; hysteresis never
 * flaps (a value moving inside the band changes nothing); most-specific scope wins; rule
 * changes take effect at the next reading.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { conditionSchema, RuleEngine, type Rule, type Target } from './engine.ts';

const T: Target = { idx: 7, type: 'ahu', floor: 3, building: 2 };

function rule(over: Partial<Rule> = {}): Rule {
  return {
    id: 1, layer: 'equipment', kind: 'over_temperature', scope: {}, forSeconds: 0, latch: false, clearOn: null, noDataMinutes: null,
    severity: 2, message: { zh: '{value} °C', en: '{value} °C > {limit} °C' }, enabled: true,
    when: { op: 'above', field: 'temperature', value: 28, hysteresis: 1 }, ...over,
  };
}

/** Runs readings through an engine, applying each verdict to an `open` flag as the pipeline does. */
function run(engine: RuleEngine, readings: Array<{ t: number; v: number }>, target = T): { open: boolean[]; transitions: number } {
  let open = false;
  let transitions = 0;
  const out: boolean[] = [];
  for (const r of readings) {
    for (const s of engine.evaluate('equipment', target, { temperature: r.v }, r.t, () => open)) {
      if (s.active !== open) {
        open = s.active;
        transitions++;
      }
    }
    out.push(open);
  }
  return { open: out, transitions };
}

const readingsArb = fc.array(fc.record({ dt: fc.integer({ min: 1, max: 120_000 }), v: fc.double({ min: 20, max: 36, noNaN: true }) }), { minLength: 1, maxLength: 80 })
  .map((a) => {
    let t = 1_764_000_000_000;
    return a.map((x) => ({ t: (t += x.dt), v: x.v }));
  });

describe('alarm rule engine', () => {
  it('duration: open exactly when every reading for the last forSeconds was over the limit (model check)', () => {
    fc.assert(fc.property(readingsArb, fc.integer({ min: 0, max: 600 }), (readings, forSeconds) => {
      const e = new RuleEngine();
      e.load([rule({ forSeconds, when: { op: 'above', field: 'temperature', value: 28 } })]);
      const { open } = run(e, readings);
      // Model: the alarm is open iff the current run of readings > 28 started at least forSeconds ago.
      let since = NaN;
      readings.forEach((r, i) => {
        if (r.v > 28) {
          if (Number.isNaN(since)) since = r.t;
        } else since = NaN;
        const want = !Number.isNaN(since) && r.t - since >= forSeconds * 1000;
        expect(open[i], `reading ${i} at +${r.t - readings[0]!.t} ms, ${r.v}`).toBe(want);
      });
    }), { numRuns: 300 });
  });

  it('hysteresis: no flapping: values that stay inside the band after raising never clear, and between limit-h and limit never raise', () => {
    fc.assert(fc.property(fc.array(fc.double({ min: 27.01, max: 40, noNaN: true }), { minLength: 1, maxLength: 100 }), fc.array(fc.double({ min: 27.01, max: 28, noNaN: true }), { maxLength: 50 }), (above, band) => {
      const e = new RuleEngine();
      e.load([rule({ when: { op: 'above', field: 'temperature', value: 28, hysteresis: 1 } })]);
      // Start over the limit so it raises, then wander anywhere above limit - h: one transition only.
      const readings = [29, ...above].map((v, i) => ({ t: 1_000_000 + i * 1000, v }));
      expect(run(e, readings).transitions).toBe(1);
      // A fresh object that only ever sees values in (limit - h, limit] never raises.
      const e2 = new RuleEngine();
      e2.load([rule({ when: { op: 'above', field: 'temperature', value: 28, hysteresis: 1 } })]);
      expect(run(e2, band.map((v, i) => ({ t: 1_000_000 + i * 1000, v }))).transitions).toBe(0);
    }), { numRuns: 300 });
  });

  it('hysteresis: transitions alternate and each clear needs a value at or below limit - h (any sequence)', () => {
    fc.assert(fc.property(readingsArb, (readings) => {
      const e = new RuleEngine();
      e.load([rule({ when: { op: 'above', field: 'temperature', value: 28, hysteresis: 1.5 } })]);
      const { open } = run(e, readings);
      readings.forEach((r, i) => {
        const was = i > 0 ? open[i - 1]! : false;
        if (!was && open[i]) expect(r.v).toBeGreaterThan(28);
        if (was && !open[i]) expect(r.v).toBeLessThanOrEqual(26.5);
        if (was && r.v > 26.5) expect(open[i]).toBe(true);
      });
    }), { numRuns: 300 });
  });

  it('duration with hysteresis: raised once the value stayed above limit - h (after first crossing the limit) for forSeconds (model check)', () => {
    fc.assert(fc.property(readingsArb, fc.integer({ min: 0, max: 600 }), (readings, forSeconds) => {
      const e = new RuleEngine();
      e.load([rule({ forSeconds, when: { op: 'above', field: 'temperature', value: 28, hysteresis: 1 } })]);
      const { open } = run(e, readings);
      // Model: the threshold latches above 28 and releases at or below 27; the alarm is open once
      // it was latched on every reading for forSeconds, and closes when it releases.
      let latched = false;
      let since = NaN;
      let on = false;
      readings.forEach((r, i) => {
        latched = latched ? r.v > 27 : r.v > 28;
        if (latched) {
          if (Number.isNaN(since)) since = r.t;
          if (r.t - since >= forSeconds * 1000) on = true;
        } else {
          since = NaN;
          on = false;
        }
        expect(open[i], `reading ${i}: ${r.v}`).toBe(on);
      });
    }), { numRuns: 300 });
  });

  it('many objects interleaved, with reloads of the unchanged rules in between: each object decides as if alone', () => {
    const objects = fc.array(fc.record({ obj: fc.integer({ min: 0, max: 4 }), dt: fc.integer({ min: 1, max: 90_000 }), v: fc.double({ min: 24, max: 32, noNaN: true }), reload: fc.boolean() }), { minLength: 1, maxLength: 150 });
    fc.assert(fc.property(objects, (steps) => {
      const rules = [rule({ forSeconds: 120, when: { op: 'above', field: 'temperature', value: 28, hysteresis: 1 } })];
      const shared = new RuleEngine();
      shared.load(rules);
      const alone = Array.from({ length: 5 }, () => {
        const e = new RuleEngine();
        e.load(rules);
        return e;
      });
      const targets = Array.from({ length: 5 }, (_, i) => ({ ...T, idx: 100 + i }));
      const openShared = new Set<number>();
      const openAlone = new Set<number>();
      let t = 1_764_000_000_000;
      for (const s of steps) {
        t += s.dt;
        if (s.reload) shared.load(rules.map((r) => ({ ...r })));
        const tg = targets[s.obj]!;
        for (const x of shared.evaluate('equipment', tg, { temperature: s.v }, t, () => openShared.has(tg.idx))) if (x.active) openShared.add(tg.idx); else openShared.delete(tg.idx);
        const own = { ...T, idx: tg.idx };
        for (const x of alone[s.obj]!.evaluate('equipment', own, { temperature: s.v }, t, () => openAlone.has(tg.idx))) if (x.active) openAlone.add(tg.idx); else openAlone.delete(tg.idx);
        expect([...openShared].sort()).toEqual([...openAlone].sort());
      }
    }), { numRuns: 200 });
  });

  it('an open alarm seen after a restart is not cleared by a value inside the band', () => {
    const e = new RuleEngine();
    e.load([rule()]);
    // Nothing to change (no clear), while a value below the band clears it.
    expect(e.evaluate('equipment', T, { temperature: 27.5 }, 1000, () => true)).toEqual([]);
    expect(e.evaluate('equipment', T, { temperature: 26.5 }, 2000, () => true)).toEqual([expect.objectContaining({ active: false })]);
  });

  it('the most specific rule of a kind wins; a rule change takes effect at the next reading', () => {
    const e = new RuleEngine();
    e.load([rule({ id: 1 }), rule({ id: 2, scope: { equipmentType: 'ahu' }, when: { op: 'above', field: 'temperature', value: 50 } })]);
    // The type rule (limit 50) wins for the ahu: 40 °C clears an open alarm instead of raising one.
    expect(e.evaluate('equipment', T, { temperature: 40 }, 1, () => false)).toEqual([]);
    expect(e.evaluate('equipment', { ...T, idx: 8 }, { temperature: 40 }, 1, () => true)[0]).toMatchObject({ active: false, rule: 2 });
    expect(e.evaluate('equipment', { ...T, type: 'pump' }, { temperature: 40 }, 1, () => false)[0]).toMatchObject({ active: true, rule: 1 });
    e.load([rule({ id: 1 }), rule({ id: 2, scope: { equipmentType: 'ahu' }, when: { op: 'above', field: 'temperature', value: 35 } })]);
    expect(e.evaluate('equipment', T, { temperature: 40 }, 2, () => false)[0]).toMatchObject({ active: true, rule: 2, message: '40 °C > 35 °C' });
    e.load([rule({ id: 1, enabled: false })]);
    expect(e.evaluate('equipment', T, { temperature: 99 }, 3, () => false)).toEqual([]);
  });

  it('rate of change, combinations, latched events and no data', () => {
    const e = new RuleEngine();
    e.load([
      rule({ id: 1, kind: 'temp_rise', when: { op: 'rate', field: 'temperature', perMinute: 2 } }),
      rule({ id: 2, kind: 'hot_and_loaded', when: { op: 'all', of: [{ op: 'above', field: 'temperature', value: 30 }, { op: 'above', field: 'load', value: 80 }] } }),
      rule({ id: 3, kind: 'silent', when: null, noDataMinutes: 5 }),
    ]);
    const open = new Set<string>();
    const v = (msg: Record<string, number>, t: number) => {
      for (const s of e.evaluate('equipment', T, msg, t, (k) => open.has(k))) {
        if (s.active) open.add(s.kind);
        else open.delete(s.kind);
      }
      return [...open].sort();
    };
    expect(v({ temperature: 20 }, 0)).toEqual([]);
    expect(v({ temperature: 25 }, 60_000)).toEqual(['temp_rise']); // 5 °C/min
    expect(v({ temperature: 26, load: 90 }, 120_000)).toEqual([]);
    expect(v({ temperature: 31, load: 90 }, 180_000)).toEqual(['hot_and_loaded', 'temp_rise']);
    expect(e.silent(180_000 + 4 * 60_000, () => T)).toEqual([]);
    expect(e.silent(180_000 + 5 * 60_000, () => T)).toEqual([expect.objectContaining({ idx: 7, signal: expect.objectContaining({ kind: 'silent', active: true }) })]);

    const sec = new RuleEngine();
    sec.load([{ ...rule({ id: 9, layer: 'security', kind: 'perimeter_intrusion', latch: true, severity: 3 }), when: { op: 'equals', field: 'event', value: 'intrusion' }, clearOn: { op: 'equals', field: 'event', value: 'clear' } }]);
    let latched = false;
    const ev = (event: string, t: number) => {
      for (const s of sec.evaluate('security', T, { event }, t, () => latched)) latched = s.active;
      return latched;
    };
    expect(ev('intrusion', 1)).toBe(true);
    expect(ev('access_granted', 2)).toBe(true); // latched
    expect(ev('clear', 3)).toBe(false);
  });

  it('malformed conditions are refused by the schema', () => {
    expect(conditionSchema.safeParse({ op: 'above', field: 'temperature' }).success).toBe(false);
    expect(conditionSchema.safeParse({ op: 'between', field: 'temperature', value: 1 }).success).toBe(false);
    expect(conditionSchema.safeParse({ op: 'all', of: [] }).success).toBe(false);
    expect(conditionSchema.safeParse({ op: 'above', field: 'Temperature; drop', value: 1 }).success).toBe(false);
    expect(conditionSchema.safeParse({ op: 'any', of: [{ op: 'above', field: 'kw', value: 1, hysteresis: 2 }, { op: 'present', field: 'fault' }] }).success).toBe(true);
  });
});
