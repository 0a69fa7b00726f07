import { h } from './dom.js';
import { chart, COLORS } from './charts.js';

// Turns /api/history points into chart series. Counters (messages,
// requeued, timed_out) are cumulative, so rates come from consecutive
// points; a counter going backwards (restart, delete) yields a gap.
export function historySeries(points) {
  const s = { ts: [], depth: [], inFlight: [], deferred: [], clients: [], msgRate: [], requeueRate: [],
    timeoutRate: [] };
  (points || []).forEach((p, i) => {
    const prev = points[i - 1];
    s.ts.push(p.ts);
    s.depth.push(p.depth ?? null);
    s.inFlight.push(p.in_flight ?? null);
    s.deferred.push(p.deferred ?? null);
    s.clients.push(p.clients ?? null);
    s.msgRate.push(rateOf(prev, p, 'messages'));
    s.requeueRate.push(rateOf(prev, p, 'requeued'));
    s.timeoutRate.push(rateOf(prev, p, 'timed_out'));
  });
  return s;
}

function rateOf(prev, p, key) {
  if (!prev || p[key] == null || prev[key] == null) return null;
  const dt = p.ts - prev.ts;
  const dv = p[key] - prev[key];
  if (dt <= 0 || dv < 0) return null;
  return dv / dt;
}

// Latest values for list columns: depth, messages and the last known rate.
export function latest(points) {
  if (!points || !points.length) return { depth: null, messages: null, rate: null };
  const last = points[points.length - 1];
  const rates = historySeries(points.slice(-2)).msgRate;
  return { depth: last.depth, messages: last.messages, rate: rates[rates.length - 1] };
}

// The graphs panel of the topic, channel and node pages, drawn from
// nsqadmin's own sampled history (no Graphite needed).

export function historyPanel(key, hist) {
  if (!hist) return h('p', { class: 'muted graphs-note' }, 'History unavailable.');
  const pts = hist.points || [];
  const s = historySeries(pts);
  const every = hist.interval ? ` every ${hist.interval}s` : '';
  return h('section', { class: 'graphs', 'data-history': key },
    h('div', { class: 'graphs-head' }, h('h3', {}, 'Recent activity'),
      h('span', { class: 'muted' },
        pts.length < 2 ? `Collecting samples${every}…` : `${pts.length} samples${every}`)),
    h('div', { class: 'graph-grid' },
      chart(`${key}:rate`, { title: 'Message rate (msg/s)', rate: true, data: [s.ts, s.msgRate],
        series: [{ label: 'messages/s', color: COLORS.blue, fill: true }] }),
      chart(`${key}:depth`, { title: 'Depth', data: [s.ts, s.depth, s.inFlight, s.deferred],
        series: [{ label: 'depth', color: COLORS.red, fill: true }, { label: 'in-flight', color: COLORS.green },
          { label: 'deferred', color: COLORS.purple }] }),
      chart(`${key}:requeue`, { title: 'Requeues & timeouts (msg/s)', rate: true,
        data: [s.ts, s.requeueRate, s.timeoutRate],
        series: [{ label: 'requeued/s', color: COLORS.orange }, { label: 'timed out/s', color: COLORS.red }] })));
}

export function sparkline(key, points, color = COLORS.blue) {
  const s = historySeries(points);
  return chart(key, { spark: true, data: [s.ts, s.msgRate], series: [{ label: 'messages/s', color }] });
}
