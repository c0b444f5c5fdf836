/** Strings of the XR module (namespace `xr`). */
export const xrStrings = {
  'zh-CN': {
    enterVR: '进入 VR', enterAR: '进入 AR（现场）', exit: '退出', notSupported: '此设备不支持 {{mode}}',
    table: '桌面模型', lifeSize: '1:1 漫游', place: '对准地面标记后点击放置', placed: '已按标记放置',
    marker: '标记', nudge: '微调', left: '左移', right: '右移', forward: '前移', back: '后移', turnL: '左转', turnR: '右转',
    openOrders: '未完成工单', live: '实时值', code: '编号', kind: '类型', depth: '埋深', diameter: '管径',
    scanTitle: '扫码查看设备', scanHint: '将设备标签上的二维码对准取景框', scanStart: '打开相机', scanNoCamera: '无法打开相机：{{msg}}',
    scanFound: '已识别：{{name}}', scanUnknown: '无法识别此标签', scanForbidden: '无权查看此对象',
    quality: '画质', tier: { low: '低（手机）', mid: '中（一体机）', high: '高（PC VR）' },
    repair: {
      title: '维修指引', loading: '正在加载工单…', noProcedure: '此工单在知识库中没有作业步骤', stepOf: '第 {{n}}/{{all}} 步', doneOf: '已完成 {{done}}/{{all}}',
      done: '完成此步', undo: '取消勾选', prev: '上一步', next: '下一步', stepDone: '已完成', onlyInProgress: '工单处理中时才能勾选步骤',
    },
    dig: { off: '开挖视窗', on: '开挖视窗 {{r}} 米' },
    geo: {
      place: '按 GPS 和指南针放置', placed: '已按 GPS 和指南针放置', noPark: '园区未加载', noGps: '此设备没有定位', noCompass: '没有指南针读数（需要绝对方向传感器）',
      inaccurate: '定位精度 {{m}} 米，太粗，请用地面标记', failed: '无法定位：{{msg}}',
    },
  },
  en: {
    enterVR: 'Enter VR', enterAR: 'Enter AR (on site)', exit: 'Exit', notSupported: 'This device does not support {{mode}}',
    table: 'Table model', lifeSize: 'Life size', place: 'Aim at the ground marker and tap to place', placed: 'Placed from the marker',
    marker: 'Marker', nudge: 'Nudge', left: 'Left', right: 'Right', forward: 'Forward', back: 'Back', turnL: 'Turn left', turnR: 'Turn right',
    openOrders: 'Open work orders', live: 'Live value', code: 'Code', kind: 'Kind', depth: 'Depth', diameter: 'Diameter',
    scanTitle: 'Scan a label', scanHint: 'Point the camera at the QR code on the equipment label', scanStart: 'Open camera', scanNoCamera: 'Cannot open the camera: {{msg}}',
    scanFound: 'Found: {{name}}', scanUnknown: 'Not a label of this twin', scanForbidden: 'You may not open this object',
    quality: 'Quality', tier: { low: 'Low (phone)', mid: 'Medium (standalone headset)', high: 'High (PC VR)' },
    repair: {
      title: 'Guided repair', loading: 'Loading the work order…', noProcedure: 'This work order has no procedure in the knowledge base', stepOf: 'step {{n}} of {{all}}', doneOf: '{{done}}/{{all}} done',
      done: 'Step done', undo: 'Untick', prev: 'Back', next: 'Next', stepDone: 'Done', onlyInProgress: 'Steps can be ticked while the order is in progress',
    },
    dig: { off: 'Dig window', on: 'Dig window {{r}} m' },
    geo: {
      place: 'Place by GPS and compass', placed: 'Placed by GPS and compass', noPark: 'The park is not loaded', noGps: 'This device has no location', noCompass: 'No compass reading (needs an absolute orientation sensor)',
      inaccurate: 'Location accurate to {{m}} m only: use the ground marker', failed: 'Cannot get the location: {{msg}}',
    },
  },
} as const;
