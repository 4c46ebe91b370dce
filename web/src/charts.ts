// Charts: Apache ECharts, only the parts the dashboard and the review draw (bars and lines
// on a category axis, with legend and tooltip, on canvas). This module is reached only
// through the lazily loaded dashboard and review views, so ECharts never weighs on the
// desk's first load.
//
// The workspace's CSP forbids inline style attributes: ECharts sets its own element styles
// through the CSSOM (allowed), and its tooltip is drawn on the canvas (`richText`) rather
// than as HTML markup with style attributes (which the policy would block).
import { BarChart, LineChart } from 'echarts/charts';
import type { BarSeriesOption, LineSeriesOption } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import type {
  GridComponentOption,
  LegendComponentOption,
  TooltipComponentOption,
} from 'echarts/components';
import { init, use } from 'echarts/core';
import type { ComposeOption, ECharts } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

type Option = ComposeOption<
  BarSeriesOption | LineSeriesOption | GridComponentOption | LegendComponentOption | TooltipComponentOption
>;

// One series of a chart: a value per category (null: none, e.g. a rate of nothing).
export interface Series {
  name: string;
  kind: 'bar' | 'line';
  values: (number | null)[];
  stack?: string;  // bars of one stack are drawn on top of one another
}

// What a chart shows: the categories along one axis (periods, root causes, stages) and its
// series. The figure's data table is made from the same spec.
export interface ChartSpec {
  categories: string[];
  series: Series[];
  unit?: string;  // of every value, e.g. '%'
  // Categories down the side, bars across: for named categories, whose labels would not
  // fit side by side under the bars.
  horizontal?: boolean;
}

// Okabe–Ito without its yellow (too faint on white): told apart by people with the common
// colour-vision deficiencies.
const palette = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#000000', '#999999'];

function optionOf(spec: ChartSpec): Option {
  const unit = spec.unit ?? '';
  // Counts get whole-number ticks.
  const whole = spec.series.every((s) => s.values.every((v) => v == null || Number.isInteger(v)));
  const values = { type: 'value' as const, minInterval: whole ? 1 : undefined, axisLabel: { formatter: `{value}${unit}` } };
  const categories = { type: 'category' as const, data: spec.categories, inverse: spec.horizontal };
  return {
    color: palette,
    animation: false,
    grid: { left: 48, right: 16, top: 40, bottom: 32 },
    legend: { type: 'scroll', top: 0 },
    tooltip: {
      trigger: 'axis',
      renderMode: 'richText',
      valueFormatter: (value) => (value == null ? '—' : `${value}${unit}`),
    },
    xAxis: spec.horizontal ? values : categories,
    yAxis: spec.horizontal ? categories : values,
    series: spec.series.map((s) =>
      s.kind === 'bar'
        ? { type: 'bar', name: s.name, data: s.values, stack: s.stack }
        : { type: 'line', name: s.name, data: s.values, connectNulls: false, symbolSize: 6 },
    ),
  };
}

export interface DrawnChart {
  update(spec: ChartSpec): void;
  dispose(): void;
}

// Draws `spec` into `element`, redrawn at the element's size whenever that changes.
export function draw(element: HTMLElement, spec: ChartSpec): DrawnChart {
  const chart: ECharts = init(element, undefined, { renderer: 'canvas' });
  chart.setOption(optionOf(spec));
  const resized = new ResizeObserver(() => chart.resize());
  resized.observe(element);
  return {
    update: (next) => chart.setOption(optionOf(next), { notMerge: true }),
    dispose: () => {
      resized.disconnect();
      chart.dispose();
    },
  };
}
