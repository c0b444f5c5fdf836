/**
 * Underground networks as trees along the roads: a source (or, for drainage, the outlet) at the
 * south gate, a trunk along the southern road, branches up every north-south road, and a lateral
 * to each building's service node. Segment ends are exactly their nodes' positions, and
 * from_node -> to_node is the flow direction (drainage flows towards the outlet).
 */
import { Rng } from './prng.ts';
import { roundTo, type XY } from './geo.ts';
import type { Layout } from './buildings.ts';
import type { BuildingObj, Material, Network, NodeType, PipeNodeObj, PipeSegmentObj } from './model.ts';

interface NetSpec {
  network: Network;
  prefix: string;
  zh: string;
  en: string;
  /** Offset of this network's line from the road centre line, metres. */
  offset: number;
  /** Cover depth to the crown, metres (drainage: at the upstream ends). */
  cover: number;
  /** Spacing of intermediate nodes along the roads, metres. */
  spacing: number;
  rootType: NodeType;
  rootName: [string, string];
  branchType: NodeType;
  stationType: NodeType;
  tapType: NodeType;
  endType: NodeType;
  trunk: [number, Material];
  branch: [number, Material];
  lateral: [number, Material];
  serves: (b: BuildingObj) => boolean;
}

const SPECS: readonly NetSpec[] = [
  {
    network: 'water', prefix: 'W', zh: '给水', en: 'Water', offset: 4, cover: 1.2, spacing: 90, rootType: 'source',
    rootName: ['市政给水接入点', 'Municipal water connection'], branchType: 'valve', stationType: 'junction', tapType: 'valve',
    endType: 'meter', trunk: [400, 'ductile_iron'], branch: [250, 'ductile_iron'], lateral: [150, 'pe'], serves: () => true,
  },
  {
    network: 'drainage', prefix: 'D', zh: '污水', en: 'Sewer', offset: 0, cover: 1.5, spacing: 40, rootType: 'outlet',
    rootName: ['市政污水排出口', 'Outfall to municipal sewer'], branchType: 'manhole', stationType: 'manhole', tapType: 'manhole',
    endType: 'service', trunk: [800, 'concrete'], branch: [500, 'hdpe'], lateral: [300, 'pvc'], serves: () => true,
  },
  {
    network: 'power', prefix: 'P', zh: '电力', en: 'Power', offset: -4, cover: 0.8, spacing: 60, rootType: 'source',
    rootName: ['10kV开闭所', '10 kV switching station'], branchType: 'cabinet', stationType: 'manhole', tapType: 'junction',
    endType: 'transformer', trunk: [150, 'xlpe_cable'], branch: [150, 'xlpe_cable'], lateral: [150, 'xlpe_cable'], serves: () => true,
  },
  {
    network: 'gas', prefix: 'G', zh: '燃气', en: 'Gas', offset: 7, cover: 1.0, spacing: 150, rootType: 'source',
    rootName: ['燃气调压站', 'Gas pressure regulating station'], branchType: 'valve', stationType: 'junction', tapType: 'valve',
    endType: 'meter', trunk: [200, 'pe'], branch: [160, 'pe'], lateral: [63, 'pe'], serves: (b) => b.hasCanteen || b.hasBoiler,
  },
  {
    network: 'telecom', prefix: 'T', zh: '通信', en: 'Telecom', offset: -7, cover: 0.7, spacing: 80, rootType: 'source',
    rootName: ['园区通信机房', 'Park telecom room'], branchType: 'manhole', stationType: 'manhole', tapType: 'manhole',
    endType: 'cabinet', trunk: [110, 'fiber'], branch: [110, 'fiber'], lateral: [110, 'fiber'], serves: () => true,
  },
];

interface TreeNode {
  p: XY;
  type: NodeType;
  parent: TreeNode | null;
  /** Diameter and material of the pipe from the parent to this node. */
  pipe: [number, Material] | null;
  building: BuildingObj | null;
  name: [string, string];
  /** Path length from the root, metres. */
  dist: number;
  obj?: PipeNodeObj;
}

