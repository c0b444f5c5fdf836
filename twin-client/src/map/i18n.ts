/**
 * Strings of the development map and the globe, zh-CN by default with an English switch. They are
 * added to the app's i18next (twin-client/src/i18n) as the `map` namespace, so the language switch
 * and its remembered choice are shared with every other view.
 */
import type { i18n } from 'i18next';
import { initI18n, setLanguage, type Language } from '../i18n/index.ts';

export { setLanguage, type Language };

export const mapResources = {
  'zh-CN': {
    map: {
      title: '园区发展地图',
      globeTitle: '园区地球视图',
      loading: '正在加载…',
      loginRequired: '请先登录后查看地图数据。',
      loadFailed: '地图数据加载失败：{{message}}',
      noPark: '没有园区数据。',
      language: 'English',
      layers: '图层',
      layer: { blocks: '地块规划', buildings: '产业布局', enterprises: '龙头企业产值', heat: '入驻热力' },
      plannedUseLegend: '规划用途',
      industryLegend: '主导产业',
      columnLegend: '柱高：近12个月产值（万元）',
      heatLegend: '热力：已租面积（m²）',
      noTenant: '无租户',
      plannedUse: { research: '科研', industrial: '工业', commercial: '商业', residential: '居住', green: '绿地', public: '公共设施', reserve: '预留' },
      industry: { ai: '人工智能', ic_design: '集成电路设计', software: '软件', biomed: '生物医药', new_energy: '新能源',
        smart_manufacturing: '智能制造', digital_media: '数字媒体', fintech: '金融科技', e_commerce: '电子商务', services: '科技服务' },
      stats: { buildings: '楼宇', occupancy: '平均出租率', leading: '龙头企业', output: '龙头企业近12月产值' },
      tip: {
        block: '地块 {{code}}', plannedUse: '规划用途', plotRatio: '容积率', area: '面积',
        building: '楼宇', industry: '主导产业', occupancy: '出租率', tenants: '入驻企业', height: '高度', floors: '层数',
        enterprise: '企业', output: '近12月产值', staff: '员工', months: '月份数', leased: '已租面积', leasable: '可租面积',
        open: '点击在孪生中打开',
      },
      unit: { m2: 'm²', m: '米', wan: '万元', people: '人' },
      globe: {
        tileset: '园区三维模型', tilesetMissing: '三维模型尚未生成，仅显示园区边界。', boundary: '园区边界',
        reset: '回到园区',
      },
    },
  },
  en: {
    map: {
      title: 'Park development map',
      globeTitle: 'Park on the globe',
      loading: 'Loading…',
      loginRequired: 'Please sign in to see the map data.',
      loadFailed: 'Could not load the map data: {{message}}',
      noPark: 'No park data.',
      language: '中文',
      layers: 'Layers',
      layer: { blocks: 'Block planning', buildings: 'Industry layout', enterprises: 'Leading enterprises', heat: 'Occupancy heat' },
      plannedUseLegend: 'Planned use',
      industryLegend: 'Dominant industry',
      columnLegend: 'Column height: output, last 12 months (10k CNY)',
      heatLegend: 'Heat: leased area (m²)',
      noTenant: 'No tenant',
      plannedUse: { research: 'Research', industrial: 'Industrial', commercial: 'Commercial', residential: 'Residential',
        green: 'Green space', public: 'Public facilities', reserve: 'Reserve' },
      industry: { ai: 'AI', ic_design: 'IC design', software: 'Software', biomed: 'Biomedicine', new_energy: 'New energy',
        smart_manufacturing: 'Smart manufacturing', digital_media: 'Digital media', fintech: 'Fintech',
        e_commerce: 'E-commerce', services: 'Tech services' },
      stats: { buildings: 'Buildings', occupancy: 'Mean occupancy', leading: 'Leading enterprises', output: 'Their output, 12 months' },
      tip: {
        block: 'Block {{code}}', plannedUse: 'Planned use', plotRatio: 'Plot ratio', area: 'Area',
        building: 'Building', industry: 'Dominant industry', occupancy: 'Occupancy', tenants: 'Tenants', height: 'Height',
        floors: 'Floors', enterprise: 'Enterprise', output: 'Output, 12 months', staff: 'Staff', months: 'Months reported',
        leased: 'Leased area', leasable: 'Leasable area', open: 'Click to open in the twin',
      },
      unit: { m2: 'm²', m: 'm', wan: '10k CNY', people: '' },
      globe: {
        tileset: 'Park 3D model', tilesetMissing: 'The 3D tiles are not built yet; showing the park outline only.',
        boundary: 'Park boundary', reset: 'Back to the park',
      },
    },
  },
} as const;

/** Returns the app's i18next with the `map` namespace loaded (idempotent). */
export function mapI18n(): i18n {
  const inst = initI18n();
  for (const lng of ['zh-CN', 'en'] as const) {
    if (!inst.hasResourceBundle(lng, 'map')) inst.addResourceBundle(lng, 'map', mapResources[lng].map, true, true);
  }
  return inst;
}
