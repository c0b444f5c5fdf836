/**
 * The controller's spotlight (investment view), its shared-link camera and its click hand-over,
 * on the real controller and state texture without a browser.
 */
import { describe, expect, it } from 'vitest';
import { PerspectiveCamera, Vector3 } from 'three';
import { FLAG } from './featureState.ts';
import { TwinController } from './controller.ts';
import { Hierarchy, type ParkIndexJson } from './hierarchy.ts';

// Park 1; building 2 with floor 3 and rooms 4 (vacant), 5 (leased); building 6 with floor 7 and room 8 (vacant).
const json: ParkIndexJson = {
  park: { idx: 1, code: 'p', name: '园区', nameEn: 'Park', origin: { lon: 120, lat: 30, h: 0 } },
  idx: [2, 3, 4, 5, 6, 7, 8],
  kind: ['building', 'floor', 'room', 'room', 'building', 'floor', 'room'],
  parent: [1, 2, 3, 3, 1, 6, 7],
  level: [0, 1, 1, 1, 0, 1, 1],
  name: ['A', 'A1', 'A101', 'A102', 'B', 'B1', 'B101'],
  nameEn: Array(7).fill(null),
  lease: [null, null, 'vacant', 'leased', null, null, 'vacant'],
};

const GREEN = [46, 204, 113] as const;
const TINT = [110, 190, 160] as const;

function controller(): TwinController {
  const ctl = new TwinController();
  ctl.layer = 'none';
  ctl.setHierarchy(new Hierarchy(json));
  return ctl;
}

describe('TwinController.spotlight', () => {
  it('lights the given units, tints their buildings but keeps them dimmed, dims everything else', () => {
    const ctl = controller();
    ctl.spotlight(new Map([[4, GREEN]]), new Map([[2, TINT]]));
    const t = (i: number) => [...ctl.state.colour(i), ctl.state.flags(i)];
    expect(t(4)).toEqual([...GREEN, FLAG.coloured]);
    expect(t(2)).toEqual([...TINT, FLAG.coloured | FLAG.faded]);
    for (const i of [3, 5, 6, 7, 8]) expect(ctl.state.flags(i), `idx ${i}`).toBe(FLAG.faded);

    // A new set replaces the old one: 4 is dimmed and uncoloured, 8 lit.
    ctl.spotlight(new Map([[8, GREEN]]), new Map([[6, TINT]]));
    expect(ctl.state.flags(4)).toBe(FLAG.faded);
    expect(ctl.state.flags(2)).toBe(FLAG.faded);
    expect(t(8)).toEqual([...GREEN, FLAG.coloured]);

    // Null restores the drill-down and the layer: nothing dimmed, nothing coloured.
    ctl.spotlight(null);
    for (const i of json.idx) expect(ctl.state.flags(i), `idx ${i}`).toBe(0);
  });

  it('a pick handler takes scene clicks instead of the drill-down', () => {
    const ctl = controller();
    const picked: number[] = [];
    ctl.pickHandler = (idx) => picked.push(idx);
    ctl.pick(4);
    expect(picked).toEqual([4]);
    expect(ctl.drill).toEqual({ building: 0, floor: 0, selected: 0 });
    ctl.pickHandler = null;
    ctl.pick(4);
    expect(ctl.drill.selected).toBe(4);
  });

  it('a shared-link camera waits for the tileset, then wins over the overview framing', () => {
    const ctl = controller();
    const camera = new PerspectiveCamera();
    ctl.camera = camera;
    ctl.controls = { target: new Vector3(), update: () => {} };
    ctl.pendingCamera = { pos: new Vector3(10, 20, 30), target: new Vector3(1, 2, 3) };
    ctl.pendingOverview = true;
    ctl.retryPendingFrame();
    expect(ctl.flight).toBeNull(); // tileset not in yet
    ctl.tilesetReady = true;
    ctl.retryPendingFrame();
    expect(ctl.pendingCamera).toBeNull();
    expect(ctl.pendingOverview).toBe(false);
    ctl.stepFlight(performance.now());
    expect(camera.position.toArray()).toEqual([10, 20, 30]);
    expect(ctl.controls.target.toArray()).toEqual([1, 2, 3]);
  });
});
