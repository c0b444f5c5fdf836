/**
 * The wall's KPI boards: big numbers readable from across the room plus an ECharts figure each.
 * Every headline number carries `data-kpi` (its path in the API answer) and `data-value` (the
 * API's value), so tests compare what is shown with what the server computed.
 */
import { useMemo, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { WallKpis } from '@park-twin/layers/wall.ts';
import { useEChart, type ChartOption } from './useEChart.ts';
import { followLink, twinHref, viewHref } from '../app/links.tsx';

const AXIS = '#7f98b8';
const GRID = '#1a2b42';
const SEVERITY_COLOURS = { 1: '#f5d21e', 2: '#f5861e', 3: '#e62828' } as const;

/** Number in the UI language with grouping and a fixed number of decimals. */
export function formatNumber(v: number, decimals: number, lang: string): string {
  return new Intl.NumberFormat(lang === 'en' ? 'en-US' : 'zh-CN', { minimumFractionDigits: decimals, maximumFractionDigits: decimals }).format(v);
}

/** A month ('YYYY-MM') as the UI language writes it: 2026年11月, Nov 2026. */
function monthText(m: string, lang: string): string {
  return lang === 'en' ? new Intl.DateTimeFormat('en-US', { month: 'short', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${m}-01T00:00:00Z`)) : `${m.slice(0, 4)}年${Number(m.slice(5, 7))}月`;
}

/** Signed percentage change, or an em dash when the base is zero. */
function change(now: number, before: number, lang: string): string {
  if (!(before > 0)) return '—';
  const p = ((now - before) / before) * 100;
  return `${p >= 0 ? '+' : ''}${formatNumber(p, 1, lang)}%`;
}

/** One headline number. `scale` divides the API value for display (10k CNY -> 100M CNY). */
function Big({ path, value, decimals = 0, scale = 1, unit }: { path: string; value: number; decimals?: number; scale?: number; unit: string }) {
  const { i18n } = useTranslation();
  return (
    <span className="kpi-big">
      <span className="kpi-value" data-kpi={path} data-value={value} data-scale={scale} data-decimals={decimals}>
        {formatNumber(value / scale, decimals, i18n.language)}
      </span>
      {unit && <span className="kpi-unit">{unit}</span>}
    </span>
  );
}

/** Where each board drills down to: the view (or twin layer) that shows its figures object by object. */
const DRILL: Record<string, () => string> = {
  occupancy: () => viewHref('/invest'),
  people: () => twinHref(0, { layer: 'occupancy' }),
  energy: () => twinHref(0, { layer: 'energy' }),
  equipment: () => twinHref(0, { layer: 'equipment' }),
  alarms: () => twinHref(0, { layer: 'security' }),
  enterprises: () => viewHref('/map'),
  economy: () => viewHref('/map'),
};

function Board({ id, title, children, chart }: { id: string; title: string; children: ReactNode; chart?: ChartOption | null }) {
  const ref = useEChart(chart ?? null);
  const href = DRILL[id]?.();
  return (
    <section className="kpi-board panel" data-board={id}>
      <h2>{href ? <a className="kpi-drill" href={href} onClick={(e) => followLink(e, href)}>{title}</a> : title}</h2>
      <div className="kpi-numbers">{children}</div>
      {chart !== undefined && <div ref={ref} className="kpi-chart" />}
    </section>
  );
}

/** An inline number with its API path and value (what the tests compare), no decimals. */
function Num({ path, value, lang }: { path: string; value: number; lang: string }) {
  return <span data-kpi={path} data-value={value} data-decimals={0} data-scale={1}>{formatNumber(value, 0, lang)}</span>;
}

/** A board whose headline is a percentage with a gauge below (occupancy, equipment availability). */
function RateBoard({ id, title, path, rate, colour, unit, detail }: { id: string; title: string; path: string; rate: number; colour: string; unit: string; detail: string }) {
  const chart = useMemo(() => gauge(rate, colour), [rate, colour]);
  return (
    <Board id={id} title={title} chart={chart}>
      <Big path={path} value={rate} decimals={1} unit={unit} />
      <div className="kpi-detail">{detail}</div>
    </Board>
  );
}

/** Bars or lines over categories with the legend top right (the energy and economy boards). */
function categoryChart(categories: string[], legend: string[], series: unknown[]): ChartOption {
  return {
    animation: false,
    grid: { left: 48, right: 12, top: 28, bottom: 22 },
    legend: { top: 0, right: 0, textStyle: { color: AXIS, fontSize: 12 }, data: legend },
    xAxis: { type: 'category', data: categories, axisLabel: { color: AXIS }, axisLine: { lineStyle: { color: GRID } } },
    yAxis: { type: 'value', axisLabel: { color: AXIS }, splitLine: { lineStyle: { color: GRID } } },
    series,
  };
}

const HOURS = Array.from({ length: 24 }, (_, h) => String(h));

function gauge(value: number, colour: string): ChartOption {
  return {
    animation: false,
    series: [{
      type: 'gauge', min: 0, max: 100, startAngle: 210, endAngle: -30, radius: '95%', center: ['50%', '58%'],
      progress: { show: true, width: 14, itemStyle: { color: colour } },
      axisLine: { lineStyle: { width: 14, color: [[1, '#1a2b42']] } },
      pointer: { show: false }, axisTick: { show: false }, splitLine: { show: false }, axisLabel: { show: false },
      detail: { show: false }, data: [{ value }],
    }],
  };
}

/** The boards, by id. */
export const BOARD_IDS = ['occupancy', 'people', 'energy', 'equipment', 'alarms', 'enterprises', 'economy'] as const;
export type BoardId = (typeof BOARD_IDS)[number];

/** Hour of the day (0-23) of an instant in a time zone. */
function hourIn(iso: string, timeZone: string): number {
  return Number(new Intl.DateTimeFormat('en-US', { hour: 'numeric', hourCycle: 'h23', timeZone }).format(new Date(iso)));
}

/** The boards `ids` (a column of the layout), in that order. */
export function KpiBoards({ k, ids }: { k: WallKpis; ids: readonly BoardId[] }) {
  const { t, i18n } = useTranslation('wall');
  const lang = i18n.language;
  const energyChart = useMemo(() => categoryChart(HOURS, [t('kpi.energyToday'), t('kpi.energyYesterdaySeries')], [
    { name: t('kpi.energyYesterdaySeries'), type: 'line', showSymbol: false, lineStyle: { color: '#7f98b8', type: 'dashed' }, data: k.energy.hourly.yesterday },
    { name: t('kpi.energyToday'), type: 'line', showSymbol: false, lineStyle: { color: '#f5d21e', width: 3 }, areaStyle: { color: 'rgba(245,210,30,0.15)' },
      // Hours still to come stay empty rather than drawn as zero.
      data: k.energy.hourly.today.map((v, h) => (h <= hourIn(k.at, k.timezone) ? v : null)) },
  ]), [k.energy.hourly, k.at, k.timezone, t]);
  const alarmChart = useMemo((): ChartOption => ({
    animation: false,
    grid: { left: 64, right: 24, top: 6, bottom: 6 },
    xAxis: { type: 'value', show: false, minInterval: 1 },
    yAxis: { type: 'category', data: [3, 2, 1].map((s) => t(`kpi.severity.${s}`)), axisLabel: { color: AXIS, fontSize: 14 }, axisLine: { show: false }, axisTick: { show: false } },
    series: [{ type: 'bar', barWidth: '60%', label: { show: true, position: 'right', color: '#d8e6f7', fontSize: 14 },
      data: ([3, 2, 1] as const).map((s) => ({ value: k.alarms.bySeverity[s], itemStyle: { color: SEVERITY_COLOURS[s] } })) }],
  }), [k.alarms.bySeverity, t]);
  const economyChart = useMemo(() => categoryChart(k.economy.monthly.map((m) => m.month.slice(5)), [t('kpi.output'), t('kpi.tax')], [
    { name: t('kpi.output'), type: 'bar', itemStyle: { color: '#3fc1ff' }, data: k.economy.monthly.map((m) => Math.round(m.output)) },
    { name: t('kpi.tax'), type: 'bar', itemStyle: { color: '#2ecc71' }, data: k.economy.monthly.map((m) => Math.round(m.tax)) },
  ]), [k.economy.monthly, t]);

  const boards: Record<BoardId, ReactNode> = {
    occupancy: (
      <RateBoard key="occupancy" id="occupancy" title={t('kpi.occupancy')} path="occupancy.rate" rate={k.occupancy.rate} colour="#3fc1ff" unit={t('unit.pct')}
        detail={t('kpi.occupancyDetail', { leased: formatNumber(k.occupancy.leasedUnits, 0, lang), units: formatNumber(k.occupancy.leasableUnits, 0, lang) })} />
    ),
    people: (
      <Board key="people" id="people" title={t('kpi.people')}>
        <Big path="people.onSite" value={k.people.onSite} unit={t('unit.people')} />
        <div className="kpi-detail">{t('kpi.peopleDetail', { capacity: formatNumber(k.people.capacity, 0, lang), rooms: formatNumber(k.people.rooms, 0, lang) })}</div>
      </Board>
    ),
    energy: (
      <Board key="energy" id="energy" title={t('kpi.energy')} chart={energyChart}>
        <Big path="energy.todayKwh" value={k.energy.todayKwh} unit={t('unit.kwh')} />
        <div className="kpi-detail">
          {t('kpi.energyYesterday')} <Num path="energy.yesterdaySameTimeKwh" value={k.energy.yesterdaySameTimeKwh} lang={lang} /> {t('unit.kwh')}
          {' · '}{t('kpi.energyDelta')} <span className="kpi-change">{change(k.energy.todayKwh, k.energy.yesterdaySameTimeKwh, lang)}</span>
          {' · '}{t('kpi.energyPower')} <Num path="energy.powerKw" value={k.energy.powerKw} lang={lang} /> {t('unit.kw')}
        </div>
      </Board>
    ),
    equipment: (
      <RateBoard key="equipment" id="equipment" title={t('kpi.equipment')} path="equipment.rate" rate={k.equipment.rate}
        colour={k.equipment.rate >= 95 ? '#2ecc71' : '#f5aa1e'} unit={t('unit.pct')}
        detail={t('kpi.equipmentDetail', { available: formatNumber(k.equipment.available, 0, lang), total: formatNumber(k.equipment.total, 0, lang) })} />
    ),
    alarms: (
      <Board key="alarms" id="alarms" title={t('kpi.alarms')} chart={alarmChart}>
        <Big path="alarms.open" value={k.alarms.open} unit="" />
        <div className="kpi-detail severity-row">
          {([3, 2, 1] as const).map((s) => (
            <span key={s} className={`sev sev-${s}`}>{t(`kpi.severity.${s}`)} <Num path={`alarms.bySeverity.${s}`} value={k.alarms.bySeverity[s]} lang={lang} /></span>
          ))}
        </div>
      </Board>
    ),
    enterprises: (
      <Board key="enterprises" id="enterprises" title={t('kpi.enterprises')}>
        <div className="kpi-pair">
          <div><Big path="enterprises.count" value={k.enterprises.count} unit={t('unit.units')} /><div className="kpi-label">{t('kpi.enterprises')}</div></div>
          <div><Big path="enterprises.employees" value={k.enterprises.employees} unit={t('unit.people')} /><div className="kpi-label">{t('kpi.employees')}</div></div>
        </div>
        <div className="kpi-detail">{t('kpi.leading')} {k.enterprises.leading} · {t('kpi.highTech')} {k.enterprises.highTech}</div>
      </Board>
    ),
    economy: (
      <Board key="economy" id="economy" title={t('kpi.economy')} chart={economyChart}>
        <div className="kpi-pair">
          <div><Big path="economy.outputYtd" value={k.economy.outputYtd} scale={10_000} decimals={2} unit={t('unit.yi')} /><div className="kpi-label">{t('kpi.output')} · {t('kpi.yoy')} {change(k.economy.outputYtd, k.economy.outputPrevYtd, lang)}</div></div>
          <div><Big path="economy.taxYtd" value={k.economy.taxYtd} scale={10_000} decimals={2} unit={t('unit.yi')} /><div className="kpi-label">{t('kpi.tax')} · {t('kpi.yoy')} {change(k.economy.taxYtd, k.economy.taxPrevYtd, lang)}</div></div>
        </div>
        {k.economy.from && k.economy.to && <div className="kpi-detail" data-period={`${k.economy.from}/${k.economy.to}`}>{t('kpi.period', { from: monthText(k.economy.from, lang), to: monthText(k.economy.to, lang) })}</div>}
      </Board>
    ),
  };
  return <>{ids.map((id) => boards[id])}</>;
}
