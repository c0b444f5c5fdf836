/**
 * Wire types of the maintenance routes (`/api/ops/...`, twin-server/src/modules/ops), shared by
 * the server that builds them and the `/ops` view that reads them.
 */

export type TraceDirection = 'downstream' | 'upstream';

/** GET /api/ops/trace: what a trace reached from its start node (ascending idx). */
export interface TraceResult {
  node: number;
  network: string;
  direction: TraceDirection;
  /** Segments the trace passes. */
  segments: number[];
  /** Nodes reached (without the start node). */
  nodes: number[];
  /** Closed valves the trace ran into and stopped at. */
  barriers: number[];
}

/** One end of a pipe segment. */
export interface PipeEnd {
  idx: number;
  code: string;
  name: string;
  nameEn: string | null;
  nodeType: string;
  valveOpen: boolean | null;
}

/** GET /api/ops/pipes/:idx: a pipe segment's or a node's attributes. */
export type NetworkObject =
  | {
    kind: 'pipe_segment'; idx: number; code: string; name: string; nameEn: string | null; network: string;
    diameterMm: number; depth: number; material: string; installYear: number | null; lengthM: number;
    /** Depth of the pipe centre line below the ground datum at its ends, metres (positive down). */
    centreDepth: [number, number];
    from: PipeEnd; to: PipeEnd;
  }
  | {
    kind: 'pipe_node'; idx: number; code: string; name: string; nameEn: string | null; network: string;
    nodeType: string; valveOpen: boolean | null; depth: number; building: number | null;
    /** Segments starting and ending here. */
    outgoing: number[]; incoming: number[];
  };

/** GET /api/ops/parks/:code/networks: every segment and node as columns (depth: crown / node centre, m). */
export interface ParkNetworks {
  segments: { idx: number[]; network: string[]; depth: number[] };
  nodes: { idx: number[]; network: string[]; type: string[]; valveOpen: Array<boolean | null>; depth: number[] };
}

/** GET /api/ops/section/:idx: a building's or floor's box in the tiles' east-north-up park metres. */
export interface SectionBoxJson {
  idx: number;
  kind: 'building' | 'floor';
  min: [number, number, number];
  max: [number, number, number];
}

/** One open work order (GET /api/ops/equipment/:idx/work-orders). */
export interface WorkOrder {
  code: string;
  title: string;
  titleEn: string | null;
  type: string;
  priority: string;
  status: string;
  assignee: string | null;
  openedOn: string;
  dueOn: string | null;
}
