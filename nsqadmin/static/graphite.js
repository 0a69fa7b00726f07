// Graphite sparklines, large graphs and rate cells, used only when
// nsqadmin runs with --graphite-url. Target naming follows nsqd's statsd
// keys: <counter|gauge format>(<prefix>topic.<t>[.channel.<c>].<key>).
import { h } from './dom.js';
import { url } from './api.js';

export const INTERVALS = ['1h', '2h', '12h', '24h', '48h', '168h', 'off'];

let interval = initialInterval();

function initialInterval() {
  const q = new URLSearchParams(location.search).get('t');
  if (q) return q;
  try { if (localStorage.graph_interval) return localStorage.graph_interval; } catch { /* storage disabled */ }
  return window.GRAPH_ENABLED ? '2h' : 'off';
}

export const graphInterval = () => interval;
export const graphActive = () => !!window.GRAPH_ENABLED && interval !== 'off';
export function setGraphInterval(v) {
  interval = v;
  try { localStorage.graph_interval = v; } catch { /* storage disabled */ }
}

const GAUGE = new RegExp('^(depth|in_flight_count|deferred_count|clients|.*_bytes|gc_pause_.*|heap_objects|' +
  'e2e_processing_latency.*)$');
const nodeKey = (node) => (node === '*' ? '*' : node.replace(/[.:]/g, '_'));
const prefix = (node) => window.STATSD_PREFIX.replaceAll('%s', nodeKey(node)) + '.';
const safe = (s) => String(s).replace(/ /g, '_').replace(/\//g, '-').replace(/[^a-zA-Z0-9._-]/g, '');
const applyFmt = (f, x) => (f ? f.replaceAll('%s', x) : x);
const wrap = (key, full) => applyFmt(GAUGE.test(key) ? window.STATSD_GAUGE_FORMAT : window.STATSD_COUNTER_FORMAT, full);
export const isCounter = (key) => !GAUGE.test(key);

export const topicTarget = (node, t, key) => `sumSeries(${wrap(key, `${prefix(node)}topic.${safe(t)}.${key}`)})`;
export const channelTarget = (node, t, c, key) =>
  `sumSeries(${wrap(key, `${prefix(node)}topic.${safe(t)}.channel.${safe(c)}.${key}`)})`;
export const nodeTarget = (node, key) =>
  key === 'gc_runs' ? wrap(key, `movingAverage(${prefix(node)}mem.gc_runs,45)`)
    : wrap(key, `${prefix(node)}mem.${key}`);
export const counterTarget = () => `sumSeries(${applyFmt(window.STATSD_COUNTER_FORMAT,
  `${prefix('*')}topic.*.channel.*.message_count`)})`;

export function e2eTarget(node, t, c, q) {
  let base = `${prefix(node)}topic.${t}${c ? `.channel.${c}` : ''}.e2e_processing_latency_${Math.round(q * 100)}`;
  if (node === '*') base = `averageSeries(${base})`;
  return `scale(${applyFmt(window.STATSD_GAUGE_FORMAT, base)},0.000001)`;
}

const render = () => (window.GRAPHITE_URL ? `${window.GRAPHITE_URL}/render` : url('/render'));

function query(params, targets) {
  const q = new URLSearchParams(params);
  for (const t of targets) q.append('target', t);
  return `${render()}?${q}`;
}

const common = () => ({ yMin: 0, lineMode: 'connected', drawNullAsZero: 'false', from: `-${interval}`,
  until: '-1min' });

export function largeUrl(targets, counter) {
  const wrapT = (t) => (counter ? `scale(${t},${1 / window.STATSD_INTERVAL})` : t);
  return query({ height: 450, width: 800, bgcolor: 'ff000000', fgcolor: '999999', ...common() }, targets.map(wrapT));
}

// A 120x20 sparkline image linking to the large graph.
export function spark(targets, { color = 'blue', counter = false } = {}) {
  targets = [].concat(targets);
  const src = query({ colorList: color, height: 20, width: 120, hideGrid: 'true', hideLegend: 'true', hideAxes: 'true',
    bgcolor: 'ff000000', fgcolor: 'black', margin: 0, ...common() },
  targets.map((t) => `summarize(${t},"${window.STATSD_INTERVAL}sec","avg")`));
  const img = h('img', { class: 'graphite-spark', src, width: 120, height: 20, alt: '',
    onerror: (e) => e.target.classList.add('broken') });
  return h('a', { href: largeUrl(targets, counter), target: '_blank', rel: 'noopener' }, img);
}

export function largeGraph(title, targets, counter) {
  return h('figure', { class: 'graphite-large' }, h('figcaption', {}, title),
    h('img', { src: largeUrl([].concat(targets), counter), alt: title }));
}

// Rate cells: <td class="rate" data-target="..."> filled from graphite's
// render?format=json. The answer is read as JSON with fetch, never loaded
// as a script: a graphite at another origin then needs CORS headers, or
// nsqadmin's --proxy-graphite.
export const rateCell = (target) => h('td', { class: 'num rate', 'data-target': target }, '…');

const rateCache = new Map();

export function fillRates(root) {
  for (const td of root.querySelectorAll('td.rate[data-target]')) {
    const target = td.dataset.target;
    const hit = rateCache.get(target);
    if (hit && Date.now() - hit.at < window.STATSD_INTERVAL * 1000) { td.textContent = hit.text; continue; }
    const i = window.STATSD_INTERVAL;
    getJSON(query({ from: `-${2 * i}sec`, until: `-${i}sec`, format: 'json' }, [target]))
      .then((data) => {
        const v = data?.[0]?.datapoints?.[0]?.[0];
        return v == null || v < 0 ? 'N/A' : (v / i).toFixed(2);
      }, () => 'ERROR')
      .then((text) => { rateCache.set(target, { text, at: Date.now() }); td.textContent = text; });
  }
}

async function getJSON(src) {
  const r = await fetch(src, { signal: AbortSignal.timeout(10000) });
  if (!r.ok) throw new Error(`graphite: ${r.status}`);
  return r.json();
}
