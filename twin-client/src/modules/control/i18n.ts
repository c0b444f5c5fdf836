/** Strings of the control section (namespace `control`), zh-CN and English with the same keys. */
export const controlI18n = {
  'zh-CN': {
    none: '该设备不支持远程控制',
    loading: '加载中…',
    state: {
      title: '当前状态', running: '运行', stopped: '停止', setpoint: '设定值', mode: '模式', access: '门禁', recalled: '已迫降', unknown: '设备尚未上报控制状态',
      at: '上报于 {{t}}',
    },
    access: { locked: '锁闭', unlocked: '常开', normal: '刷卡' },
    modeName: { auto: '自动', cool: '制冷', heat: '制热', fan: '送风' },
    send: '下发',
    risky: '高风险',
    confirm: {
      title: '二次确认', text: '“{{action}}”可能影响设备或人员安全，请确认后再下发到 {{device}}。', ok: '确认下发', cancel: '取消',
      expires: '请在 {{s}} 秒内确认',
    },
    cmd: {
      awaiting_confirmation: '等待二次确认', sent: '已下发，等待设备应答…', succeeded: '设备已执行', refused: '设备拒绝执行', timeout: '设备未应答（超时）',
      cancelled: '已取消（未下发）',
    },
    recent: '最近指令',
    by: '{{who}}',
    source: { operator: '人工', linkage: '联动' },
    error: {
      400: '输入不完整', 403: '没有权限下发此指令', 404: '设备不存在', 409: '指令状态已变化', 422: '参数超出设备允许范围', 503: '设备网关不可用', generic: '下发失败',
    },
    noPermission: '只读：下发指令需要设备控制权限',
  },
  en: {
    none: 'This device takes no remote commands',
    loading: 'Loading…',
    state: {
      title: 'Current state', running: 'Running', stopped: 'Stopped', setpoint: 'Setpoint', mode: 'Mode', access: 'Access', recalled: 'Recalled', unknown: 'The device has not reported its control state yet',
      at: 'reported {{t}}',
    },
    access: { locked: 'Locked', unlocked: 'Held open', normal: 'Card access' },
    modeName: { auto: 'Auto', cool: 'Cool', heat: 'Heat', fan: 'Fan' },
    send: 'Send',
    risky: 'Risky',
    confirm: {
      title: 'Second confirmation', text: '"{{action}}" can affect equipment or people. Confirm to send it to {{device}}.', ok: 'Confirm and send', cancel: 'Cancel',
      expires: 'Confirm within {{s}} s',
    },
    cmd: {
      awaiting_confirmation: 'Awaiting confirmation', sent: 'Sent, waiting for the device…', succeeded: 'Done by the device', refused: 'Refused by the device', timeout: 'No answer from the device (timeout)',
      cancelled: 'Cancelled (not sent)',
    },
    recent: 'Recent commands',
    by: '{{who}}',
    source: { operator: 'operator', linkage: 'linkage' },
    error: {
      400: 'Incomplete input', 403: 'You may not send this command', 404: 'No such device', 409: 'The command changed meanwhile', 422: 'Value outside what the device accepts', 503: 'Device gateway unavailable', generic: 'Sending failed',
    },
    noPermission: 'Read-only: sending commands needs equipment control',
  },
};
