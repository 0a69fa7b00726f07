// Channel page: per-node queue table with delivery locality, client
// connections, admin actions and graphs.
import { h, frag, notice, pausedBadge, ephemeralBadge } from './dom.js';
import { links } from './api.js';
import * as fmt from './fmt.js';
import { columns, headCells, groupCells, rowCells, sparkCells, sortRows, sortGetters } from './table.js';
import { historyPanel, latest } from './history.js';
import { graphActive, channelTarget, e2eTarget, rateCell, isCounter } from './graphite.js';
import { nodeLink, quantiles, percentileColumn, memDisk, actionButtons, statCards, clientAttributes, clientHost,
  locality } from './parts.js';
import { tabs, onMessagesTab, messagesPanel } from './view-messages.js';
import { channelPolicy } from './policy.js';

const enc = encodeURIComponent;

export default {
  async load(ctx) {
    const [t, c] = ctx.params;
    const [channel, hist, cfg] = await Promise.all([
      ctx.get(`/api/topics/${enc(t)}/${enc(c)}`),
      graphActive() ? null : ctx.optional(`/api/history?topic=${enc(t)}&channel=${enc(c)}`),
      ctx.optional(`/api/channel/config?topic=${enc(t)}&channel=${enc(c)}`),
    ]);
    return { channel, hist, cfg };
  },

  render({ channel, hist, cfg }, ctx) {
    const [t, c] = ctx.params;
    const nodes = channel.nodes || [];
    const head = frag(
      h('nav', { class: 'breadcrumb' }, h('a', { href: links.streams(), class: 'link' }, 'Streams'),
        h('a', { href: links.topic(t), class: 'link' }, t), h('span', {}, c)),
      h('div', { class: 'page-head' },
        h('div', {}, h('h2', { class: 'sub' }, 'Topic: ', h('a', { href: links.topic(t), class: 'link name' }, t)),
          h('h2', {}, 'Channel: ', h('span', { class: 'name' }, c), ' ', ephemeralBadge(c), ' ',
            pausedBadge(channel.paused))),
        actionButtons(ctx, `/api/topics/${enc(t)}/${enc(c)}`, `${t}/${c}`, [
          ['Empty Queue', 'empty', 'btn-warn'],
          ['Delete Channel', 'delete', 'btn-danger'],
          channel.paused ? ['UnPause Channel', 'unpause', 'btn-ok'] : ['Pause Channel', 'pause'],
        ], () => ctx.navigate(links.topic(t)))));
    if (!nodes.length) return frag(head, notice(h('strong', {}, 'No producers exist for this channel\'s topic.')));
    if (onMessagesTab(ctx)) return frag(head, tabs(ctx), messagesPanel(ctx, t, c));
    const rate = hist ? latest(hist.points).rate : null;
    return frag(head, tabs(ctx),
      statCards([['Depth', fmt.num(channel.depth)], ['In-Flight', fmt.num(channel.in_flight_count)],
        ['Messages', fmt.num(channel.message_count)], ['Rate', rate == null ? '–' : `${fmt.rate(rate)}/s`],
        ['Connections', fmt.num(channel.client_count)]]),
      graphActive() ? null : historyPanel(`channel:${t}/${c}`, hist),
      channelPolicy(ctx, t, c, cfg),
      channelTable(ctx, t, c, channel),
      clientTable(ctx, channel.clients || []));
  },
};

