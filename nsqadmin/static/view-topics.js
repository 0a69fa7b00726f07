// Streams: the list of topics, with depth, message count, rate and a rate
// sparkline from nsqadmin's history (or Graphite sparklines when enabled).
import { h, frag, notice, ephemeralBadge } from './dom.js';
import { links } from './api.js';
import * as fmt from './fmt.js';
import { sortHeader, numHeader, sortRows, numCell } from './table.js';
import { latest, sparkline } from './history.js';
import { graphActive, spark, topicTarget, rateCell } from './graphite.js';

export default {
  async load(ctx) {
    const [list, hist] = await Promise.all([ctx.get('/api/topics'), graphActive() ? null : ctx.optional('/api/history')]);
    return { topics: list.topics || [], hist };
  },

  render({ topics, hist }, ctx) {
    const title = h('h2', {}, 'Topics');
    if (!topics.length) return frag(title, notice('No Topics Found'));
    if (graphActive()) return frag(title, graphiteTable(topics));
    const series = (hist && hist.topics) || {};
    const rows = topics.map((name) => ({ name, points: series[name] || [], ...latest(series[name]) }));
    const sorted = sortRows(ctx, 'topics', rows, {
      name: (r) => r.name, depth: (r) => r.depth ?? -1, messages: (r) => r.messages ?? -1, rate: (r) => r.rate ?? -1,
    });
    return frag(title,
      h('table', { class: 'table', id: 'topics-table' },
        h('thead', {}, h('tr', {},
          sortHeader(ctx, 'topics', 'name', 'Topic'),
          numHeader(ctx, 'topics', 'depth', 'Depth'),
          numHeader(ctx, 'topics', 'messages', 'Messages'),
          numHeader(ctx, 'topics', 'rate', 'Rate', { title: 'Messages per second (sort)' }),
          h('th', { class: 'spark-col' }, hist ? 'Activity' : ''))),
        h('tbody', {}, sorted.map((r) => h('tr', { 'data-topic': r.name },
          h('td', {}, h('a', { href: links.topic(r.name), class: 'link' }, r.name), ' ', ephemeralBadge(r.name)),
          numCell(fmt.num(r.depth), { 'data-col': 'depth' }),
          numCell(fmt.num(r.messages), { 'data-col': 'messages' }),
          numCell(r.rate == null ? '–' : `${fmt.rate(r.rate)}/s`, { 'data-col': 'rate' }),
          h('td', { class: 'spark-col' }, hist ? sparkline(`topics:${r.name}`, r.points) : null))))));
  },
};

function graphiteTable(topics) {
  return h('table', { class: 'table', id: 'topics-table' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Topic'), h('th', {}, 'Depth'), h('th', {}, 'Messages'), h('th', { class: 'num' }, 'Rate'))),
    h('tbody', {}, topics.map((t) => h('tr', { 'data-topic': t },
      h('td', {}, h('a', { href: links.topic(t), class: 'link' }, t), ' ', ephemeralBadge(t)),
      h('td', {}, spark(topicTarget('*', t, 'depth'), { color: 'red' })),
      h('td', {}, spark(topicTarget('*', t, 'message_count'), { counter: true })),
      rateCell(topicTarget('*', t, 'message_count'))))));
}
