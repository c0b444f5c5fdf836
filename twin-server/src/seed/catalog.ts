/** Names, brands and models the generator draws from (fictional park, real-world brands). */
import type { BuildingUse, EquipmentType, Industry, RoomUse } from './model.ts';

/** The park's display names. */
export const PARK_NAME = { zh: '未来科学城·智谷科创园', en: 'Future Sci-Tech City Zhigu Innovation Park' };
/** City stored in park.city. */
export const PARK_CITY = 'Hangzhou';
/** A plot in the Future Sci-Tech City area west of Hangzhou (Yuhang district). */
export const PARK_ORIGIN = { lon: 120.0125, lat: 30.2896 };
/** Ground datum ellipsoidal height: about 6 m above sea level plus a geoid undulation of about 10 m. */
export const PARK_GROUND_ELLIPSOIDAL = 16.4;

/** Building name suffixes per use. */
export const USE_NAMES: Record<BuildingUse, { zh: string; en: string }> = {
  office: { zh: '办公楼', en: 'Office' },
  research: { zh: '研发楼', en: 'R&D' },
  industrial: { zh: '智造厂房', en: 'Manufacturing' },
  incubator: { zh: '孵化器', en: 'Incubator' },
  data_center: { zh: '数据中心', en: 'Data Center' },
  residential: { zh: '人才公寓', en: 'Apartments' },
  commercial: { zh: '商业中心', en: 'Commercial Center' },
  amenity: { zh: '配套服务中心', en: 'Service Center' },
  parking: { zh: '停车楼', en: 'Parking' },
  utility: { zh: '能源中心', en: 'Energy Center' },
  mixed: { zh: '综合楼', en: 'Mixed-use' },
};

/** Prefixes for building names, e.g. 智谷 + 研发楼. */
export const BUILDING_PREFIX: readonly { zh: string; en: string }[] = [
  { zh: '智谷', en: 'Zhigu' }, { zh: '云栖', en: 'Yunqi' }, { zh: '星汇', en: 'Xinghui' }, { zh: '创智', en: 'Chuangzhi' },
  { zh: '启明', en: 'Qiming' }, { zh: '天元', en: 'Tianyuan' }, { zh: '数链', en: 'Shulian' }, { zh: '芯谷', en: 'Xingu' },
  { zh: '海创', en: 'Haichuang' }, { zh: '梦想', en: 'Mengxiang' }, { zh: '未来', en: 'Weilai' }, { zh: '之江', en: 'Zhijiang' },
];

/** Room names per use. */
export const ROOM_NAMES: Record<RoomUse, { zh: string; en: string }> = {
  office: { zh: '办公单元', en: 'Office unit' },
  lab: { zh: '实验室', en: 'Laboratory' },
  retail: { zh: '商铺', en: 'Retail' },
  canteen: { zh: '员工餐厅', en: 'Canteen' },
  meeting: { zh: '会议室', en: 'Meeting room' },
  lobby: { zh: '大堂', en: 'Lobby' },
  corridor: { zh: '走廊', en: 'Corridor' },
  core: { zh: '电梯厅/楼梯间', en: 'Core' },
  plant: { zh: '设备机房', en: 'Plant room' },
  storage: { zh: '库房', en: 'Storage' },
  parking: { zh: '地下车库', en: 'Parking' },
  restroom: { zh: '卫生间', en: 'Restroom' },
  data_center: { zh: '数据机房', en: 'Data hall' },
  showroom: { zh: '展厅', en: 'Showroom' },
  workshop: { zh: '生产车间', en: 'Workshop' },
};

/** Equipment names and code prefixes per type. */
export const EQUIPMENT_NAMES: Record<EquipmentType, { zh: string; en: string; prefix: string }> = {
  ahu: { zh: '组合式空调机组', en: 'Air handling unit', prefix: 'AHU' },
  chiller: { zh: '冷水机组', en: 'Chiller', prefix: 'CH' },
  boiler: { zh: '燃气锅炉', en: 'Boiler', prefix: 'BLR' },
  cooling_tower: { zh: '冷却塔', en: 'Cooling tower', prefix: 'CT' },
  pump: { zh: '水泵', en: 'Pump', prefix: 'P' },
  fan_coil: { zh: '风机盘管', en: 'Fan coil unit', prefix: 'FCU' },
  elevator: { zh: '电梯', en: 'Elevator', prefix: 'EL' },
  transformer: { zh: '变压器', en: 'Transformer', prefix: 'TR' },
  switchgear: { zh: '开关柜', en: 'Switchgear', prefix: 'SG' },
  generator: { zh: '柴油发电机组', en: 'Diesel generator', prefix: 'GEN' },
  power_meter: { zh: '智能电表', en: 'Power meter', prefix: 'EM' },
  water_meter: { zh: '智能水表', en: 'Water meter', prefix: 'WM' },
  light: { zh: '照明回路', en: 'Lighting circuit', prefix: 'LT' },
  fire_detector: { zh: '感烟探测器', en: 'Smoke detector', prefix: 'FD' },
  sprinkler_valve: { zh: '湿式报警阀', en: 'Sprinkler alarm valve', prefix: 'SV' },
  env_sensor: { zh: '环境传感器', en: 'Environment sensor', prefix: 'ENV' },
  occupancy_sensor: { zh: '人员感应器', en: 'Occupancy sensor', prefix: 'OCC' },
  camera: { zh: '摄像机', en: 'Camera', prefix: 'CAM' },
  access_reader: { zh: '门禁读卡器', en: 'Access reader', prefix: 'AC' },
  barrier_gate: { zh: '道闸', en: 'Barrier gate', prefix: 'BG' },
  ev_charger: { zh: '充电桩', en: 'EV charger', prefix: 'EV' },
};

