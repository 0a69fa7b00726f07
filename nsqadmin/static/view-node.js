// Node page: one nsqd's topics, channels and clients, plus graphs.
import { h, frag, notice, pausedBadge, ephemeralBadge } from './dom.js';
import { links } from './api.js';
import * as fmt from './fmt.js';
import { columns, headCells, rowCells } from './table.js';
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
      h('div', { class: 'page-head' }, h('h2', {}, 'Node: ', h('span', { class: 'name' }, name)), drainControls(ctx,
        name, drain)),
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

// The node table nests three kinds of rows (topic, channel, client), each
// with its own header row and columns; all span the table's 9 columns.
const WIDTH = 9;
const count = (key, head, field) => ({ key, head, num: true, cell: (o) => fmt.num(o[field]) });
const alertRow = (text, attrs = {}) =>
  h('tr', {}, h('td', { ...attrs, colspan: WIDTH }, h('div', { class: 'alert alert-info slim' }, text)));

function topicColumns(ctx, n, g) {
  const graph = (t, key, style) => g && spark(topicTarget(n, t.topic_name, key), style);
  const link = (t) => h('a', { href: links.topic(t.topic_name), class: 'link' }, t.topic_name);
  return columns(
    { key: 'topic', head: 'Topic', cell: (t) => [tombstoneButton(ctx, n, t.topic_name), ' ', link(t), ' ',
      ephemeralBadge(t.topic_name), ' ', pausedBadge(t.paused)] },
    { key: 'depth', head: 'Depth', num: true, cell: (t) => [fmt.num(t.depth), graph(t, 'depth', { color: 'red' })] },
    { key: 'memory', head: 'Memory + Disk', num: true, cell: memDisk },
    { key: 'messages', head: 'Messages', num: true,
      cell: (t) => [fmt.num(t.message_count), graph(t, 'message_count', { counter: true })] },
    { key: 'channels', head: 'Channels', num: true, cell: (t) => fmt.num((t.channels || []).length) });
}

function channelColumns(n, g) {
  const graph = (t, c, key, style) => g && spark(channelTarget(n, t.topic_name, c.channel_name, key), style);
  const link = (t, c) => h('a', { href: links.channel(t.topic_name, c.channel_name), class: 'link' }, c.channel_name);
  return columns(
    { key: 'channel', head: 'Channel', td: (c, t) => h('td', { class: 'indent' }, link(t, c), ' ',
      ephemeralBadge(c.channel_name), ' ', pausedBadge(c.paused)) },
    { key: 'depth', head: 'Depth', num: true, cell: (c, t) => [fmt.num(c.depth), graph(t, c, 'depth',
      { color: 'red' })] },
    { key: 'memory', head: 'Memory + Disk', num: true, cell: memDisk },
    count('in_flight', 'In-Flight', 'in_flight_count'),
    count('deferred', 'Deferred', 'deferred_count'),
    count('requeued', 'Requeued', 'requeue_count'),
    count('timed_out', 'Timed Out', 'timeout_count'),
    count('messages', 'Messages', 'message_count'),
    { key: 'clients', head: 'Connections', num: true, cell: (c, t) => [fmt.num(c.client_count), graph(t, c,
      'clients')] });
}

const clientColumns = columns(
  { key: 'host', head: 'Client Host', td: (cl) => h('td', { class: 'indent2' }, clientHost(cl)) },
  { key: 'ua', head: 'User-Agent', num: true, cell: (cl) => cl.user_agent || '' },
  { key: 'attributes', head: 'Attributes', num: true, cell: (cl) => clientAttributes(cl, false) },
  count('in_flight', 'In-Flight', 'in_flight_count'),
  count('ready', 'Ready Count', 'ready_count'),
  count('requeued', 'Requeued', 'requeue_count'),
  count('finished', 'Finished', 'finish_count'),
  count('messages', 'Messages', 'message_count'),
  { key: 'connected', head: 'Connected', num: true, cell: (cl) => fmt.duration(cl.connected) });

// Header row of one row kind, padded to the table's width.
function headRow(cls, cols) {
  return h('tr', { class: cls }, headCells(null, null, cols), cols.length < WIDTH ? h('th',
    { colspan: WIDTH - cols.length }) : null);
}

function topicsTable(ctx, n, node) {
  const g = graphActive();
  const tcols = topicColumns(ctx, n, g);
  const ccols = channelColumns(n, g);
  const body = [];
  for (const t of node.topics) {
    body.push(headRow('head-topic', tcols));
    body.push(h('tr', { class: 'row-topic', 'data-topic': t.topic_name }, rowCells(tcols, t),
      h('td', { colspan: WIDTH - tcols.length })));
    if (!(t.channels || []).length) {
      body.push(alertRow('No channels on this topic.'));
      continue;
    }
    for (const c of t.channels) channelRows(body, ccols, t, c);
  }
  const summary = `${fmt.num(node.topics.length)} Topics, ${fmt.num(node.total_messages)} Messages, ` +
    `${fmt.num(node.total_clients)} Clients`;
  return h('table', { class: 'table node-table', id: 'node-topics' },
    h('thead', {}, h('tr', {}, h('th', { colspan: WIDTH }, summary))),
    h('tbody', {}, body));
}

function channelRows(body, cols, t, c) {
  body.push(headRow('head-channel', cols));
  body.push(h('tr', { class: 'row-channel', 'data-channel': `${t.topic_name}/${c.channel_name}` }, rowCells(cols, c,
    t)));
  const clients = c.clients || [];
  if (!clients.length) {
    body.push(alertRow('No clients connected to this channel.', { class: 'indent' }));
    return;
  }
  body.push(headRow('head-client', clientColumns));
  for (const cl of clients) body.push(h('tr', { class: 'row-client' }, rowCells(clientColumns, cl)));
}
