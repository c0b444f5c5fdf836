/**
 * The shared layer harness: every registered layer goes through the same checks, so a new layer
 * is tested by registering it.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ALARM_KINDS, LAYERS, layerById, layerByName, encodeState } from './registry.ts';
import type { LayerContext } from './layer.ts';
import { LAYER_IDS, STATUS } from './protocol.ts';

const ctx = (over: Partial<LayerContext> = {}): LayerContext => ({ kind: 'equipment', type: 'ahu', capacity: 20, now: Date.now(), burst: () => 1, ...over });
const STATUSES = Object.values(STATUS) as number[];

describe('layer registry', () => {
  it('has the five standard layers (and any added one) with unique names and wire ids from LAYER_IDS', () => {
    expect(LAYERS.map((l) => l.name)).toEqual(expect.arrayContaining(['economy', 'energy', 'equipment', 'occupancy', 'security']));
    expect(new Set(LAYERS.map((l) => l.name)).size).toBe(LAYERS.length);
    expect(new Set(LAYERS.map((l) => l.id)).size).toBe(LAYERS.length);
    for (const l of LAYERS) {
      expect(l.id).toBe(LAYER_IDS[l.name]);
      expect(layerByName(l.name)).toBe(l);
      expect(layerById(l.id)).toBe(l);
    }
    expect(layerByName('nope')).toBeUndefined();
  });
});

for (const layer of LAYERS) {
  describe(`layer ${layer.name}`, () => {
    it('has titles, units, a permission and a legend in both languages', () => {
      for (const t of [layer.title, layer.unit]) expect(t.zh.length * t.en.length).toBeGreaterThan(0);
      expect(layer.permission).toMatch(/^[a-z]+:read$/);
      expect(layer.legend.length).toBeGreaterThan(0);
      for (const [kind, label] of Object.entries(layer.alarmKinds ?? {})) {
        expect(kind).toMatch(/^[a-z][a-z0-9_]{1,62}$/);
        expect(label.zh.length * label.en.length).toBeGreaterThan(0);
        expect(ALARM_KINDS.filter((k) => k === kind), 'alarm kinds are unique over all layers').toHaveLength(1);
      }
      for (const e of layer.legend) {
        expect(e.zh && e.en).toBeTruthy();
        expect(e.color).toHaveLength(4);
      }
    });

    it('accepts its examples and turns them into finite records with a known status', () => {
      expect(layer.examples.length).toBeGreaterThan(0);
      for (const ex of layer.examples) {
        const parsed = layer.ingest.safeParse(ex);
        expect(parsed.success, JSON.stringify(ex)).toBe(true);
        const s = layer.snapshot(parsed.data, ctx());
        expect(Number.isFinite(s.value)).toBe(true);
        expect(STATUSES).toContain(s.status);
        for (const a of layer.alarms?.(parsed.data, ctx()) ?? []) {
          // A layer raises only the kinds it declares (their labels are what the UI shows).
          expect(Object.keys(layer.alarmKinds ?? {})).toContain(a.kind);
          expect([1, 2, 3]).toContain(a.severity);
        }
        if (layer.rollup) expect(Number.isFinite(layer.rollup(s))).toBe(true);
      }
    });

    it('rejects arbitrary junk without throwing', () => {
      fc.assert(fc.property(fc.anything(), (junk) => {
        const r = layer.ingest.safeParse(junk);
        // Anything that does parse must still give a finite record.
        if (r.success) expect(Number.isFinite(layer.snapshot(r.data, ctx()).value)).toBe(true);
      }), { numRuns: 300 });
      expect(layer.ingest.safeParse({ ...(layer.examples[0] as object), unexpected: 1 }).success).toBe(false);
    });

    it('encodes every value and status to RGBA bytes; alarm is red and differs from normal', () => {
      fc.assert(fc.property(fc.double(), fc.constantFrom(...STATUSES), (v, s) => {
        const c = encodeState(layer.id, v, s);
        expect(c).toHaveLength(4);
        for (const x of c) expect(Number.isInteger(x) && x >= 0 && x <= 255).toBe(true);
      }), { numRuns: 300 });
      const [lo, hi] = layer.domain;
      expect(layer.encode(hi, STATUS.alarm)).not.toEqual(layer.encode(hi, STATUS.normal));
      expect(layer.encode(lo, STATUS.normal)).not.toEqual(layer.encode(hi, STATUS.normal));
    });
  });
}

describe('layer thresholds', () => {
  it('occupancy over capacity is an alarm and raises occupancy_over_capacity; under clears it', () => {
    const l = layerByName('occupancy')!;
    const over = l.ingest.parse({ count: 21 });
    expect(l.snapshot(over, ctx({ capacity: 20 })).status).toBe(STATUS.alarm);
    expect(l.alarms!(over, ctx({ capacity: 20 }))).toEqual([expect.objectContaining({ kind: 'occupancy_over_capacity', active: true })]);
    expect(l.alarms!(l.ingest.parse({ count: 5 }), ctx({ capacity: 20 }))[0]!.active).toBe(false);
  });
  it('equipment over temperature and faults raise alarms', () => {
    const l = layerByName('equipment')!;
    const hot = l.alarms!(l.ingest.parse({ temperature: 90 }), ctx());
    expect(hot).toEqual([expect.objectContaining({ kind: 'over_temperature', active: true })]);
    expect(l.alarms!(l.ingest.parse({ temperature: 40 }), ctx({ type: 'env_sensor' }))[0]!.active).toBe(true);
    expect(l.alarms!(l.ingest.parse({ status: 'fault' }), ctx())[0]).toMatchObject({ kind: 'equipment_fault', active: true });
  });
  it('security raises intrusion at once and access-denied only as a burst', () => {
    const l = layerByName('security')!;
    expect(l.alarms!(l.ingest.parse({ event: 'intrusion' }), ctx())[0]!.kind).toBe('perimeter_intrusion');
    const denied = l.ingest.parse({ event: 'access_denied' });
    expect(l.alarms!(denied, ctx({ burst: () => 2 }))).toEqual([]);
    expect(l.alarms!(denied, ctx({ burst: () => 5 }))[0]!.kind).toBe('access_denied_burst');
  });
});
