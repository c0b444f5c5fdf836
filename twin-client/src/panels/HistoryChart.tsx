/** A small ECharts line chart of one object's bucketed history (GET /api/twin/objects/:idx/history). */
import { useEffect, useRef } from 'react';
import * as echarts from 'echarts/core';
import { LineChart } from 'echarts/charts';
import { GridComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([LineChart, GridComponent, TooltipComponent, CanvasRenderer]);

/** One history bucket. */
export interface HistoryPoint {
  t: string;
  avg: number;
  max: number;
  status: number;
}

/** Props: the points and the unit label shown on the axis. */
export function HistoryChart({ points, unit }: { points: HistoryPoint[]; unit: string }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current) return;
    const chart = echarts.init(el.current, undefined, { renderer: 'canvas' });
    chart.setOption({
      animation: false,
      grid: { left: 40, right: 8, top: 16, bottom: 22 },
      tooltip: { trigger: 'axis' },
      xAxis: {
        type: 'time', axisLine: { lineStyle: { color: '#37506e' } }, axisLabel: { color: '#8aa4c4', fontSize: 10 },
        splitLine: { show: false },
      },
      yAxis: {
        type: 'value', name: unit, nameTextStyle: { color: '#8aa4c4', fontSize: 10 },
        axisLabel: { color: '#8aa4c4', fontSize: 10 }, splitLine: { lineStyle: { color: '#1a2b42' } },
      },
      series: [{
        type: 'line', showSymbol: false, smooth: true, lineStyle: { color: '#3fc1ff', width: 2 },
        areaStyle: { color: 'rgba(63,193,255,0.15)' }, data: points.map((p) => [p.t, Math.round(p.avg * 100) / 100]),
      }],
    });
    return () => chart.dispose();
  }, [points, unit]);
  return <div ref={el} className="history-chart" data-points={points.length} />;
}
