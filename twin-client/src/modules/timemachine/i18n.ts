/** zh/en strings of the time machine (namespace `timemachine`). */
export const timemachineI18n = {
  'zh-CN': {
    open: '时光机', title: '时光机 · 回放', live: '回到实时', play: '播放', pause: '暂停', speed: '倍速',
    lastHour: '过去1小时', yesterday: '昨日此时', lastNight: '昨夜', lastWeek: '过去一周', loading: '加载中…',
    noLayer: '请选择实时图层后回放', failed: '回放加载失败', playhead: '回放时间', rows: '{{n}} 条记录',
  },
  en: {
    open: 'Time machine', title: 'Time machine · replay', live: 'Back to live', play: 'Play', pause: 'Pause', speed: 'Speed',
    lastHour: 'Last hour', yesterday: 'Same time yesterday', lastNight: 'Last night', lastWeek: 'Last week', loading: 'Loading…',
    noLayer: 'Choose a live layer to replay', failed: 'Replay failed to load', playhead: 'Replay time', rows: '{{n}} records',
  },
} as const;
