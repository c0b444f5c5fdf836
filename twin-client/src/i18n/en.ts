import type { zhCN } from './zh-CN.ts';

type Shape<T> = { [K in keyof T]: T[K] extends string ? string : Shape<T[K]> };

/** English strings; must have exactly the keys of zh-CN. */
export const en: Shape<typeof zhCN> = {
  app: { title: 'Park Twin', language: 'Language', switchTo: '中文', noView: 'No view to open: ask an administrator for a role.', viewClosed: 'This view is not open to this account, or its module is switched off.' },
  live: {
    connecting: 'Connecting', live: 'Live', reconnecting: 'Reconnecting', offline: 'Offline', refused: 'Not authorized',
    title: 'Live data connection',
  },
  layer: { title: 'Layer', none: 'None', lease: 'Lease status', booking: 'Meeting rooms' },
  meeting: { free: 'Free now', booked: 'Booked now' },
  lease: { vacant: 'Vacant', reserved: 'Reserved', leased: 'Leased', expiring: 'Expiring', not_leasable: 'Not leasable' },
  kind: {
    park: 'Park', building: 'Building', floor: 'Floor', room: 'Room', equipment: 'Equipment', pipe_node: 'Network node',
    pipe_segment: 'Pipe segment', zone: 'Zone', enterprise: 'Enterprise',
  },
  drill: { back: 'Back', floors: 'Floors', level: 'Floor {{level}}', basement: 'B{{level}}', hint: 'Esc goes back one level' },
  panel: {
    close: 'Close', live: 'Live value', history: 'Last 24 h', noHistory: 'No history yet', attributes: 'Attributes',
    loading: 'Loading…', error: 'Could not load', noLive: 'No live data yet',
  },
  attr: {
    code: 'Code', use: 'Use', area: 'Area (m²)', capacity: 'Capacity', lease_status: 'Lease status', rent: 'Rent (CNY/m²·month)',
    enterprise_name: 'Tenant', floor_level: 'Floor', level: 'Level', elevation: 'Elevation (m)', height: 'Height (m)',
    floors_above: 'Floors above ground', floors_below: 'Floors below ground', year: 'Year built', rooms: 'Rooms', type: 'Type',
    model: 'Model', manufacturer: 'Manufacturer', status: 'Status', install_date: 'Installed', last_maintained: 'Last maintained',
    rated_power_kw: 'Rated power (kW)', network: 'Network', diameter_mm: 'Diameter (mm)', depth: 'Depth (m)', material: 'Material',
    lease_start: 'Lease start', lease_end: 'Lease end',
    credit_code: 'Unified social credit code', industry: 'Industry', registered_capital: 'Registered capital (10k CNY)', staff: 'Staff',
    founded: 'Founded', is_leading: 'Leading enterprise', high_tech: 'High-tech enterprise',
  },
  status: { 0: 'Normal', 1: 'Warning', 2: 'Alarm', 3: 'Offline' },
  scene: { loading: 'Loading the park…', noPark: 'No park data yet', loginNeeded: 'Please log in' },
};
