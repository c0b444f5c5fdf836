/**
 * The customers module's texts (zh-CN and English): field labels, tags, advice, size classes.
 * Advice is built from the server's codes and figures, so both languages read naturally.
 */
import { viewHref } from '../../app/links.tsx';

export const TEXT = {
  'zh-CN': {
    title: '客户管理', search: '搜索企业、联系人、访客、信用代码或行业…', all: '全部', enterprises: '企业', people: '人员', visitors: '访客',
    noResult: '没有匹配的记录', loading: '加载中…', count: '{{n}} 条',
    col: {
      name: '名称', industry: '行业', staff: '从业人员', units: '租用单元', area: '租用面积 (m²)', kind: '类别', title: '职务', phone: '电话',
      enterprise: '所属企业', company: '来访单位', purpose: '事由', date: '来访日期', host: '接待企业',
    },
    personKind: { contact: '联系人', account: '员工账号' },
    profile: '客户画像', basics: '基本信息', business: '经营情况（近 12 个已结束月份）', unitsTitle: '租用单元', services: '服务使用（近 12 个月）',
    alarmsTitle: '单元告警（近 90 天）', payment: '缴费表现（近 12 个月）', contacts: '联系人', accounts: '员工账号', adviceTitle: '管理建议', tagsTitle: '标签',
    openTwin: '在孪生中查看', close: '关闭', none: '无', notPresent: '未启用',
    f: {
      creditCode: '统一社会信用代码', industry: '行业', size: '企业规模', staff: '从业人员', registeredCapital: '注册资本（万元）', founded: '成立日期',
      isLeading: '龙头企业', highTech: '高新技术企业', leasedArea: '租用面积 (m²)',
      output12: '产值（万元）', growth: '产值同比增长', revenue12: '营收（万元）', tax12: '税收（万元）', rdIntensity: '研发投入强度',
      energyIntensity: '能耗强度 (kWh/万元产值)', parkMedian: '园区中位数', months: '月度产值（万元）',
      repairs: '报修', openRepairs: '未完结报修', bookings: '会议室预订', mealCards: '在用餐卡', mealSpend: '近 30 天餐费（元）',
      last90d: '告警次数', open: '未清除', onTimeRate: '按时缴费率', avgDaysLate: '平均逾期天数', overdue: '欠费', visitors90d: '近 90 天访客',
      leaseEnd: '到期', level: '楼层', rent: '租金 (元/m²·月)',
    },
    yes: '是', no: '否',
    sizeClass: { micro: '微型', small: '小型', medium: '中型', large: '大型' },
    tag: {
      leading: '龙头企业', high_tech: '高新技术', fast_growth: '高成长', declining: '产值下滑', energy_intensive: '高能耗', rd_intensive: '研发密集',
      prompt_payer: '缴费及时', arrears: '存在欠费', lease_expiring: '租约将到期', frequent_alarms: '告警频发', active_services: '服务活跃', crowded: '空间紧张',
    },
    advice: {
      collect_arrears: '催缴欠费 {{amount}} 元，了解付款困难', renew_lease: '启动续租洽谈（{{units}} 个单元 180 天内到期）',
      offer_expansion: '推荐扩租：园区有空置单元可满足增长', visit_decline: '走访了解产值下滑原因，评估扶持政策', energy_audit: '安排节能诊断，能耗强度高于园区中位数 1.5 倍',
      inspect_units: '检查其单元设备，安排巡检（告警频发）', policy_support: '推荐申报科技项目与人才政策', retain_key: '重点企业：由园区领导走访，稳住客户',
    },
    addContact: '添加联系人', contactName: '姓名', contactTitle: '职务', contactPhone: '电话', primary: '主要联系人', save: '保存', remove: '删除',
    addVisitor: '登记访客', visitorName: '访客姓名', visitDate: '来访日期', hostIdx: '接待企业编号', saved: '已保存',
  },
  en: {
    title: 'Customers', search: 'Search enterprises, contacts, visitors, credit code or industry…', all: 'All', enterprises: 'Enterprises', people: 'People', visitors: 'Visitors',
    noResult: 'Nothing matches', loading: 'Loading…', count: '{{n}} rows',
    col: {
      name: 'Name', industry: 'Industry', staff: 'Staff', units: 'Units', area: 'Leased area (m²)', kind: 'Kind', title: 'Title', phone: 'Phone',
      enterprise: 'Enterprise', company: 'Company', purpose: 'Purpose', date: 'Visit date', host: 'Host',
    },
    personKind: { contact: 'Contact', account: 'Staff account' },
    profile: 'Customer profile', basics: 'Register', business: 'Business (last 12 closed months)', unitsTitle: 'Leased units', services: 'Services used (last 12 months)',
    alarmsTitle: 'Alarms in its units (90 days)', payment: 'Payment behaviour (12 months)', contacts: 'Contact persons', accounts: 'Staff accounts', adviceTitle: 'Advice for managers', tagsTitle: 'Tags',
    openTwin: 'Show in the twin', close: 'Close', none: 'None', notPresent: 'not enabled',
    f: {
      creditCode: 'Unified social credit code', industry: 'Industry', size: 'Size', staff: 'Staff', registeredCapital: 'Registered capital (10k CNY)', founded: 'Founded',
      isLeading: 'Leading enterprise', highTech: 'High-tech enterprise', leasedArea: 'Leased area (m²)',
      output12: 'Output (10k CNY)', growth: 'Output growth (YoY)', revenue12: 'Revenue (10k CNY)', tax12: 'Tax (10k CNY)', rdIntensity: 'R&D intensity',
      energyIntensity: 'Energy intensity (kWh per 10k CNY)', parkMedian: 'park median', months: 'Monthly output (10k CNY)',
      repairs: 'Repairs', openRepairs: 'Open repairs', bookings: 'Meeting bookings', mealCards: 'Active meal cards', mealSpend: 'Meals, last 30 days (CNY)',
      last90d: 'Alarms', open: 'Not cleared', onTimeRate: 'Paid on time', avgDaysLate: 'Average days late', overdue: 'Overdue', visitors90d: 'Visitors, 90 days',
      leaseEnd: 'Ends', level: 'Floor', rent: 'Rent (CNY/m²·month)',
    },
    yes: 'Yes', no: 'No',
    sizeClass: { micro: 'Micro', small: 'Small', medium: 'Medium', large: 'Large' },
    tag: {
      leading: 'Leading', high_tech: 'High-tech', fast_growth: 'Fast growing', declining: 'Output falling', energy_intensive: 'Energy-intensive', rd_intensive: 'R&D-intensive',
      prompt_payer: 'Pays on time', arrears: 'In arrears', lease_expiring: 'Lease ending', frequent_alarms: 'Frequent alarms', active_services: 'Active service user', crowded: 'Short of space',
    },
    advice: {
      collect_arrears: 'Collect the overdue {{amount}} CNY and ask about payment difficulties', renew_lease: 'Open renewal talks ({{units}} unit(s) ending within 180 days)',
      offer_expansion: 'Offer more space: vacant units can take its growth', visit_decline: 'Visit to learn why output falls; consider support policies',
      energy_audit: 'Arrange an energy audit (intensity above 1.5x the park median)', inspect_units: 'Inspect the equipment of its units (frequent alarms)',
      policy_support: 'Suggest technology projects and talent policies to apply for', retain_key: 'Key account: a visit by park leadership to keep it',
    },
    addContact: 'Add a contact', contactName: 'Name', contactTitle: 'Title', contactPhone: 'Phone', primary: 'Primary contact', save: 'Save', remove: 'Remove',
    addVisitor: 'Register a visitor', visitorName: 'Visitor', visitDate: 'Visit date', hostIdx: 'Host enterprise no.', saved: 'Saved',
  },
};

/** The profile page of an enterprise (`/customers?e=<idx>`): where an enterprise name links to. */
export const profileHref = (idx: number): string => viewHref('/customers', { e: idx });
