/** Strings of the work-orders module (namespace `workorders`), zh-CN first. */
const zh = {
  loading: '加载中…',
  error: '出错了：{{message}}',
  my: { title: '我的工单', none: '暂无待办工单', count: '{{n}} 张待办', back: '返回列表', refresh: '刷新' },
  state: {
    created: '待派单', dispatched: '已派单', accepted: '已接单', in_progress: '处理中', on_hold: '已挂起', done: '待验收', verified: '已验收', closed: '已关闭', cancelled: '已作废',
  },
  priority: { urgent: '紧急', high: '高', normal: '一般', low: '低' },
  source: { alarm: '告警', repair: '报修', manual: '人工', linkage: '联动预案', preventive: '预防性维护' },
  act: {
    accept: '接单', decline: '退单', start: '开始处理', hold: '挂起', resume: '继续处理', finish: '完工', verify: '验收通过', rework: '返工', close: '评价并关闭',
    cancel: '作废', dispatch: '派单', confirm: '确定', dismiss: '取消',
  },
  fact: { code: '工单号', object: '对象', priority: '优先级', state: '状态', source: '来源', crew: '班组', due: '时限', alarm: '告警', trade: '工种' },
  due: { left: '剩余 {{m}} 分钟', over: '已超时 {{m}} 分钟', none: '无时限' },
  alarmState: { raised: '未确认', acknowledged: '已确认', cleared: '已清除' },
  holdReason: '挂起原因', resolution: '处理结果', needText: '请填写',
  photo: { title: '现场照片', add: '拍照上传', uploading: '上传中…', tooBig: '照片太大（压缩后仍超过 1 MB）', failed: '上传失败：{{message}}', none: '暂无照片' },
  note: { title: '备注', add: '添加备注', placeholder: '现场情况、处理说明…', none: '暂无备注' },
  parts: { title: '使用备件', code: '编号', name: '名称', qty: '数量', unit: '单位', add: '登记备件', none: '未登记备件' },
  steps: { title: '作业指导', none: '知识库中暂无该故障的作业步骤', progress: '已完成 {{done}}/{{all}}', onlyInProgress: '开始处理后可勾选', ar: 'AR 引导维修' },
  section: { open: '进行中的工单', history: '维保记录', none: '暂无工单', last: '上次保养 {{date}}，周期 {{days}} 天', more: '共 {{n}} 条', newOrder: '新建工单' },
  desk: {
    crews: '班组与值班', onDuty: '值班中', offDuty: '休息', members: '成员', noMembers: '未绑定账号', trade: '工种',
    close: '关闭', noPermission: '没有权限', unknown: '未知', unknownUser: '未知用户', fault: '故障类型', assignees: '处理人', created: '创建',
    since: '进入当前状态', overdue: '已超时', description: '描述', rating: '评分', stars: '{{n}} 星', feedback: '评价', note: '备注（可选）',
    pickCrew: '选择班组…', pickRating: '选择评分…', noCrew: '未派班组', nobody: '未指派', system: '系统', history: '处理记录', autoDispatch: '自动派单', metres: '距离 {{m}} 米',
  },
  changed: '工单已被他人更新，已重新加载',
};

const en: typeof zh = {
  loading: 'Loading…',
  error: 'Something went wrong: {{message}}',
  my: { title: 'My work orders', none: 'No open work orders', count: '{{n}} open', back: 'Back to the list', refresh: 'Refresh' },
  state: {
    created: 'Created', dispatched: 'Dispatched', accepted: 'Accepted', in_progress: 'In progress', on_hold: 'On hold', done: 'Done, to verify', verified: 'Verified',
    closed: 'Closed', cancelled: 'Cancelled',
  },
  priority: { urgent: 'Urgent', high: 'High', normal: 'Normal', low: 'Low' },
  source: { alarm: 'Alarm', repair: 'Repair request', manual: 'By hand', linkage: 'Linkage plan', preventive: 'Preventive' },
  act: {
    accept: 'Accept', decline: 'Decline', start: 'Start', hold: 'Hold', resume: 'Resume', finish: 'Done', verify: 'Verify', rework: 'Send back', close: 'Rate and close',
    cancel: 'Cancel order', dispatch: 'Dispatch', confirm: 'OK', dismiss: 'Back',
  },
  fact: { code: 'Code', object: 'Object', priority: 'Priority', state: 'State', source: 'Source', crew: 'Crew', due: 'Due', alarm: 'Alarm', trade: 'Trade' },
  due: { left: '{{m}} min left', over: '{{m}} min overdue', none: 'No deadline' },
  alarmState: { raised: 'Raised', acknowledged: 'Acknowledged', cleared: 'Cleared' },
  holdReason: 'Reason for hold', resolution: 'Resolution', needText: 'Please fill this in',
  photo: { title: 'Photos', add: 'Take a photo', uploading: 'Uploading…', tooBig: 'The photo is too large (over 1 MB after shrinking)', failed: 'Upload failed: {{message}}', none: 'No photos yet' },
  note: { title: 'Notes', add: 'Add note', placeholder: 'What you found, what you did…', none: 'No notes yet' },
  parts: { title: 'Parts used', code: 'Code', name: 'Name', qty: 'Qty', unit: 'Unit', add: 'Add part', none: 'No parts recorded' },
  steps: { title: 'Procedure', none: 'The knowledge base has no procedure for this fault', progress: '{{done}}/{{all}} done', onlyInProgress: 'Tick steps once started', ar: 'Guided repair in AR' },
  section: { open: 'Open work orders', history: 'Maintenance history', none: 'No work orders', last: 'Last maintained {{date}}, every {{days}} days', more: '{{n}} in all', newOrder: 'New work order' },
  desk: {
    crews: 'Crews on duty', onDuty: 'On duty', offDuty: 'Off duty', members: 'Members', noMembers: 'No accounts linked', trade: 'Trade',
    close: 'Close', noPermission: 'Not permitted', unknown: 'Unknown', unknownUser: 'Unknown user', fault: 'Fault', assignees: 'Assignees', created: 'Created',
    since: 'In this state since', overdue: 'overdue', description: 'Description', rating: 'Rating', stars: '{{n}} stars', feedback: 'Feedback', note: 'Note (optional)',
    pickCrew: 'Choose a crew…', pickRating: 'Choose a rating…', noCrew: 'No crew yet', nobody: 'Nobody yet', system: 'System', history: 'History', autoDispatch: 'Automatic dispatch', metres: '{{m}} m away',
  },
  changed: 'Someone else updated this order; reloaded',
};

/** The module's i18n resources. */
export const workordersI18n = { 'zh-CN': zh, en };
