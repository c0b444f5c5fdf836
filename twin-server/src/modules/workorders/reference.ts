/**
 * The module's reference data, shipped so that work orders work on the first start: trades,
 * dispatch rules (equipment type → trade), the O&M knowledge base (fault → procedure steps, per
 * equipment type with model-specific entries) and the sample crews with their roster.
 */
import { TRADES, type Trade } from './definition.ts';

/** Equipment type → trade and the lowest alarm severity that creates an order on its own. */
export const DISPATCH_RULES: readonly { type: string; trade: Trade; minSeverity: number }[] = [
  { type: 'ahu', trade: 'hvac', minSeverity: 2 }, { type: 'chiller', trade: 'hvac', minSeverity: 2 }, { type: 'boiler', trade: 'hvac', minSeverity: 2 },
  { type: 'cooling_tower', trade: 'hvac', minSeverity: 2 }, { type: 'fan_coil', trade: 'hvac', minSeverity: 2 },
  { type: 'pump', trade: 'plumbing', minSeverity: 2 }, { type: 'water_meter', trade: 'plumbing', minSeverity: 2 },
  { type: 'elevator', trade: 'elevator', minSeverity: 1 },
  { type: 'transformer', trade: 'electrical', minSeverity: 2 }, { type: 'switchgear', trade: 'electrical', minSeverity: 2 },
  { type: 'generator', trade: 'electrical', minSeverity: 2 }, { type: 'power_meter', trade: 'electrical', minSeverity: 2 },
  { type: 'light', trade: 'electrical', minSeverity: 2 }, { type: 'ev_charger', trade: 'electrical', minSeverity: 2 },
  { type: 'fire_detector', trade: 'fire', minSeverity: 1 }, { type: 'sprinkler_valve', trade: 'fire', minSeverity: 1 },
  { type: 'env_sensor', trade: 'weak_current', minSeverity: 2 }, { type: 'occupancy_sensor', trade: 'weak_current', minSeverity: 2 },
  { type: 'camera', trade: 'weak_current', minSeverity: 2 }, { type: 'access_reader', trade: 'weak_current', minSeverity: 2 },
  { type: 'barrier_gate', trade: 'weak_current', minSeverity: 2 },
];

type Step = { zh: string; en: string };
const S = (zh: string, en: string): Step => ({ zh, en });

/** Generic procedures per fault, used for every type that has no more specific entry. */
const GENERIC: Record<string, { title: Step; steps: Step[] }> = {
  equipment_fault: {
    title: S('设备故障排查', 'Equipment fault troubleshooting'),
    steps: [S('到场确认设备状态并拍照', 'On site: check the state and take a photo'), S('挂牌上锁，切断电源', 'Lock out and tag out, isolate the power'),
      S('读取控制器故障代码', 'Read the controller fault code'), S('按故障代码更换或修复部件', 'Replace or repair the part the code names'),
      S('恢复供电并试运行 15 分钟', 'Restore power and test run for 15 minutes'), S('确认告警消除后拍照完工', 'Confirm the alarm is gone, photo, done')],
  },
  over_temperature: {
    title: S('温度过高处理', 'Over-temperature'),
    steps: [S('现场测温，核对传感器读数', 'Measure on site, compare with the sensor'), S('检查风机/水泵运行及过滤网', 'Check fans/pumps and filters'),
      S('检查冷却水/冷冻水供回水温度', 'Check supply and return water temperatures'), S('清洗或更换堵塞的过滤网', 'Clean or replace clogged filters'),
      S('观察 10 分钟温度回落', 'Watch the temperature fall for 10 minutes')],
  },
  preventive: {
    title: S('定期保养', 'Preventive maintenance'),
    steps: [S('外观检查与清洁', 'Visual check and cleaning'), S('紧固接线与连接件', 'Tighten terminals and fittings'),
      S('检查运行参数并记录', 'Check and record the operating values'), S('更换到期耗材', 'Replace consumables that are due'), S('填写保养记录并拍照', 'Fill in the record, photo')],
  },
};

/** Model-specific procedures (the knowledge base grows per model; these ship as examples). */
const BY_MODEL: { type: string; model: string; fault: string; title: Step; steps: Step[] }[] = [
  { type: 'chiller', model: '19XR-5050', fault: 'equipment_fault', title: S('开利 19XR 离心机组故障', 'Carrier 19XR centrifugal chiller fault'),
    steps: [S('在 ICVC 面板读取报警代码', 'Read the alarm code on the ICVC panel'), S('检查油压差与油温', 'Check oil pressure differential and oil temperature'),
      S('检查冷凝器趋近温度', 'Check the condenser approach temperature'), S('复位后在本地模式试启动', 'Reset and test start in local mode'), S('记录运行参数并拍照', 'Record the values and take a photo')] },
  { type: 'elevator', model: 'Gen2 Premier', fault: 'equipment_fault', title: S('奥的斯 Gen2 电梯故障', 'Otis Gen2 elevator fault'),
    steps: [S('确认轿厢内无人被困', 'Make sure nobody is trapped'), S('切换检修模式', 'Switch to inspection mode'), S('用服务器读取故障记录', 'Read the fault log with the service tool'),
      S('检查门机与门锁回路', 'Check the door operator and lock circuit'), S('恢复正常模式并试运行全程', 'Back to normal mode, run the full shaft')] },
  { type: 'ahu', model: '39G-1522', fault: 'over_temperature', title: S('开利 39G 空调箱送风温度高', 'Carrier 39G AHU supply air too warm'),
    steps: [S('检查冷水阀开度与执行器', 'Check the chilled-water valve and actuator'), S('检查表冷器与过滤网压差', 'Check coil and filter pressure drop'),
      S('核对送风温度设定值', 'Check the supply-air setpoint'), S('观察 10 分钟送风温度', 'Watch the supply air for 10 minutes')] },
];

/** Every knowledge-base row to seed: (type, model or null, fault, title, steps). */
export function knowledgeBase(types: readonly string[]): { type: string; model: string | null; fault: string; title: Step; steps: Step[] }[] {
  const out: { type: string; model: string | null; fault: string; title: Step; steps: Step[] }[] = [];
  for (const type of types) for (const [fault, p] of Object.entries(GENERIC)) out.push({ type, model: null, fault, ...p });
  for (const m of BY_MODEL) out.push(m);
  return out;
}

/** Sample crews: per trade a day crew and a night crew, HVAC and electrical with two day crews at different bases. */
export function sampleCrews(): { code: string; name: Step; trade: Trade; shift: 'day' | 'night'; base: number }[] {
  const out: { code: string; name: Step; trade: Trade; shift: 'day' | 'night'; base: number }[] = [];
  let base = 0;
  for (const [trade, label] of Object.entries(TRADES) as [Trade, Step][]) {
    const days = trade === 'hvac' || trade === 'electrical' ? 2 : 1;
    for (let i = 1; i <= days; i++) out.push({ code: `${trade}-d${i}`, name: S(`${label.zh}白班${i === 1 ? '一' : '二'}组`, `${label.en} day crew ${i}`), trade, shift: 'day', base: base++ });
    out.push({ code: `${trade}-n1`, name: S(`${label.zh}夜班`, `${label.en} night crew`), trade, shift: 'night', base: base++ });
  }
  return out;
}
