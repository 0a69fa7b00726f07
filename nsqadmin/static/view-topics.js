// Streams: the list of topics, with depth, message count, rate and a rate
// sparkline from nsqadmin's history (or Graphite sparklines when enabled).
import { h, frag, notice, ephemeralBadge } from './dom.js';
import { links } from './api.js';
import * as fmt from './fmt.js';
import { columns, headCells, rowCells, sortRows, sortGetters } from './table.js';
import { latest, sparkline } from './history.js';
import { graphActive, spark, topicTarget, rateCell } from './graphite.js';

export default {
  async load(ctx) {
    const [list, hist] = await Promise.all([ctx.get('/api/topics'),
      graphActive() ? null : ctx.optional('/api/history')]);
    return { topics: list.topics || [], hist };
  },

  render({ topics, hist }, ctx) {
    const title = h('h2', {}, 'Topics');
    if (!topics.length) return frag(title, notice('No Topics Found'));
    if (graphActive()) return frag(title, graphiteTable(topics));
    const series = (hist && hist.topics) || {};
    const rows = topics.map((name) => ({ name, points: series[name] || [], ...latest(series[name]) }));
    const cols = columns(
      { key: 'name', head: 'Topic', sort: (r) => r.name,
        cell: (r) => [h('a', { href: links.topic(r.name), class: 'link' }, r.name), ' ', ephemeralBadge(r.name)] },
      { key: 'depth', head: 'Depth', num: true, sort: (r) => r.depth ?? -1, cell: (r) => fmt.num(r.depth) },
      { key: 'messages', head: 'Messages', num: true, sort: (r) => r.messages ?? -1, cell: (r) => fmt.num(r.messages) },
      { key: 'rate', head: 'Rate', num: true, sort: (r) => r.rate ?? -1, attrs: { title: 'Messages per second (sort)' },
        cell: (r) => (r.rate == null ? '–' : `${fmt.rate(r.rate)}/s`) },
      { key: 'activity', head: () => h('th', { class: 'spark-col' }, hist ? 'Activity' : ''),
        td: (r) => h('td', { class: 'spark-col' }, hist ? sparkline(`topics:${r.name}`, r.points) : null) });
    return frag(title,
      h('table', { class: 'table', id: 'topics-table' },
        h('thead', {}, h('tr', {}, headCells(ctx, 'topics', cols))),
        h('tbody', {}, sortRows(ctx, 'topics', rows, sortGetters(cols)).map((r) =>
          h('tr', { 'data-topic': r.name }, rowCells(cols, r))))));
  },
};

function graphiteTable(topics) {
  const cols = columns(
    { key: 'name', head: 'Topic', cell: (t) => [h('a', { href: links.topic(t), class: 'link' }, t), ' ',
      ephemeralBadge(t)] },
    { key: 'depth', head: 'Depth', cell: (t) => spark(topicTarget('*', t, 'depth'), { color: 'red' }) },
    { key: 'messages', head: 'Messages', cell: (t) => spark(topicTarget('*', t, 'message_count'), { counter: true }) },
    { key: 'rate', head: 'Rate', num: true, td: (t) => rateCell(topicTarget('*', t, 'message_count')) });
  return h('table', { class: 'table', id: 'topics-table' },
    h('thead', {}, h('tr', {}, headCells(null, 'topics', cols))),
    h('tbody', {}, topics.map((t) => h('tr', { 'data-topic': t }, rowCells(cols, t)))));
}