/** Generates the pipe and cable networks. */
export function generateNetworks(
  seed: number,
  layout: Layout,
  buildings: readonly BuildingObj[],
  installYear: number,
): { nodes: PipeNodeObj[]; segments: PipeSegmentObj[] } {
  const rng = new Rng(seed, 'networks');
  const nodes: PipeNodeObj[] = [];
  const segments: PipeSegmentObj[] = [];
  // Which road each building connects to: west road for the western lots, east for the eastern ones.
  const attach: { b: BuildingObj; road: number; at: XY }[] = [];
  for (const blk of layout.blocks) {
    for (const b of blk.buildings) {
      const west = b.service.west.x - blk.r.x0 < blk.r.x1 - b.service.east.x;
      attach.push(west ? { b, road: blk.col, at: b.service.west } : { b, road: blk.col + 1, at: b.service.east });
    }
  }

  for (const s of SPECS) {
    const off = s.offset;
    const y0 = roundTo(layout.ys[0]! + off, 3);
    const yTop = roundTo(layout.ys[layout.rows]! + off, 3);
    const xg = roundTo(layout.xs[layout.gateRoad]! + off, 3);
    const tree: TreeNode[] = [];
    const mk = (p: XY, type: NodeType, parent: TreeNode | null, pipe: [number, Material] | null, name: [string, string], building: BuildingObj | null = null): TreeNode => {
      const n: TreeNode = { p, type, parent, pipe, building, name, dist: parent ? parent.dist + Math.hypot(p.x - parent.p.x, p.y - parent.p.y) : 0 };
      tree.push(n);
      return n;
    };
    const root = mk({ x: xg, y: roundTo(layout.boundary.y0 + 3, 3) }, s.rootType, null, null, s.rootName);
    // Walks a straight run from `from` to `to`, inserting stations and taps (sorted by distance).
    const run = (from: TreeNode, to: XY, pipe: [number, Material], endType: NodeType, taps: { at: number; make: (n: TreeNode) => void }[]): TreeNode => {
      const len = Math.hypot(to.x - from.p.x, to.y - from.p.y);
      const stops: { at: number; tap?: (n: TreeNode) => void }[] = [];
      const nSt = Math.floor(len / s.spacing);
      for (let k = 1; k <= nSt; k++) if (len - k * s.spacing > 8) stops.push({ at: k * s.spacing });
      for (const t of taps) stops.push({ at: t.at, tap: t.make });
      stops.sort((a, b) => a.at - b.at);
      let prev = from;
      let lastAt = 0;
      for (const st of stops) {
        if (st.at <= lastAt + 0.5 || st.at >= len - 0.5) {
          st.tap?.(prev); // too close to a node already there: tap off it
          continue;
        }
        const t = st.at / len;
        const p = { x: roundTo(from.p.x + (to.x - from.p.x) * t, 3), y: roundTo(from.p.y + (to.y - from.p.y) * t, 3) };
        prev = mk(p, st.tap ? s.tapType : s.stationType, prev, pipe, [`${s.zh}${st.tap ? '支管节点' : s.stationType === 'manhole' ? '检查井' : '节点'}`, `${s.en} ${st.tap ? 'tap' : s.stationType}`]);
        lastAt = st.at;
        if (st.tap) st.tap(prev);
      }
      return mk(to, endType, prev, pipe, [`${s.zh}分支节点`, `${s.en} branch node`]);
    };
    const lateral = (from: TreeNode, b: BuildingObj, at: XY) => {
      mk(at, s.endType, from, s.lateral, [`${b.code}栋${s.zh}接入`, `${s.en} service, building ${b.code}`], b);
    };
    const hydrant = (from: TreeNode, side: number) => {
      const p = { x: roundTo(from.p.x + side * 3, 3), y: from.p.y };
      mk(p, 'hydrant', from, [100, 'ductile_iron'], ['室外消火栓', 'Fire hydrant']);
    };
    // Trunk node at the gate road, then east and west along the southern road.
    const gateNode = mk({ x: xg, y: y0 }, s.branchType, root, s.trunk, [`${s.zh}干管节点`, `${s.en} trunk node`]);
    const roadNode = new Map<number, TreeNode>([[layout.gateRoad, gateNode]]);
    for (const dir of [-1, 1]) {
      let prev = gateNode;
      for (let i = layout.gateRoad + dir; i >= 0 && i <= layout.cols; i += dir) {
        prev = run(prev, { x: roundTo(layout.xs[i]! + off, 3), y: y0 }, s.trunk, s.branchType, []);
        roadNode.set(i, prev);
      }
    }
    // Branches up every north-south road, with taps for the buildings on it.
    for (let i = 0; i <= layout.cols; i++) {
      const start = roadNode.get(i)!;
      const mine = attach.filter((a) => a.road === i && s.serves(a.b) && a.at.y > y0 + 1 && a.at.y < yTop - 1);
      const taps = mine.map((a) => ({ at: a.at.y - y0, make: (n: TreeNode) => lateral(n, a.b, a.at) }));
      if (s.network === 'water') {
        for (let y = 45; y < yTop - y0 - 10; y += 110) taps.push({ at: y, make: (n: TreeNode) => hydrant(n, i === 0 ? 1 : -1) });
      }
      if (s.network === 'gas' && mine.length === 0) continue;
      const topY = s.network === 'gas' ? Math.max(...mine.map((a) => a.at.y)) + 10 : yTop;
      run(start, { x: start.p.x, y: roundTo(Math.min(topY, yTop), 3) }, s.branch, s.stationType, taps);
    }
    emit(s, tree, installYear);
  }

  // District chilled water: from each energy centre along the block's lane to its neighbours.
  for (const blk of layout.blocks) {
    const plant = blk.buildings.find((b) => b.use === 'utility');
    if (!plant) continue;
    const tree: TreeNode[] = [];
    const cover = 1.5;
    const mk = (p: XY, type: NodeType, parent: TreeNode | null, pipe: [number, Material] | null, name: [string, string], building: BuildingObj | null = null): TreeNode => {
      const n: TreeNode = { p, type, parent, pipe, building, name, dist: 0 };
      tree.push(n);
      return n;
    };
    const laneY = roundTo((blk.r.y0 + blk.r.y1) / 2 - 3, 3);
    const root = mk(plant.service.lane, 'source', null, null, [`${plant.code}栋能源中心供冷出口`, `Chilled water supply, energy centre ${plant.code}`], plant);
    const main = mk({ x: plant.service.lane.x, y: laneY }, 'valve', root, [350, 'steel'], ['供冷主管阀门', 'Chilled water main valve']);
    const others = blk.buildings.filter((b) => b !== plant).sort((a, b) => a.service.lane.x - b.service.lane.x);
    for (const side of [-1, 1]) {
      let prev = main;
      const list = others.filter((b) => Math.sign(b.service.lane.x - main.p.x) === side || (b.service.lane.x === main.p.x && side === 1));
      list.sort((a, b) => side * (a.service.lane.x - b.service.lane.x));
      for (const b of list) {
        const j = mk({ x: b.service.lane.x, y: laneY }, 'junction', prev, [250, 'steel'], ['供冷分支节点', 'Chilled water branch']);
        mk(b.service.lane, 'service', j, [150, 'steel'], [`${b.code}栋供冷接入`, `Chilled water service, building ${b.code}`], b);
        prev = j;
      }
    }
    const spec: NetSpec = { ...SPECS[0]!, network: 'hvac', prefix: `H${blk.letter}`, zh: '空调冷冻水', en: 'Chilled water', cover };
    emit(spec, tree, installYear);
  }
  return { nodes, segments };

  function emit(s: NetSpec, tree: TreeNode[], year: number): void {
    // Drainage: cover grows towards the outlet so the sewer falls along the flow.
    const maxDist = Math.max(...tree.map((n) => n.dist), 1);
    const coverOf = (n: TreeNode) => (s.network === 'drainage' ? s.cover + 1.5 * (1 - n.dist / maxDist) : s.cover);
    let nodeNo = 0;
    let segNo = 0;
    for (const n of tree) {
      if (n.p.x === n.parent?.p.x && n.p.y === n.parent.p.y) throw new Error(`zero-length ${s.network} pipe`);
      nodeNo++;
      const code = `${s.prefix}-N${String(nodeNo).padStart(4, '0')}`;
      const radius = (n.pipe?.[0] ?? s.trunk[0]) / 2000;
      n.obj = {
        idx: 0,
        uuid: '',
        name: `${n.name[0]} ${code}`,
        nameEn: `${n.name[1]} ${code}`,
        network: s.network,
        nodeType: n.type,
        code,
        pos: n.p,
        z: roundTo(-(coverOf(n) + radius), 3),
        building: n.building,
        valveOpen: n.type === 'valve' ? !rng.chance(0.03) : null,
      };
      nodes.push(n.obj);
    }
    for (const n of tree) {
      if (!n.parent || !n.pipe) continue;
      segNo++;
      const [up, down] = s.network === 'drainage' ? [n, n.parent] : [n.parent, n];
      const code = `${s.prefix}-S${String(segNo).padStart(4, '0')}`;
      const [dia, material] = n.pipe;
      const dn = s.network === 'power' || s.network === 'telecom' ? `Φ${dia}` : `DN${dia}`;
      segments.push({
        idx: 0,
        uuid: '',
        name: `${s.zh}管线 ${dn} ${code}`,
        nameEn: `${s.en} line ${dn} ${code}`,
        network: s.network,
        code,
        from: up.obj!,
        to: down.obj!,
        diameter: dia,
        depth: roundTo(Math.min(coverOf(n), coverOf(n.parent)), 2),
        material,
        installYear: year,
      });
    }
  }
}