/** [manufacturer, model, rated kW] choices per type. */
export const MODELS: Record<EquipmentType, readonly [string, string, number | null][]> = {
  ahu: [['Carrier', '39G-1522', 22], ['Trane', 'CLCP-25', 18.5], ['McQuay', 'MDB-30', 22], ['Gree', 'ZK40', 30], ['Midea', 'MKZ-20', 15]],
  chiller: [['Carrier', '19XR-5050', 560], ['Trane', 'CVHE-500', 520], ['York', 'YK-EP', 610], ['Gree', 'LSBLX-1200', 420], ['Midea', 'CCWE-1000', 380]],
  boiler: [['Viessmann', 'Vitocrossal 300 CT3U', 1.1], ['Buderus', 'Logano plus SB745', 1.3], ['Haier', 'HRLN-2100', 1.2]],
  cooling_tower: [['BAC', 'Series 3000', 30], ['Marley', 'NC8405', 37], ['Liangchi', 'LRCM-H-300', 22]],
  pump: [['Grundfos', 'NK 125-250', 45], ['Wilo', 'IL 150/270', 37], ['KSB', 'Etanorm 125-250', 55], ['Kaiquan', 'KQL150/315-45/4', 45], ['CNP', 'TD150-32', 30]],
  fan_coil: [['Daikin', 'FWB06', 0.09], ['Gree', 'FP-68WA', 0.07], ['Midea', 'MKT3-600', 0.08], ['Carrier', '42CE006', 0.08]],
  elevator: [['Otis', 'Gen2 Premier', 15], ['Schindler', '3300', 11], ['KONE', 'MonoSpace 700', 11], ['Hitachi', 'LCA', 15], ['Mitsubishi', 'NexWay', 18.5], ['Canny', 'Ever Green III', 13]],
  transformer: [['TBEA', 'SCB13-1250/10', null], ['Schneider Electric', 'Trihal 1600', null], ['ABB', 'RESIBLOC 2000', null], ['Chint', 'SCB14-1000/10', null]],
  switchgear: [['Schneider Electric', 'Premset', null], ['ABB', 'UniGear ZS1', null], ['Siemens', 'NXAIR', null], ['Chint', 'KYN28A-12', null]],
  generator: [['Cummins', 'C1100D5', 800], ['Caterpillar', 'C32', 1000], ['Weichai', 'WPG1000', 800], ['Yuchai', 'YC6C1320-D31', 880]],
  power_meter: [['Acrel', 'ADW300', null], ['Schneider Electric', 'PM5560', null], ['Chint', 'DTSU666', null], ['Holley', 'DTZ545', null]],
  water_meter: [['Sanchuan', 'LXSY-50E', null], ['Ningbo Water Meter', 'LXLC-80', null], ['Kamstrup', 'flowIQ 2200', null]],
  light: [['Opple', 'LED Panel 600x600', 0.8], ['NVC Lighting', 'NLED9126', 0.7], ['Signify', 'Philips CoreLine RC132V', 0.9]],
  fire_detector: [['Gulf Security', 'JTY-GD-G3T', null], ['Honeywell', 'TC806B', null], ['Siemens', 'OH720', null]],
  sprinkler_valve: [['Tyco', 'AV-1-300', null], ['Viking', 'J-1', null], ['Shanghai Sprinkler', 'ZSFZ150', null]],
  env_sensor: [['Renke', 'RS-CO2WS-N01', null], ['Honeywell', 'IAQPoint2', null], ['Vaisala', 'HMW90', null]],
  occupancy_sensor: [['Steinel', 'HPD2', null], ['Hikvision', 'DS-PDP15P', null], ['Aqara', 'FP2', null]],
  camera: [['Hikvision', 'DS-2CD3T86FWDV2', 0.01], ['Dahua', 'IPC-HFW3849T1', 0.01], ['Uniview', 'IPC2128SB', 0.01], ['Axis', 'P1455-LE', 0.01]],
  access_reader: [['ZKTeco', 'ProCapture-X', null], ['Hikvision', 'DS-K1T671M', null], ['HID', 'Signo 40', null], ['Dahua', 'ASI7213X', null]],
  barrier_gate: [['Hikvision', 'DS-TMG4B0', 0.2], ['Dahua', 'DHI-IPMECS', 0.2], ['CAME', 'GARD 4000', 0.3]],
  ev_charger: [['TELD', 'TQDZ-7kW', 7], ['Star Charge', 'ACPLUS 7', 7], ['ABB', 'Terra DC 60', 60], ['XJ Electric', 'XJZC-120', 120]],
};