function channelTable(ctx, t, c, channel) {
  const g = graphActive();
  const delivery = (channel.delivery_msg_count || 0) > 0;
  const queue = 'Message Queues', stats = 'Statistics';
  const stat = (key, head, field, group, opts = {}) => ({
    key, head, group, num: true, cell: (n) => fmt.num(n[field]), ...opts,
    spark: (node) => channelTarget(node, t, c, opts.metric || field),
    sparkStyle: { color: opts.red ? 'red' : 'blue', counter: isCounter(opts.metric || field) },
  });
  const host = (n) => [nodeLink(n.node, n.hostname), ' ', pausedBadge(n.paused)];
  const cols = columns(
    { key: 'host', head: 'NSQd Host', sort: (n) => n.hostname || n.node,
      cell: (n, node) => (node === '*' ? 'Total:' : host(n)) },
    stat('depth', 'Depth', 'depth', queue, { sort: (n) => n.depth, red: true }),
    { key: 'memory', head: 'Memory + Disk', group: queue, num: true, cell: memDisk },
    stat('in_flight', 'In-Flight', 'in_flight_count', queue, { sort: (n) => n.in_flight_count }),
    stat('deferred', 'Deferred', 'deferred_count', queue, { red: true }),
    stat('requeued', 'Requeued', 'requeue_count', stats),
    stat('timed_out', 'Timed Out', 'timeout_count', stats),
    stat('messages', 'Messages', 'message_count', stats, { sort: (n) => n.message_count }),
    g && { key: 'rate', head: 'Rate', group: stats, num: true,
      td: (n, node) => rateCell(channelTarget(node, t, c, 'message_count')) },
    stat('clients', 'Connections', 'client_count', stats, { sort: (n) => n.client_count, metric: 'clients' }),
    delivery && { key: 'delivery', head: 'Delivery', group: stats, cell: (n, node) => deliveryBar(ctx, n, node) },
    percentileColumn(quantiles(channel.e2e_processing_latency), (q, node) => e2eTarget(node, t, c, q)));
  const graphRow = (node) => g && h('tr', { class: 'graph-row' }, sparkCells(cols, node));
  return frag(h('h3', {}, 'Channel'),
    h('table', { class: 'table', id: 'channel-nodes' },
      h('thead', {},
        h('tr', { class: 'group' }, groupCells(cols)),
        h('tr', {}, headCells(ctx, 'nodes', cols))),
      h('tbody', {}, sortRows(ctx, 'nodes', channel.nodes, sortGetters(cols)).map((n) => [
        h('tr', { 'data-node': n.node }, rowCells(cols, n, n.node)),
        graphRow(n.node)])),
      h('tfoot', {}, h('tr', { class: 'total' }, rowCells(cols, channel, '*')), graphRow('*'))));
}

// 120px stacked bar of zone-local / region-local / global deliveries;
// clicking it toggles the exact percentages.
function deliveryBar(ctx, n, key) {
  const total = n.delivery_msg_count || 0;
  const pct = (v) => (total ? ((v || 0) * 100) / total : 0);
  const parts = [['zone', pct(n.zone_local_msg_count)], ['region', pct(n.region_local_msg_count)], ['global',
    pct(n.global_msg_count)]];
  const open = ((ctx.state.delivery ||= {})[key]);
  return h('div', { class: 'delivery', onclick: () => { ctx.state.delivery[key] = !open; ctx.rerender(); } },
    h('div', { class: 'delivery-bar' }, parts.map(([k, p]) => h('span', { class: `seg seg-${k}`,
      style: { width: `${p}%` } }))),
    open ? h('div', { class: 'popup' }, parts.map(([k, p]) => h('div', {},
      `${k === 'zone' ? 'Zone-local' : k === 'region' ? 'Region-local' : 'Global'}: ${p.toFixed(2)}%`))) : null);
}

function clientTable(ctx, clients) {
  if (!clients.length) return frag(h('h3', {}, 'Client Connections'), notice('No clients connected to this channel'));
  const count = (key, head, field) => ({ key, head, num: true, sort: (c) => c[field], cell: (c) => fmt.num(c[field]) });
  const cols = columns(
    { key: 'host', head: 'Client Host', sort: (c) => c.hostname, cell: clientHost },
    { key: 'ua', head: 'User-Agent', sort: (c) => c.user_agent, cell: (c) => c.user_agent || '' },
    { key: 'attributes', head: 'Attributes', cell: (c) => clientAttributes(c, true) },
    { key: 'node', head: 'NSQd Host', sort: (c) => c.node, cell: (c) => h('a', { href: links.node(c.node),
      class: 'link' }, c.node) },
    count('in_flight', 'In-Flight', 'in_flight_count'),
    count('ready', 'Ready Count', 'ready_count'),
    count('finished', 'Finished', 'finish_count'),
    count('requeued', 'Requeued', 'requeue_count'),
    count('messages', 'Messages', 'message_count'),
    { key: 'connected', head: 'Connected', num: true, sort: (c) => c.connected,
      cell: (c) => fmt.duration(c.connected) });
  const zone = { zoneLocal: 'zone-local', regionLocal: 'region-local' };
  return frag(h('h3', {}, 'Client Connections'),
    h('table', { class: 'table', id: 'channel-clients' },
      h('thead', {}, h('tr', {}, headCells(ctx, 'clients', cols))),
      h('tbody', {}, sortRows(ctx, 'clients', clients, sortGetters(cols)).map((c) =>
        h('tr', { class: zone[locality(c)] || '' }, rowCells(cols, c))))));
}
