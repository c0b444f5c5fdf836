/**
 * Isomorphic code shared by twin-server and twin-client: no DOM, Node, three or pg imports.
 */

/** Every kind of twin object; each has a dense integer `idx` (see docs/architecture.md). */
export const TWIN_KINDS = [
  'park', 'building', 'floor', 'room', 'equipment', 'pipe_node', 'pipe_segment', 'zone', 'enterprise',
] as const;
export type TwinKind = (typeof TWIN_KINDS)[number];

export * from './protocol.ts';
export * from './layer.ts';
export * from './registry.ts';
export { occupancyLayer } from './occupancy/index.ts';
export { equipmentLayer } from './equipment/index.ts';
export { securityLayer } from './security/index.ts';
export { energyLayer } from './energy/index.ts';
export { economyLayer } from './economy/index.ts';

export type { ParkIndex } from './park-index.ts';
export * from './networks.ts';
export type * from './ops.ts';
export * from './invest.ts';
