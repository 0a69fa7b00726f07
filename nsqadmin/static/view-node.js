// Node page: one nsqd's topics, channels and clients, plus graphs.
import { h, frag, notice, pausedBadge, ephemeralBadge } from './dom.js';
import { links } from './api.js';
import * as fmt from './fmt.js';
import { numCell } from './table.js';
import { historyPanel } from './history.js';
import { graphActive, spark, largeGraph, nodeTarget, topicTarget, channelTarget } from './graphite.js';
import { memDisk, tombstoneButton, statCards, clientAttributes, clientHost } from './parts.js';
import { drainControls } from './policy.js';

export default {
  async load(ctx) {
    const [n] = ctx.params;
    const [node, hist, drain] = await Promise.all([
      ctx.get(`/api/nodes/${encodeURIComponent(n)}`),
      graphActive() ? null : ctx.optional(`/api/history?node=${encodeURIComponent(n)}`),
      ctx.optional(`/api/drain?node=${encodeURIComponent(n)}`),
    ]);
    return { node, hist, drain };
  },

  render({ node, hist, drain }, ctx) {
    const [name] = ctx.params;
    const topics = node.topics || [];
    const channels = topics.reduce((a, t) => a + (t.channels || []).length, 0);
    return frag(
      h('nav', { class: 'breadcrumb' }, h('a', { href: links.nodes(), class: 'link' }, 'Nodes'), h('span', {}, name)),
      h('div', { class: 'page-head' }, h('h2', {}, 'Node: ', h('span', { class: 'name' }, name)), drainControls(ctx, name, drain)),
      statCards([['Topics', fmt.num(topics.length)], ['Channels', fmt.num(channels)],
        ['Messages', fmt.num(node.total_messages)], ['Clients', fmt.num(node.total_clients)]]),
      graphActive() ? gcGraphs(name) : historyPanel(`node:${name}`, hist),
      topics.length ? topicsTable(ctx, name, node) : notice('No topics on this node.'));
  },
};

function gcGraphs(n) {
  const t = (keys) => keys.map((k) => nodeTarget(n, k));
  return h('div', { class: 'graphite-grid' },
    largeGraph('GC Pressure', t(['heap_in_use_bytes', 'heap_idle_bytes', 'heap_released_bytes', 'next_gc_bytes'])),
    largeGraph('GC Pause Percentiles', t(['gc_pause_usec_100', 'gc_pause_usec_99', 'gc_pause_usec_95'])),
    largeGraph('GC Runs', t(['gc_runs']), true),
    largeGraph('Heap Objects In-Use', t(['heap_objects'])));
}

const th = (...labels) => labels.map((l, i) => h('th', { class: i ? 'num' : '' }, l));

function topicsTable(ctx, n, node) {
  const g = graphActive();
  const body = [];
  for (const t of node.topics) {
    body.push(h('tr', { class: 'head-topic' }, th('Topic', 'Depth', 'Memory + Disk', 'Messages', 'Channels'), h('th', { colspan: 4 })));
    body.push(h('tr', { class: 'row-topic', 'data-topic': t.topic_name },
      h('td', {}, tombstoneButton(ctx, n, t.topic_name), ' ', h('a', { href: links.topic(t.topic_name), class: 'link' }, t.topic_name), ' ',
        ephemeralBadge(t.topic_name), ' ', pausedBadge(t.paused)),
      numCell([fmt.num(t.depth), g ? spark(topicTarget(n, t.topic_name, 'depth'), { color: 'red' }) : null], { 'data-col': 'depth' }),
      numCell(memDisk(t)),
      numCell([fmt.num(t.message_count), g ? spark(topicTarget(n, t.topic_name, 'message_count'), { counter: true }) : null], { 'data-col': 'messages' }),
      numCell(fmt.num((t.channels || []).length)), h('td', { colspan: 4 })));
    if (!(t.channels || []).length) {
      body.push(h('tr', {}, h('td', { colspan: 9 }, h('div', { class: 'alert alert-info slim' }, 'No channels on this topic.'))));
      continue;
    }
    for (const c of t.channels) channelRows(body, n, t, c, g);
  }
  return h('table', { class: 'table node-table', id: 'node-topics' },
    h('thead', {}, h('tr', {}, h('th', { colspan: 9 },
      `${fmt.num(node.topics.length)} Topics, ${fmt.num(node.total_messages)} Messages, ${fmt.num(node.total_clients)} Clients`))),
    h('tbody', {}, body));
}

function channelRows(body, n, t, c, g) {
  body.push(h('tr', { class: 'head-channel' }, th('Channel', 'Depth', 'Memory + Disk', 'In-Flight', 'Deferred', 'Requeued', 'Timed Out', 'Messages', 'Connections')));
  body.push(h('tr', { class: 'row-channel', 'data-channel': `${t.topic_name}/${c.channel_name}` },
    h('td', { class: 'indent' }, h('a', { href: links.channel(t.topic_name, c.channel_name), class: 'link' }, c.channel_name), ' ',
      ephemeralBadge(c.channel_name), ' ', pausedBadge(c.paused)),
    numCell([fmt.num(c.depth), g ? spark(channelTarget(n, t.topic_name, c.channel_name, 'depth'), { color: 'red' }) : null]),
    numCell(memDisk(c)), numCell(fmt.num(c.in_flight_count)), numCell(fmt.num(c.deferred_count)),
    numCell(fmt.num(c.requeue_count)), numCell(fmt.num(c.timeout_count)), numCell(fmt.num(c.message_count)),
    numCell([fmt.num(c.client_count), g ? spark(channelTarget(n, t.topic_name, c.channel_name, 'clients')) : null])));
  const clients = c.clients || [];
  if (!clients.length) {
    body.push(h('tr', {}, h('td', { colspan: 9, class: 'indent' }, h('div', { class: 'alert alert-info slim' }, 'No clients connected to this channel.'))));
    return;
  }
  body.push(h('tr', { class: 'head-client' }, th('Client Host', 'User-Agent', 'Attributes', 'In-Flight', 'Ready Count', 'Requeued', 'Finished', 'Messages', 'Connected')));
  for (const cl of clients) {
    body.push(h('tr', { class: 'row-client' }, h('td', { class: 'indent2' }, clientHost(cl)), h('td', { class: 'num' }, cl.user_agent || ''),
      h('td', { class: 'num' }, clientAttributes(cl, false)), numCell(fmt.num(cl.in_flight_count)), numCell(fmt.num(cl.ready_count)),
      numCell(fmt.num(cl.requeue_count)), numCell(fmt.num(cl.finish_count)), numCell(fmt.num(cl.message_count)),
      numCell(fmt.duration(cl.connected))));
  }
}
