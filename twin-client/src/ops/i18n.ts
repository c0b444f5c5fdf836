/**
 * Strings of the maintenance view (`/ops`), zh-CN by default with an English switch, added to the
 * app's i18next as the `ops` namespace (the language choice is shared with every other view).
 */
import i18next from 'i18next';

const zh = {
  xray: 'X光透视', xrayHint: '楼宇与地面半透明，显示地下管网',
  depthLegend: '埋深（管顶）', depthShallow: '浅', depthDeep: '深', closedValve: '关闭的阀门', traced: '追踪结果',
  network: { water: '给水', drainage: '污水', power: '电力', gas: '燃气', telecom: '通信', hvac: '空调冷冻水' },
  section: {
    title: '剖切框', building: '楼宇', floor: '楼层', wholeBuilding: '整栋', none: '不剖切', margin: '外扩 (m)',
    below: '向下延伸 (m)', clear: '取消剖切',
  },
  pipe: {
    segment: '管段', node: '管网节点', network: '管网', diameter: '管径 (mm)', depth: '埋深 (m)', centreDepth: '管中心深度 (m)',
    material: '材质', installYear: '敷设年份', length: '长度 (m)', from: '起点', to: '终点', nodeType: '节点类型',
    valve: '阀门状态', open: '开启', closed: '关闭', outgoing: '下游管段', incoming: '上游管段', code: '编号',
  },
  material: {
    ductile_iron: '球墨铸铁', steel: '钢管', pe: 'PE', hdpe: 'HDPE', pvc: 'PVC', concrete: '混凝土', copper: '铜',
    fiber: '光缆', xlpe_cable: '交联电缆',
  },
  nodeType: {
    source: '水源/电源', valve: '阀门', manhole: '检查井', junction: '节点', hydrant: '消火栓', meter: '计量表',
    transformer: '变压器', cabinet: '配电箱/交接箱', outlet: '排出口', service: '接户点',
  },
  trace: {
    title: '管网追踪', downstream: '向下游追踪', upstream: '向上游追踪', clear: '清除追踪', frame: '定位结果',
    result: '{{direction}}：{{segments}} 段管线，{{nodes}} 个节点', barriers: '在 {{count}} 个关闭的阀门处停止',
    none: '该方向没有管线', running: '追踪中…', from: '起点',
  },
  direction: { downstream: '下游', upstream: '上游' },
  workOrders: {
    title: '未完成工单', none: '暂无未完成工单', due: '截止', opened: '创建', assignee: '负责人', unassigned: '未分派',
    priority: { urgent: '紧急', high: '高', normal: '普通', low: '低' },
    status: { open: '待处理', assigned: '已分派', in_progress: '处理中', on_hold: '挂起' },
    type: { repair: '维修', preventive: '保养', inspection: '巡检', replacement: '更换' },
  },
  error: '加载失败：{{message}}', loading: '加载中…', close: '关闭',
};

type Strings = typeof zh;
type Shape<T> = { [K in keyof T]: T[K] extends string ? string : Shape<T[K]> };

const en: Shape<Strings> = {
  xray: 'X-ray', xrayHint: 'Buildings and ground see-through, underground networks shown',
  depthLegend: 'Cover depth (crown)', depthShallow: 'shallow', depthDeep: 'deep', closedValve: 'Closed valve', traced: 'Trace result',
  network: { water: 'Water', drainage: 'Sewer', power: 'Power', gas: 'Gas', telecom: 'Telecom', hvac: 'Chilled water' },
  section: {
    title: 'Section box', building: 'Building', floor: 'Floor', wholeBuilding: 'Whole building', none: 'No section', margin: 'Margin (m)',
    below: 'Extend below (m)', clear: 'Clear section',
  },
  pipe: {
    segment: 'Pipe segment', node: 'Network node', network: 'Network', diameter: 'Diameter (mm)', depth: 'Cover depth (m)',
    centreDepth: 'Centre depth (m)', material: 'Material', installYear: 'Installed', length: 'Length (m)', from: 'From', to: 'To',
    nodeType: 'Node type', valve: 'Valve', open: 'open', closed: 'closed', outgoing: 'Downstream segments', incoming: 'Upstream segments',
    code: 'Code',
  },
  material: {
    ductile_iron: 'Ductile iron', steel: 'Steel', pe: 'PE', hdpe: 'HDPE', pvc: 'PVC', concrete: 'Concrete', copper: 'Copper',
    fiber: 'Fibre', xlpe_cable: 'XLPE cable',
  },
  nodeType: {
    source: 'Source', valve: 'Valve', manhole: 'Manhole', junction: 'Junction', hydrant: 'Hydrant', meter: 'Meter',
    transformer: 'Transformer', cabinet: 'Cabinet', outlet: 'Outlet', service: 'Service connection',
  },
  trace: {
    title: 'Network trace', downstream: 'Trace downstream', upstream: 'Trace upstream', clear: 'Clear trace', frame: 'Show result',
    result: '{{direction}}: {{segments}} segments, {{nodes}} nodes', barriers: 'Stopped at {{count}} closed valves',
    none: 'No pipes in this direction', running: 'Tracing…', from: 'From',
  },
  direction: { downstream: 'Downstream', upstream: 'Upstream' },
  workOrders: {
    title: 'Open work orders', none: 'No open work orders', due: 'Due', opened: 'Opened', assignee: 'Assignee', unassigned: 'unassigned',
    priority: { urgent: 'Urgent', high: 'High', normal: 'Normal', low: 'Low' },
    status: { open: 'Open', assigned: 'Assigned', in_progress: 'In progress', on_hold: 'On hold' },
    type: { repair: 'Repair', preventive: 'Preventive', inspection: 'Inspection', replacement: 'Replacement' },
  },
  error: 'Failed to load: {{message}}', loading: 'Loading…', close: 'Close',
};

/** Adds the `ops` namespace to the app's i18next (idempotent). */
export function registerOpsI18n(): void {
  for (const [lng, res] of [['zh-CN', zh], ['en', en]] as const) {
    if (!i18next.hasResourceBundle(lng, 'ops')) i18next.addResourceBundle(lng, 'ops', res, true, false);
  }
}
