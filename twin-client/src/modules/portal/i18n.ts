/** Strings of the public portal and the content desk (namespace `portal`), zh-CN first. */
export const zh = {
  loginLink: '园区门户（无需登录）',
  title: '园区门户', home: '首页', news: '园区新闻', policy: '政策公开', invest: '招商信息', party: '党建园地',
  search: '搜索', searchPlaceholder: '搜索新闻、政策…', searchResults: '“{{q}}”的搜索结果', noResults: '没有找到相关内容',
  login: '员工登录', switchTo: 'English', loading: '加载中…', failed: '加载失败：{{message}}', notFound: '没有找到这篇文章',
  overview: '园区概览', sitePlan: '园区总平面图', latest: '最新发布', more: '更多', back: '返回',
  figBuildings: '楼宇', figArea: '建筑面积', figEnterprises: '入驻企业', figVacant: '可租单元', unitM2: '{{n}} 平方米', unitCount: '{{n}} 个', unitBuildings: '{{n}} 栋', unitEnterprises: '{{n}} 家',
  vacantUnits: '可租房源', vacantHint: '以下为当前可租单元，来自园区招商数据，实时更新。', noVacant: '当前没有可租单元',
  colBuilding: '楼宇', colUnit: '单元', colFloor: '楼层', colArea: '面积（㎡）', colUse: '用途', colRent: '参考租金（元/㎡·月）',
  floorN: '{{n}} 层', publishedAt: '发布于 {{date}}', noArticles: '暂无内容', desk: '门户内容',
  use: { office: '办公', lab: '实验室', retail: '商业', showroom: '展厅', workshop: '厂房', data_center: '数据中心', meeting: '会议', canteen: '餐饮', storage: '仓储' },
  buildingUse: { office: '办公', research: '研发', industrial: '产业', incubator: '孵化器', data_center: '数据中心', residential: '公寓', commercial: '商业', amenity: '配套', parking: '停车', utility: '设备', mixed: '综合' },
  legendVacant: '含可租单元',
};
export const en: typeof zh = {
  loginLink: 'Park portal (no login)',
  title: 'Park portal', home: 'Home', news: 'News', policy: 'Policies', invest: 'Investment', party: 'Party building',
  search: 'Search', searchPlaceholder: 'Search news, policies…', searchResults: 'Results for “{{q}}”', noResults: 'Nothing found',
  login: 'Staff sign-in', switchTo: '中文', loading: 'Loading…', failed: 'Could not load: {{message}}', notFound: 'No such article',
  overview: 'The park', sitePlan: 'Site plan', latest: 'Latest', more: 'More', back: 'Back',
  figBuildings: 'Buildings', figArea: 'Floor area', figEnterprises: 'Companies', figVacant: 'Units to let', unitM2: '{{n}} m²', unitCount: '{{n}}', unitBuildings: '{{n}}', unitEnterprises: '{{n}}',
  vacantUnits: 'Units to let', vacantHint: 'Units available now, from the park\'s leasing data.', noVacant: 'No unit is available right now',
  colBuilding: 'Building', colUnit: 'Unit', colFloor: 'Floor', colArea: 'Area (m²)', colUse: 'Use', colRent: 'Asking rent (CNY/m²·month)',
  floorN: 'Floor {{n}}', publishedAt: 'Published {{date}}', noArticles: 'Nothing here yet', desk: 'Portal content',
  use: { office: 'Office', lab: 'Laboratory', retail: 'Retail', showroom: 'Showroom', workshop: 'Workshop', data_center: 'Data centre', meeting: 'Meeting', canteen: 'Catering', storage: 'Storage' },
  buildingUse: { office: 'Office', research: 'Research', industrial: 'Industrial', incubator: 'Incubator', data_center: 'Data centre', residential: 'Residential', commercial: 'Commercial', amenity: 'Amenity', parking: 'Parking', utility: 'Utility', mixed: 'Mixed' },
  legendVacant: 'Has units to let',
};