/** Typical maintenance intervals in days. */
export const MAINTENANCE_DAYS: Record<EquipmentType, number> = {
  ahu: 90, chiller: 90, boiler: 180, cooling_tower: 90, pump: 180, fan_coil: 180, elevator: 15,
  transformer: 365, switchgear: 365, generator: 30, power_meter: 730, water_meter: 730, light: 365,
  fire_detector: 365, sprinkler_valve: 90, env_sensor: 365, occupancy_sensor: 365, camera: 180,
  access_reader: 180, barrier_gate: 90, ev_charger: 180,
};

/** Company name pieces: a brand of two syllables (Chinese, pinyin). */
export const BRAND_SYLLABLES: readonly [string, string][] = [
  ['智', 'Zhi'], ['云', 'Yun'], ['芯', 'Xin'], ['数', 'Shu'], ['联', 'Lian'], ['达', 'Da'], ['创', 'Chuang'], ['科', 'Ke'],
  ['睿', 'Rui'], ['博', 'Bo'], ['华', 'Hua'], ['启', 'Qi'], ['明', 'Ming'], ['源', 'Yuan'], ['恒', 'Heng'], ['信', 'Xin'],
  ['迅', 'Xun'], ['图', 'Tu'], ['景', 'Jing'], ['禾', 'He'], ['微', 'Wei'], ['光', 'Guang'], ['宇', 'Yu'], ['思', 'Si'],
  ['澜', 'Lan'], ['峰', 'Feng'], ['嘉', 'Jia'], ['诺', 'Nuo'], ['安', 'An'], ['泰', 'Tai'], ['汇', 'Hui'], ['极', 'Ji'],
  ['深', 'Shen'], ['蓝', 'Lan'], ['天', 'Tian'], ['象', 'Xiang'], ['灵', 'Ling'], ['犀', 'Xi'], ['鲸', 'Jing'], ['驰', 'Chi'],
];

/** Business-scope words in company names, per industry (Chinese and English in step). */
export const INDUSTRY_WORDS: Record<Industry, { zh: string[]; en: string[] }> = {
  ai: { zh: ['人工智能科技', '智能科技', '机器人科技'], en: ['AI Technology', 'Intelligent Technology', 'Robotics'] },
  ic_design: { zh: ['微电子', '集成电路设计', '半导体科技'], en: ['Microelectronics', 'IC Design', 'Semiconductor'] },
  software: { zh: ['软件', '信息技术', '网络科技'], en: ['Software', 'Information Technology', 'Network Technology'] },
  biomed: { zh: ['生物医药', '医疗科技', '基因科技'], en: ['Biopharma', 'Medical Technology', 'Genomics'] },
  new_energy: { zh: ['新能源科技', '储能技术', '光伏科技'], en: ['New Energy', 'Energy Storage', 'Photovoltaics'] },
  smart_manufacturing: { zh: ['智能装备', '精密制造', '自动化科技'], en: ['Smart Equipment', 'Precision Manufacturing', 'Automation'] },
  digital_media: { zh: ['数字传媒', '文化创意', '影视科技'], en: ['Digital Media', 'Creative', 'Film Technology'] },
  fintech: { zh: ['金融信息服务', '数字金融科技'], en: ['Financial Information Services', 'Digital Finance'] },
  e_commerce: { zh: ['电子商务', '供应链科技'], en: ['E-commerce', 'Supply Chain Technology'] },
  services: { zh: ['企业管理咨询', '知识产权服务', '人力资源服务'], en: ['Management Consulting', 'IP Services', 'HR Services'] },
};

/** Industry mix of the park (a digital-economy science park). */
export const INDUSTRY_WEIGHTS: Record<Industry, number> = {
  ai: 16, software: 20, ic_design: 9, biomed: 10, new_energy: 6, smart_manufacturing: 8, digital_media: 9,
  fintech: 6, e_commerce: 9, services: 7,
};

/** Administrative division codes the park's companies register under (Hangzhou districts). */
export const DIVISIONS = ['330110', '330106', '330108', '330105', '330100'];
