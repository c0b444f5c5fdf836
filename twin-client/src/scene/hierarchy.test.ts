import { describe, expect, it } from 'vitest';
import { FLAG, FeatureStateTexture } from './featureState.ts';
import { DRILL_NONE, Hierarchy, applyDrill, drillBack, drillPick, type ParkIndexJson } from './hierarchy.ts';

// Park 1; building 2 with floors 3 (L1), 4 (L2), 5 (L3), rooms 6 (L1), 7 (L2), 8 (L3), equipment 9 in room 8;
// building 10 with floor 11 and room 12; outdoor equipment 13 and a pipe 14.
const json: ParkIndexJson = {
  park: { idx: 1, code: 'p', name: '园区', nameEn: 'Park', origin: { lon: 120, lat: 30, h: 0 } },
  idx: [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14],
  kind: ['building', 'floor', 'floor', 'floor', 'room', 'room', 'room', 'equipment', 'building', 'floor', 'room', 'equipment', 'pipe_segment'],
  parent: [1, 2, 2, 2, 3, 4, 5, 8, 1, 10, 11, 1, 1],
  level: [0, 1, 2, 3, 1, 2, 3, 3, 0, 1, 1, 0, 0],
  name: ['A', 'A1', 'A2', 'A3', 'A101', 'A201', 'A301', 'FCU', 'B', 'B1', 'B101', 'Gate', 'Main'],
  nameEn: Array(13).fill(null),
  lease: [null, null, null, null, 'vacant', 'leased', null, null, null, null, null, null, null],
};

describe('Hierarchy and drill-down', () => {
  const h = new Hierarchy(json);

  it('resolves building, floor and path of every object', () => {
    expect(h.buildingOf[9]).toBe(2);
    expect(h.buildingOf[13]).toBe(0);
    expect(h.floorOf(9)).toBe(5);
    expect(h.floorsOf(2)).toEqual([3, 4, 5]);
    expect(h.pathTo(9)).toEqual([1, 2, 5, 8, 9]);
    expect(h.lease.get(7)).toBe('leased');
  });

  it('isolating a building fades everything else and nothing inside', () => {
    const s = new FeatureStateTexture(64);
    const d = drillPick(h, DRILL_NONE, 2);
    applyDrill(s, h, d);
    for (const i of [10, 11, 12, 13, 14]) expect(s.flags(i) & FLAG.faded).toBe(FLAG.faded);
    for (const i of [2, 3, 4, 5, 6, 7, 8, 9]) expect(s.flags(i)).toBe(0);
  });

  it('picking floor 2 hides the shell and every floor, room and device above it; Escape restores', () => {
    const s = new FeatureStateTexture(64);
    let d = drillPick(h, drillPick(h, DRILL_NONE, 2), 4);
    expect(d).toEqual({ building: 2, floor: 4, selected: 0 });
    applyDrill(s, h, d);
    const hidden = (i: number) => (s.flags(i) & FLAG.hidden) !== 0;
    expect([2, 5, 8, 9].every(hidden)).toBe(true);
    expect([3, 4, 6, 7].some(hidden)).toBe(false);
    d = drillBack(d);
    applyDrill(s, h, d);
    expect([2, 5, 8, 9].some(hidden)).toBe(false);
    expect(d).toEqual({ building: 2, floor: 0, selected: 0 });
    d = drillBack(d);
    applyDrill(s, h, d);
    expect(d).toEqual(DRILL_NONE);
    for (const i of h.all) expect(s.flags(i)).toBe(0);
  });

  it('picking a room elsewhere jumps to its building and floor and selects it', () => {
    const s = new FeatureStateTexture(64);
    const d = drillPick(h, { building: 2, floor: 4, selected: 0 }, 12);
    expect(d).toEqual({ building: 10, floor: 11, selected: 12 });
    applyDrill(s, h, d);
    expect(s.flags(12) & FLAG.selected).toBe(FLAG.selected);
    expect(s.flags(2) & FLAG.faded).toBe(FLAG.faded);
    expect(drillBack(d)).toEqual({ building: 10, floor: 11, selected: 0 });
  });

  it('keeps layer colours through drill changes', () => {
    const s = new FeatureStateTexture(64);
    s.setColour(6, 200, 10, 10);
    applyDrill(s, h, { building: 2, floor: 3, selected: 6 });
    applyDrill(s, h, DRILL_NONE);
    expect(s.flags(6)).toBe(FLAG.coloured);
    expect(s.colour(6)).toEqual([200, 10, 10]);
  });
});
