// Topic page: per-node queue table, channel table, admin actions, graphs.
import { h, frag, notice, pausedBadge, ephemeralBadge } from './dom.js';
import { links } from './api.js';
import * as fmt from './fmt.js';
import { columns, headCells, groupCells, rowCells, sparkCells, sortRows, sortGetters } from './table.js';
import { historyPanel, latest } from './history.js';
import { graphActive, topicTarget, channelTarget, e2eTarget, rateCell, isCounter } from './graphite.js';
import { nodeLink, quantiles, percentileColumn, memDisk, tombstoneButton, actionButtons, statCards } from './parts.js';
import { tabs, onMessagesTab, messagesPanel } from './view-messages.js';
import { topicPolicy } from './policy.js';

const enc = encodeURIComponent;

export default {
  async load(ctx) {
    const [t] = ctx.params;
    const [topic, hist, cfg] = await Promise.all([
      ctx.get(`/api/topics/${enc(t)}`),
      graphActive() ? null : ctx.optional(`/api/history?topic=${enc(t)}`),
      ctx.optional(`/api/topic/config?topic=${enc(t)}`),
    ]);
    return { topic, hist, cfg };
  },

  render({ topic, hist, cfg }, ctx) {
    const [name] = ctx.params;
    const nodes = topic.nodes || [];
    const head = frag(
      h('nav', { class: 'breadcrumb' }, h('a', { href: links.streams(), class: 'link' }, 'Streams'), h('span', {},
        name)),
      h('div', { class: 'page-head' },
        h('h2', {}, 'Topic: ', h('span', { class: 'name' }, name), ' ', ephemeralBadge(name), ' ',
          pausedBadge(topic.paused)),
        actionButtons(ctx, `/api/topics/${enc(name)}`, name, [
          ['Empty Queue', 'empty', 'btn-warn'],
          ['Delete Topic', 'delete', 'btn-danger'],
          topic.paused ? ['UnPause Topic', 'unpause', 'btn-ok'] : ['Pause Topic', 'pause'],
        ], () => ctx.navigate(links.streams()))));
    if (!nodes.length) {
      return frag(head, notice(h('strong', {}, 'No producers exist for this topic. '),
        'See ', h('a', { href: links.lookup(), class: 'link' }, 'Lookup'), ' for topics known only to nsqlookupd.'));
    }
    if (onMessagesTab(ctx)) return frag(head, tabs(ctx), messagesPanel(ctx, name, ''));
    const rate = hist ? latest(hist.points).rate : null;
    return frag(head, tabs(ctx),
      statCards([['Depth', fmt.num(topic.depth)], ['Messages', fmt.num(topic.message_count)],
        ['Rate', rate == null ? '–' : `${fmt.rate(rate)}/s`], ['Channels', fmt.num((topic.channels || []).length)],
          ['Nodes', fmt.num(nodes.length)]]),
      graphActive() ? null : historyPanel(`topic:${name}`, hist),
      topicPolicy(ctx, name, cfg),
      nodeTable(ctx, name, topic),
      channelTable(ctx, name, topic));
  },
};

function nodeTable(ctx, name, topic) {
  const g = graphActive();
  const target = (node, key) => topicTarget(node, name, key);
  const channels = (n) => (n.channels || []).length;
  const host = (n) => [tombstoneButton(ctx, n.node, name), ' ', nodeLink(n.node, n.hostname), ' ',
    pausedBadge(n.paused)];
  const cols = columns(
    { key: 'host', head: 'NSQd Host', sort: (n) => n.hostname || n.node, cell: (n,
      total) => (total ? 'Total:' : host(n)) },
    { key: 'depth', head: 'Depth', num: true, sort: (n) => n.depth, cell: (n) => fmt.num(n.depth),
      spark: (node) => target(node, 'depth'), sparkStyle: { color: 'red' } },
    { key: 'memory', head: 'Memory + Disk', num: true, cell: memDisk },
    { key: 'messages', head: 'Messages', num: true, sort: (n) => n.message_count, cell: (n) => fmt.num(n.message_count),
      spark: (node) => target(node, 'message_count'), sparkStyle: { counter: true } },
    g && { key: 'rate', head: 'Rate', num: true, td: (n, total) => rateCell(target(total ? '*' : n.node,
      'message_count')) },
    { key: 'channels', head: 'Channels', num: true, sort: channels, cell: (n) => fmt.num(channels(n)) },
    percentileColumn(quantiles(topic.e2e_processing_latency), (q, node) => e2eTarget(node, name, '', q)));
  const graphRow = (node) => g && h('tr', { class: 'graph-row' }, sparkCells(cols, node));
  return frag(h('h3', {}, 'Topic Message Queue'),
    h('table', { class: 'table', id: 'topic-nodes' },
      h('thead', {},
        cols.some((c) => c.group) ? h('tr', { class: 'group' }, groupCells(cols)) : null,
        h('tr', {}, headCells(ctx, 'nodes', cols))),
      h('tbody', {}, sortRows(ctx, 'nodes', topic.nodes, sortGetters(cols)).map((n) => [
        h('tr', { 'data-node': n.node }, rowCells(cols, n, false)),
        graphRow(n.node)])),
      h('tfoot', {}, h('tr', { class: 'total' }, rowCells(cols, topic, true)), graphRow('*'))));
}

function channelTable(ctx, name, topic) {
  const chans = topic.channels || [];
  if (!chans.length) {
    return frag(h('h3', {}, 'Channel Message Queues'),
      notice(h('strong', {}, 'No channels. '), 'Messages queue at the topic until a channel is created.'));
  }
  const g = graphActive();
  const stat = (key, head, field, color, metric = field) => ({
    key, head, num: true, sort: (c) => c[field] || 0, cell: (c) => fmt.num(c[field]),
    spark: (c) => channelTarget('*', name, c.channel_name, metric), sparkStyle: { color, counter: isCounter(metric) },
  });
  const link = (c) => h('a', { href: links.channel(name, c.channel_name), class: 'link' }, c.channel_name);
  const cols = columns(
    { key: 'name', head: 'Channel', sort: (c) => c.channel_name,
      cell: (c) => [link(c), ' ', ephemeralBadge(c.channel_name), ' ', pausedBadge(c.paused)] },
    stat('depth', 'Depth', 'depth', 'red'),
    { key: 'memory', head: 'Memory + Disk', num: true, sort: (c) => c.memory_depth || 0, cell: memDisk },
    stat('in_flight', 'In-Flight', 'in_flight_count'),
    stat('deferred', 'Deferred', 'deferred_count', 'red'),
    stat('requeued', 'Requeued', 'requeue_count'),
    stat('timed_out', 'Timed Out', 'timeout_count'),
    stat('messages', 'Messages', 'message_count'),
    stat('clients', 'Connections', 'client_count', 'blue', 'clients'),
    percentileColumn(quantiles(topic.e2e_processing_latency), (q, c) => e2eTarget('*', name, c.channel_name, q)));
  return frag(h('h3', {}, 'Channel Message Queues'),
    h('table', { class: 'table', id: 'topic-channels' },
      h('thead', {},
        cols.some((c) => c.group) ? h('tr', { class: 'group' }, groupCells(cols)) : null,
        h('tr', {}, headCells(ctx, 'channels', cols))),
      h('tbody', {}, sortRows(ctx, 'channels', chans, sortGetters(cols)).map((c) => [
        h('tr', { 'data-channel': c.channel_name }, rowCells(cols, c)),
        g && h('tr', { class: 'graph-row' }, sparkCells(cols, c)),
      ]))));
}
