// uPlot charts that survive re-renders. A view asks for chart(key, ...)
// while building its DOM; the same key hands back the same element with
// its data replaced, so the periodic refresh does not flicker or reset
// the cursor. Charts not asked for during a render are destroyed.
import { h } from './dom.js';
import * as fmt from './fmt.js';

const live = new Map(); // key -> { root, plot, spec, gen }
let gen = 0;

export const COLORS = { blue: '#1f6feb', green: '#2da44e', orange: '#d4762c', red: '#cf222e', purple: '#8250df',
  gray: '#6e7781' };

export function beginRender() { gen++; }

// Called once the new view is in the document, so widths are known.
export function endRender() {
  for (const [key, c] of live) {
    if (c.gen !== gen) {
      if (c.plot) c.plot.destroy();
      live.delete(key);
    } else if (!c.plot) {
      create(c);
    } else {
      c.plot.setData(c.spec.data);
      fit(c);
    }
  }
}

// chart(key, {title, series: [{label, color}], data: [xs, ...ys], spark})
export function chart(key, spec) {
  const n = spec.data[0].length;
  let c = live.get(key);
  if (!c) {
    c = { root: null, plot: null };
    c.root = spec.spark
      ? h('span', { class: 'spark', 'data-chart': key })
      : h('figure', { class: 'chart', 'data-chart': key }, h('figcaption', {}, spec.title),
        h('div', { class: 'plot' }));
    live.set(key, c);
  }
  c.spec = spec;
  c.gen = gen;
  c.root.dataset.points = String(n);
  if (!spec.spark) c.root.classList.toggle('empty', n < 2);
  return c.root;
}

function create(c) {
  const { spec } = c;
  const target = spec.spark ? c.root : c.root.querySelector('.plot');
  c.plot = new window.uPlot(spec.spark ? sparkOpts(spec) : fullOpts(spec, width(c)), spec.data, target);
}

function width(c) {
  return Math.max(200, (c.root.querySelector('.plot') || c.root).clientWidth || 320);
}

function fit(c) {
  if (c.spec.spark) return;
  const w = width(c);
  if (Math.abs(w - c.plot.width) > 2) c.plot.setSize({ width: w, height: c.plot.height });
}

window.addEventListener('resize', () => { for (const c of live.values()) if (c.plot) fit(c); });

const axisFont = '11px system-ui, sans-serif';
// Whole-second tick steps: samples are at least a second apart.
const TIME_INCRS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];
const pad = (n) => String(n).padStart(2, '0');
const clock = (ts) => {
  const d = new Date(ts * 1000);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
};
const zeroBased = (u, min, max) => [0, max > 0 ? max * 1.1 : 1];

function fullOpts(spec, w) {
  return {
    width: w,
    height: spec.height || 150,
    cursor: { drag: { x: false, y: false }, points: { size: 6 } },
    legend: { live: true },
    scales: { x: { time: true }, y: { range: zeroBased } },
    axes: [
      { stroke: '#57606a', font: axisFont, grid: { stroke: '#eaeef2', width: 1 }, ticks: { stroke: '#d0d7de' },
        space: 60, incrs: TIME_INCRS, values: (u, splits) => splits.map(clock) },
      { stroke: '#57606a', font: axisFont, size: 52, grid: { stroke: '#eaeef2', width: 1 }, ticks: { show: false },
        values: (u, vals) => vals.map(compact) },
    ],
    series: [{}, ...spec.series.map((s) => ({
      label: s.label,
      stroke: s.color,
      width: 1.5,
      fill: s.fill ? s.color + '22' : undefined,
      spanGaps: true,
      points: { show: spec.data[0].length < 3 },
      value: (u, v) => (v == null ? '–' : spec.rate ? fmt.rate(v) : fmt.num(Math.round(v))),
    }))],
  };
}

function sparkOpts(spec) {
  const s = spec.series[0];
  return {
    width: spec.width || 120,
    height: spec.height || 26,
    pxAlign: false,
    cursor: { show: false },
    select: { show: false },
    legend: { show: false },
    scales: { x: { time: false }, y: { range: zeroBased } },
    axes: [{ show: false }, { show: false }],
    series: [{}, { stroke: s.color, width: 1.25, fill: s.color + '26', spanGaps: true, points: { show: false } }],
  };
}

function compact(v) {
  if (v == null) return '';
  const a = Math.abs(v);
  if (a >= 1e9) return +(v / 1e9).toFixed(1) + 'G';
  if (a >= 1e6) return +(v / 1e6).toFixed(1) + 'M';
  if (a >= 1e3) return +(v / 1e3).toFixed(1) + 'k';
  return +v.toFixed(2) + '';
}
