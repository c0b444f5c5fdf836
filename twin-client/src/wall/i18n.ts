/**
 * Strings of the command wall (`wall` namespace), zh-CN by default with the English switch shared
 * with the rest of the app (added to the app's i18next like the map's namespace).
 */
import type { i18n } from 'i18next';
import { initI18n } from '../i18n/index.ts';

export const wallResources = {
  'zh-CN': {
    wall: {
      title: '园区指挥大屏',
      loading: '正在加载园区…',
      loginNeeded: '请先登录或配对大屏设备。',
      noPark: '没有园区数据。',
      retrying: '服务暂不可用，{{s}} 秒后自动重试…',
      stale: '数据更新中断，正在重连…',
      updated: '更新于 {{time}}',
      kpi: {
        occupancy: '园区出租率', occupancyDetail: '已租 {{leased}} / 可租 {{units}} 套',
        people: '在园人数', peopleDetail: '容量 {{capacity}} 人 · {{rooms}} 个房间上报',
        energy: '今日用电', energyYesterday: '昨日同时段', energyDelta: '较昨日', energyPower: '当前负荷',
        energyToday: '今日', energyYesterdaySeries: '昨日',
        equipment: '设备完好率', equipmentDetail: '正常 {{available}} / 共 {{total}} 台',
        alarms: '未处理告警', severity: { 1: '一般', 2: '重要', 3: '紧急' },
        enterprises: '入驻企业', employees: '从业人员', leading: '龙头企业', highTech: '高新企业',
        economy: '产值与税收（年累计）', output: '产值', tax: '税收', yoy: '同比', period: '统计期 {{from}}至{{to}}（已结束月份）',
      },
      unit: { pct: '%', people: '人', kwh: 'kWh', kw: 'kW', yi: '亿元', wan: '万元', units: '家', sets: '台' },
      ticker: { title: '告警', none: '当前无告警', raised: '告警', cleared: '已恢复' },
      tour: { on: '巡游中', off: '巡游已停', stop: '{{name}}', overview: '园区全景', save: '保存为巡游点', saved: '已保存巡游点', saveFailed: '保存失败：{{message}}', namePrompt: '巡游点名称' },
      focus: '告警定位：{{name}}',
    },
  },
  en: {
    wall: {
      title: 'Park command wall',
      loading: 'Loading the park…',
      loginNeeded: 'Please sign in or pair this wall.',
      noPark: 'No park data.',
      retrying: 'Server unavailable, retrying in {{s}} s…',
      stale: 'Updates interrupted, reconnecting…',
      updated: 'Updated {{time}}',
      kpi: {
        occupancy: 'Park occupancy', occupancyDetail: '{{leased}} of {{units}} units leased',
        people: 'People on site', peopleDetail: 'capacity {{capacity}} · {{rooms}} rooms reporting',
        energy: 'Energy today', energyYesterday: 'Yesterday, same time', energyDelta: 'vs yesterday', energyPower: 'Load now',
        energyToday: 'Today', energyYesterdaySeries: 'Yesterday',
        equipment: 'Equipment availability', equipmentDetail: '{{available}} of {{total}} devices available',
        alarms: 'Open alarms', severity: { 1: 'Minor', 2: 'Major', 3: 'Critical' },
        enterprises: 'Enterprises', employees: 'Employees', leading: 'Leading', highTech: 'High-tech',
        economy: 'Output and tax, year to date', output: 'Output', tax: 'Tax', yoy: 'YoY', period: 'Period {{from}} to {{to}} (closed months)',
      },
      unit: { pct: '%', people: '', kwh: 'kWh', kw: 'kW', yi: '100M CNY', wan: '10k CNY', units: '', sets: '' },
      ticker: { title: 'Alarms', none: 'No open alarms', raised: 'Alarm', cleared: 'Cleared' },
      tour: { on: 'Touring', off: 'Tour stopped', stop: '{{name}}', overview: 'Park overview', save: 'Save as tour stop', saved: 'Tour stop saved', saveFailed: 'Could not save: {{message}}', namePrompt: 'Tour stop name' },
      focus: 'Alarm at {{name}}',
    },
  },
} as const;

/** Returns the app's i18next with the `wall` namespace loaded (idempotent). */
export function wallI18n(): i18n {
  const inst = initI18n();
  for (const lng of ['zh-CN', 'en'] as const) {
    if (!inst.hasResourceBundle(lng, 'wall')) inst.addResourceBundle(lng, 'wall', wallResources[lng].wall, true, true);
  }
  return inst;
}
