/**
 * UI strings of the investment view, as the `invest` namespace of the app's i18next (zh-CN
 * default, English switch). Industry names come from the map's namespace (`map:industry.*`).
 */
import { i18next } from '../i18n/index.ts';
import { mapI18n } from '../map/i18n.ts';

const zh = {
  title: '招商选址',
  loading: '正在加载可招商单元…',
  failed: '加载失败：{{message}}',
  filters: {
    title: '筛选', area: '面积 (m²)', rent: '租金 (元/m²·月)', level: '楼层', min: '最小', max: '最大',
    building: '楼宇', industry: '适合产业', any: '不限', within: '即将空置：租约在 {{months}} 个月内到期',
    sort: '排序', reset: '清除筛选',
    sorts: { code: '楼宇 / 楼层', area: '面积从小到大', '-area': '面积从大到小', rent: '租金从低到高', '-rent': '租金从高到低',
      level: '楼层从低到高', '-level': '楼层从高到低', available: '最早可入驻' },
  },
  summary: '{{count}} 个单元 · 基准日 {{asOf}} · 截至 {{cutoff}} 到期计为即将空置',
  truncated: '仅显示前 {{shown}} 个，请缩小筛选范围',
  empty: '没有符合条件的单元',
  availability: { vacant: '空置', soon: '即将空置', leased: '已租', reserved: '已预留' },
  legend: { vacant: '空置单元', soon: '即将空置', held: '方案预留', building: '含可租单元的楼宇', other: '其他（已淡化）' },
  held: { title: '方案预留中（{{count}}）', note: '已被商机方案预留，暂不对外推荐' },
  list: { unit: '单元', area: '面积', rent: '租金', from: '可入驻' },
  level: '{{level}} 层', basement: '地下 {{level}} 层',
  panel: {
    openInTwin: '在孪生中查看',
    area: '面积', rent: '租金', monthly: '月租金合计', floor: '楼层', building: '楼宇', use: '用途', status: '状态',
    leaseEnd: '现租约到期', availableFrom: '可入驻日期', suitable: '适合产业', plan: '楼层平面', photos: '实景照片',
    noPhotos: '暂无实景照片（待上传）', neighbours: '同层企业', adjacent: '相邻', noNeighbours: '本层暂无其他租户',
    units: '{{count}} 个单元', close: '关闭', compare: '加入对比', uncompare: '移出对比', hidden: '名称需企业信息权限',
  },
  uses: { office: '办公', lab: '实验室', workshop: '厂房', retail: '商铺', showroom: '展厅' },
  compare: {
    title: '单元对比', full: '最多对比 {{max}} 个单元，请先移出一个', clear: '清空', remove: '移出',
    neighbourIndustries: '相邻企业产业',
  },
  share: { button: '生成分享链接', copied: '链接已复制，可发送给客户', manual: '请手动复制下方链接', label: '分享链接' },
  unit: { m2: 'm²', rent: '元/m²·月', yuan: '元/月' },
};

const en: typeof zh = {
  title: 'Find a unit',
  loading: 'Loading available units…',
  failed: 'Could not load: {{message}}',
  filters: {
    title: 'Filters', area: 'Area (m²)', rent: 'Rent (CNY/m²·month)', level: 'Floor', min: 'Min', max: 'Max',
    building: 'Building', industry: 'Suitable industry', any: 'Any', within: 'Soon vacant: lease ends within {{months}} months',
    sort: 'Sort', reset: 'Clear filters',
    sorts: { code: 'Building / floor', area: 'Area, smallest first', '-area': 'Area, largest first', rent: 'Rent, lowest first',
      '-rent': 'Rent, highest first', level: 'Floor, lowest first', '-level': 'Floor, highest first', available: 'Available soonest' },
  },
  summary: '{{count}} units · as of {{asOf}} · leases ending by {{cutoff}} count as soon vacant',
  truncated: 'Showing the first {{shown}}; narrow the filters',
  empty: 'No unit matches the filters',
  availability: { vacant: 'Vacant', soon: 'Soon vacant', leased: 'Leased', reserved: 'Reserved' },
  legend: { vacant: 'Vacant unit', soon: 'Soon vacant', held: 'Held by a proposal', building: 'Building with units', other: 'Others (dimmed)' },
  held: { title: 'Held by proposals ({{count}})', note: 'Held for an opportunity\'s proposal: not offered for now' },
  list: { unit: 'Unit', area: 'Area', rent: 'Rent', from: 'Available' },
  level: 'Floor {{level}}', basement: 'B{{level}}',
  panel: {
    openInTwin: 'Open in the twin',
    area: 'Area', rent: 'Rent', monthly: 'Monthly rent', floor: 'Floor', building: 'Building', use: 'Use', status: 'Status',
    leaseEnd: 'Current lease ends', availableFrom: 'Available from', suitable: 'Suitable industries', plan: 'Floor plan',
    photos: 'Photos', noPhotos: 'No photos yet (to be uploaded)', neighbours: 'Tenants on this floor', adjacent: 'next door',
    noNeighbours: 'No other tenant on this floor', units: '{{count}} units', close: 'Close', compare: 'Compare',
    uncompare: 'Remove from comparison', hidden: 'names need enterprise access',
  },
  uses: { office: 'Office', lab: 'Lab', workshop: 'Workshop', retail: 'Shop', showroom: 'Showroom' },
  compare: {
    title: 'Comparison', full: 'At most {{max}} units can be compared; remove one first', clear: 'Clear', remove: 'Remove',
    neighbourIndustries: 'Neighbours\' industries',
  },
  share: { button: 'Share link', copied: 'Link copied: send it to the prospect', manual: 'Copy the link below', label: 'Share link' },
  unit: { m2: 'm²', rent: 'CNY/m²·month', yuan: 'CNY/month' },
};

/** Adds the `invest` namespace (and the map's, for industry names) to the app's i18next once. */
export function registerInvestI18n(): void {
  mapI18n();
  for (const [lng, res] of [['zh-CN', zh], ['en', en]] as const) {
    if (!i18next.hasResourceBundle(lng, 'invest')) i18next.addResourceBundle(lng, 'invest', res, true, false);
  }
}
