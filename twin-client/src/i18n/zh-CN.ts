/** zh-CN strings (the default language). Keys are shared with en.ts; the type check keeps them in step. */
export const zhCN = {
  app: { title: '园区数字孪生', language: '语言', switchTo: 'English', noView: '没有可打开的视图：请联系管理员分配角色。', viewClosed: '此视图未对当前账号开放，或该功能模块未启用。' },
  live: {
    connecting: '正在连接', live: '实时', reconnecting: '重连中', offline: '离线', refused: '未授权',
    title: '实时数据连接',
  },
  // Live layers are labelled by their own definitions (layers/src/<layer>/: title, unit, legend).
  layer: { title: '图层', none: '无', lease: '租赁状态', booking: '会议室' },
  meeting: { free: '当前空闲', booked: '当前已预订' },
  lease: { vacant: '空置', reserved: '预定', leased: '已租', expiring: '即将到期', not_leasable: '不可租' },
  kind: {
    park: '园区', building: '楼宇', floor: '楼层', room: '房间', equipment: '设备', pipe_node: '管网节点',
    pipe_segment: '管段', zone: '区域', enterprise: '企业',
  },
  drill: { back: '返回', floors: '楼层', level: '{{level}} 层', basement: 'B{{level}}', hint: 'Esc 返回上一级' },
  panel: {
    close: '关闭', live: '实时值', history: '近 24 小时', noHistory: '暂无历史数据', attributes: '属性',
    loading: '加载中…', error: '加载失败', noLive: '暂无实时数据',
  },
  attr: {
    code: '编号', use: '用途', area: '面积 (m²)', capacity: '容纳人数', lease_status: '租赁状态', rent: '租金 (元/m²·月)',
    enterprise_name: '租户', floor_level: '楼层', level: '楼层', elevation: '标高 (m)', height: '高度 (m)',
    floors_above: '地上层数', floors_below: '地下层数', year: '建成年份', rooms: '房间数', type: '类型', model: '型号',
    manufacturer: '厂商', status: '状态', install_date: '安装日期', last_maintained: '上次维保', rated_power_kw: '额定功率 (kW)',
    network: '管网', diameter_mm: '管径 (mm)', depth: '埋深 (m)', material: '材质', lease_start: '起租', lease_end: '到期',
    credit_code: '统一社会信用代码', industry: '行业', registered_capital: '注册资本（万元）', staff: '从业人员', founded: '成立日期',
    is_leading: '龙头企业', high_tech: '高新技术企业',
  },
  status: { 0: '正常', 1: '预警', 2: '告警', 3: '离线' },
  scene: { loading: '正在加载园区…', noPark: '尚无园区数据', loginNeeded: '请先登录' },
} as const;
