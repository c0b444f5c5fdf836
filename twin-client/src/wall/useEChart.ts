/**
 * One ECharts instance per board for the life of the board: created on mount, updated in place
 * with each new option (no re-init per refresh, so hours of refreshes allocate nothing lasting),
 * resized with its box, disposed on unmount.
 */
import { useEffect, useRef } from 'react';
import * as echarts from 'echarts/core';
import { BarChart, GaugeChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([BarChart, GaugeChart, LineChart, GridComponent, LegendComponent, CanvasRenderer]);

/** The option type ECharts accepts. */
export type ChartOption = Parameters<echarts.ECharts['setOption']>[0];

/** Returns the ref to put on the chart's element; `option` is applied whenever it changes. */
export function useEChart(option: ChartOption | null): React.RefObject<HTMLDivElement | null> {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  useEffect(() => {
    const node = el.current;
    if (!node) return;
    const c = echarts.init(node, undefined, { renderer: 'canvas' });
    // Canvas text does not inherit CSS: give charts the app's (bundled, CJK-capable) font.
    c.setOption({ textStyle: { fontFamily: getComputedStyle(node).fontFamily } });
    chart.current = c;
    const ro = new ResizeObserver(() => c.resize());
    ro.observe(node);
    return () => {
      ro.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, []);
  useEffect(() => {
    if (option) chart.current?.setOption(option, { notMerge: false, lazyUpdate: true });
  }, [option]);
  return el;
}
