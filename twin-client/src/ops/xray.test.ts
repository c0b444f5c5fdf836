/**
 * The x-ray state (ghosted buildings, network colours by depth, trace highlight) and the section
 * box planes, without a browser: what the shader and the clipping will be given.
 */
import { describe, expect, it } from 'vitest';
import { Box3, Vector3 } from 'three';
import { NETWORK_COLOURS } from '@park-twin/layers';
import { FLAG, FeatureStateTexture } from '../scene/featureState.ts';
import { Hierarchy } from '../scene/hierarchy.ts';
import type { ParkNetworks } from '@park-twin/layers';
import { CLOSED_VALVE_RGB, TRACE_RGB, applyGhost, depthFactor, networkColour, paintNetworks } from './xray.ts';
import { planesOf, sectionBox } from './section.tsx';

// park 1; building 2 with floor 3, room 4, equipment 5; pipe nodes 6, 7 (closed valve), 8; segments 9 (6->7), 10 (7->8).
const h = new Hierarchy({
  park: { idx: 1, code: 'p', name: '园区', nameEn: 'Park', origin: { lon: 120, lat: 30, h: 0 } },
  idx: [2, 3, 4, 5, 6, 7, 8, 9, 10],
  kind: ['building', 'floor', 'room', 'equipment', 'pipe_node', 'pipe_node', 'pipe_node', 'pipe_segment', 'pipe_segment'],
  parent: [1, 2, 3, 4, 1, 1, 1, 1, 1],
  level: [null, 1, 1, null, null, null, null, null, null],
  name: ['b', 'f', 'r', 'e', 'n6', 'n7', 'n8', 's9', 's10'],
  nameEn: Array(9).fill(null),
  lease: Array(9).fill(null),
} as unknown as ConstructorParameters<typeof Hierarchy>[0]);

const nets: ParkNetworks = {
  segments: { idx: [9, 10], network: ['water', 'gas'], depth: [0.4, 6] },
  nodes: { idx: [6, 7, 8], network: ['water', 'water', 'gas'], type: ['source', 'valve', 'meter'], valveOpen: [null, false, null], depth: [1, 1, 6] },
};
const rgb = (s: FeatureStateTexture, i: number) => s.colour(i);

describe('x-ray state', () => {
  it('ghosts buildings, floors and rooms only, and clears the ghost everywhere when switched off', () => {
    const s = new FeatureStateTexture(64);
    applyGhost(s, h, true);
    expect([2, 3, 4].map((i) => s.flags(i) & FLAG.ghost)).toEqual([FLAG.ghost, FLAG.ghost, FLAG.ghost]);
    expect([5, 6, 9].map((i) => s.flags(i) & FLAG.ghost)).toEqual([0, 0, 0]);
    applyGhost(s, h, false);
    expect([2, 3, 4].map((i) => s.flags(i) & FLAG.ghost)).toEqual([0, 0, 0]);
  });

  it('colours pipes by network, darker the deeper they lie; closed valves red', () => {
    expect(depthFactor(0.2)).toBe(1);
    expect(depthFactor(4)).toBeCloseTo(0.45);
    expect(depthFactor(2)).toBeLessThan(depthFactor(1));
    const s = new FeatureStateTexture(64);
    paintNetworks(s, nets, null);
    expect(rgb(s, 9)).toEqual([...NETWORK_COLOURS.water]);
    expect(rgb(s, 10)).toEqual(networkColour('gas', 6));
    expect(rgb(s, 10)[0]).toBeLessThan(NETWORK_COLOURS.gas[0]);
    expect(rgb(s, 7)).toEqual([...CLOSED_VALVE_RGB]);
    expect(s.flags(9) & FLAG.coloured).toBe(FLAG.coloured);
  });

  it('draws a trace white over dimmed networks, and back when it is cleared', () => {
    const s = new FeatureStateTexture(64);
    paintNetworks(s, nets, { segments: new Set([9]), nodes: new Set([6, 7]) });
    expect(rgb(s, 9)).toEqual([...TRACE_RGB]);
    expect(rgb(s, 6)).toEqual([...TRACE_RGB]);
    expect(rgb(s, 7)).toEqual([...CLOSED_VALVE_RGB]); // a barrier stays a barrier
    expect(rgb(s, 10)).toEqual(networkColour('gas', 6, 0.35));
    paintNetworks(s, nets, null);
    expect(rgb(s, 9)).toEqual([...NETWORK_COLOURS.water]);
  });
});

describe('section box', () => {
  it('keeps exactly what is inside the widened, deepened box', () => {
    const box = sectionBox({ base: new Box3(new Vector3(0, 0, 0), new Vector3(10, 20, 10)), margin: 2, below: 3 });
    expect(box.min.toArray()).toEqual([-2, -3, -2]);
    expect(box.max.toArray()).toEqual([12, 20, 12]);
    const planes = planesOf(box);
    const kept = (p: Vector3) => planes.every((pl) => pl.distanceToPoint(p) >= 0);
    expect(kept(new Vector3(5, -2.5, 5))).toBe(true);
    expect(kept(new Vector3(-1.9, 19.9, 11.9))).toBe(true);
    expect(kept(new Vector3(5, -3.1, 5))).toBe(false);
    expect(kept(new Vector3(12.1, 5, 5))).toBe(false);
    expect(kept(new Vector3(5, 20.1, 5))).toBe(false);
    expect(kept(new Vector3(5, 5, -2.1))).toBe(false);
  });
});
