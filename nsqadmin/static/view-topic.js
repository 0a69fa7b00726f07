// Topic page: per-node queue table, channel table, admin actions, graphs.
import { h, frag, notice, pausedBadge, ephemeralBadge } from './dom.js';
import { links } from './api.js';
import * as fmt from './fmt.js';
import { sortHeader, numHeader, sortRows, numCell } from './table.js';
import { historyPanel, latest } from './history.js';
import { graphActive, spark, topicTarget, channelTarget, e2eTarget, rateCell, isCounter } from './graphite.js';
import { nodeLink, quantiles, percentileHeaders, percentileCells, memDisk, tombstoneButton, actionButtons, statCards } from './parts.js';
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
      h('nav', { class: 'breadcrumb' }, h('a', { href: links.streams(), class: 'link' }, 'Streams'), h('span', {}, name)),
      h('div', { class: 'page-head' },
        h('h2', {}, 'Topic: ', h('span', { class: 'name' }, name), ' ', ephemeralBadge(name), ' ', pausedBadge(topic.paused)),
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
        ['Rate', rate == null ? '–' : `${fmt.rate(rate)}/s`], ['Channels', fmt.num((topic.channels || []).length)], ['Nodes', fmt.num(nodes.length)]]),
      graphActive() ? null : historyPanel(`topic:${name}`, hist),
      topicPolicy(ctx, name, cfg),
      nodeTable(ctx, name, topic),
      channelTable(ctx, name, topic));
  },
};

function nodeTable(ctx, name, topic) {
  const qs = quantiles(topic.e2e_processing_latency);
  const g = graphActive();
  const rows = sortRows(ctx, 'nodes', topic.nodes, {
    host: (n) => n.hostname || n.node, depth: (n) => n.depth, messages: (n) => n.message_count, channels: (n) => (n.channels || []).length,
  });
  const cells = (n, total) => [
    numCell(fmt.num(n.depth), { 'data-col': 'depth' }),
    numCell(memDisk(n)),
    numCell(fmt.num(n.message_count), { 'data-col': 'messages' }),
    g ? rateCell(topicTarget(total ? '*' : n.node, name, 'message_count')) : null,
    numCell(fmt.num((n.channels || []).length)),
    percentileCells(n.e2e_processing_latency, qs),
  ];
  const graphRow = (node) => g && h('tr', { class: 'graph-row' }, h('td'),
    h('td', {}, spark(topicTarget(node, name, 'depth'), { color: 'red' })), h('td'),
    h('td', {}, spark(topicTarget(node, name, 'message_count'), { counter: true })), h('td'), h('td'),
    qs.length ? h('td', { colspan: qs.length }, spark(qs.map((q) => e2eTarget(node, name, '', q)))) : null);
  return frag(h('h3', {}, 'Topic Message Queue'),
    h('table', { class: 'table', id: 'topic-nodes' },
      h('thead', {},
        qs.length ? h('tr', { class: 'group' }, h('th', { colspan: g ? 6 : 5 }), h('th', { colspan: qs.length, class: 'num' }, 'E2E Processing Latency')) : null,
        h('tr', {}, sortHeader(ctx, 'nodes', 'host', 'NSQd Host'), numHeader(ctx, 'nodes', 'depth', 'Depth'),
          h('th', { class: 'num' }, 'Memory + Disk'), numHeader(ctx, 'nodes', 'messages', 'Messages'),
          g ? h('th', { class: 'num' }, 'Rate') : null, numHeader(ctx, 'nodes', 'channels', 'Channels'), percentileHeaders(qs))),
      h('tbody', {}, rows.map((n) => [
        h('tr', { 'data-node': n.node },
          h('td', {}, tombstoneButton(ctx, n.node, name), ' ', nodeLink(n.node, n.hostname), ' ', pausedBadge(n.paused)),
          cells(n, false)),
        graphRow(n.node)])),
      h('tfoot', {}, h('tr', { class: 'total' }, h('td', {}, 'Total:'), cells(topic, true)), graphRow('*'))));
}

function channelTable(ctx, name, topic) {
  const chans = topic.channels || [];
  if (!chans.length) {
    return frag(h('h3', {}, 'Channel Message Queues'),
      notice(h('strong', {}, 'No channels. '), 'Messages queue at the topic until a channel is created.'));
  }
  const qs = quantiles(topic.e2e_processing_latency);
  const g = graphActive();
  const keys = { depth: 'depth', memory: 'memory_depth', inflight: 'in_flight_count', deferred: 'deferred_count', requeued: 'requeue_count', timedout: 'timeout_count', messages: 'message_count', clients: 'client_count' };
  const getters = { name: (c) => c.channel_name };
  for (const [k, f] of Object.entries(keys)) getters[k] = (c) => c[f] || 0;
  const rows = sortRows(ctx, 'channels', chans, getters);
  const graphKeys = [['depth', 'red'], null, ['in_flight_count'], ['deferred_count', 'red'], ['requeue_count'], ['timeout_count'], ['message_count'], ['clients']];
  return frag(h('h3', {}, 'Channel Message Queues'),
    h('table', { class: 'table', id: 'topic-channels' },
      h('thead', {},
        qs.length ? h('tr', { class: 'group' }, h('th', { colspan: 9 }), h('th', { colspan: qs.length, class: 'num' }, 'E2E Processing Latency')) : null,
        h('tr', {}, sortHeader(ctx, 'channels', 'name', 'Channel'),
          numHeader(ctx, 'channels', 'depth', 'Depth'), numHeader(ctx, 'channels', 'memory', 'Memory + Disk'),
          numHeader(ctx, 'channels', 'inflight', 'In-Flight'), numHeader(ctx, 'channels', 'deferred', 'Deferred'),
          numHeader(ctx, 'channels', 'requeued', 'Requeued'), numHeader(ctx, 'channels', 'timedout', 'Timed Out'),
          numHeader(ctx, 'channels', 'messages', 'Messages'), numHeader(ctx, 'channels', 'clients', 'Connections'),
          percentileHeaders(qs))),
      h('tbody', {}, rows.map((c) => [
        h('tr', { 'data-channel': c.channel_name },
          h('td', {}, h('a', { href: links.channel(name, c.channel_name), class: 'link' }, c.channel_name), ' ', ephemeralBadge(c.channel_name), ' ', pausedBadge(c.paused)),
          numCell(fmt.num(c.depth), { 'data-col': 'depth' }), numCell(memDisk(c)),
          numCell(fmt.num(c.in_flight_count), { 'data-col': 'in_flight' }), numCell(fmt.num(c.deferred_count)),
          numCell(fmt.num(c.requeue_count), { 'data-col': 'requeued' }), numCell(fmt.num(c.timeout_count), { 'data-col': 'timed_out' }),
          numCell(fmt.num(c.message_count), { 'data-col': 'messages' }), numCell(fmt.num(c.client_count), { 'data-col': 'clients' }),
          percentileCells(c.e2e_processing_latency, qs)),
        g && h('tr', { class: 'graph-row' }, h('td'),
          graphKeys.map((k) => h('td', {}, k && spark(channelTarget('*', name, c.channel_name, k[0]), { color: k[1] || 'blue', counter: isCounter(k[0]) }))),
          qs.length ? h('td', { colspan: qs.length }, spark(qs.map((q) => e2eTarget('*', name, c.channel_name, q)))) : null),
      ]))));
}
