/**
 * The cost-against-N chart, rendered to SVG by Vega in Node (no canvas, no browser): one panel per
 * measure, log-log, the schema's cost (rules on) against the floor. A straight line of slope 1 is
 * linear growth; the vertical gap between the two lines is the ratio.
 */

export interface ChartPoint {
  measure: string;
  side: 'with the rules' | 'floor';
  n: number;
  ms: number;
}

const WIDTH = 330;
const HEIGHT = 240;

export async function renderCostChart(points: ChartPoint[], title: string): Promise<string> {
  // vega is an ES module with top-level await: load it with import(), not require().
  const vega = await import('vega');
  const sorted = [...points].sort((a, b) => a.measure.localeCompare(b.measure) || a.n - b.n);
  const spec = {
    $schema: 'https://vega.github.io/schema/vega/v6.json',
    background: 'white',
    padding: 12,
    title: { text: title, fontSize: 14, anchor: 'start', offset: 12 },
    data: [{ name: 'points', values: sorted }],
    layout: { columns: 2, padding: 36, bounds: 'full', align: 'each' },
    scales: [
      {
        name: 'color',
        type: 'ordinal',
        domain: ['with the rules', 'floor'],
        range: ['#d62728', '#1f77b4'],
      },
      {
        name: 'dash',
        type: 'ordinal',
        domain: ['with the rules', 'floor'],
        range: [[1, 0], [6, 4]],
      },
    ],
    legends: [
      {
        stroke: 'color',
        strokeDash: 'dash',
        orient: 'bottom',
        direction: 'horizontal',
        title: 'median of the runs',
        symbolType: 'stroke',
        symbolSize: 400,
      },
    ],
    marks: [
      {
        type: 'group',
        from: { facet: { name: 'panel', data: 'points', groupby: 'measure' } },
        sort: { field: 'datum.measure', order: 'ascending' },
        title: { text: { signal: 'parent.measure' }, fontSize: 12, anchor: 'start' },
        encode: { update: { width: { value: WIDTH }, height: { value: HEIGHT } } },
        scales: [
          { name: 'x', type: 'log', domain: { data: 'panel', field: 'n' }, range: [0, WIDTH], nice: true },
          { name: 'y', type: 'log', domain: { data: 'panel', field: 'ms' }, range: [HEIGHT, 0], nice: true },
        ],
        axes: [
          { orient: 'bottom', scale: 'x', title: 'N (templates)', grid: true, format: '~s', tickCount: 4 },
          { orient: 'left', scale: 'y', title: 'ms (log scale)', grid: true, format: '~s' },
        ],
        marks: [
          {
            type: 'group',
            from: { facet: { name: 'series', data: 'panel', groupby: 'side' } },
            marks: [
              {
                type: 'line',
                from: { data: 'series' },
                encode: {
                  enter: {
                    x: { scale: 'x', field: 'n' },
                    y: { scale: 'y', field: 'ms' },
                    stroke: { scale: 'color', field: 'side' },
                    strokeDash: { scale: 'dash', field: 'side' },
                    strokeWidth: { value: 2 },
                  },
                },
              },
              {
                type: 'symbol',
                from: { data: 'series' },
                encode: {
                  enter: {
                    x: { scale: 'x', field: 'n' },
                    y: { scale: 'y', field: 'ms' },
                    fill: { scale: 'color', field: 'side' },
                    size: { value: 36 },
                    tooltip: { signal: "datum.side + ': ' + format(datum.ms, '.3~f') + ' ms at N=' + datum.n" },
                  },
                },
              },
            ],
          },
        ],
      },
    ],
  };
  const view = new vega.View(vega.parse(spec as never), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
