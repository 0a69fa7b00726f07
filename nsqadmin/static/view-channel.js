// Channel page: per-node queue table with delivery locality, client
// connections, admin actions and graphs.
import { h, frag, notice, pausedBadge, ephemeralBadge } from './dom.js';
import { links } from './api.js';
import * as fmt from './fmt.js';
import { sortHeader, numHeader, sortRows, numCell } from './table.js';
import { historyPanel, latest } from './history.js';
import { graphActive, spark, channelTarget, e2eTarget, rateCell, isCounter } from './graphite.js';
import { nodeLink, quantiles, percentileHeaders, percentileCells, memDisk, actionButtons, statCards, clientAttributes, clientHost, locality } from './parts.js';
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
          h('h2', {}, 'Channel: ', h('span', { class: 'name' }, c), ' ', ephemeralBadge(c), ' ', pausedBadge(channel.paused))),
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
  const qs = quantiles(channel.e2e_processing_latency);
  const g = graphActive();
  const delivery = (channel.delivery_msg_count || 0) > 0;
  const rows = sortRows(ctx, 'nodes', channel.nodes, {
    host: (n) => n.hostname || n.node, depth: (n) => n.depth, inflight: (n) => n.in_flight_count, messages: (n) => n.message_count, clients: (n) => n.client_count,
  });
  const cells = (n, node) => [
    numCell(fmt.num(n.depth), { 'data-col': 'depth' }), numCell(memDisk(n)),
    numCell(fmt.num(n.in_flight_count), { 'data-col': 'in_flight' }), numCell(fmt.num(n.deferred_count)),
    numCell(fmt.num(n.requeue_count), { 'data-col': 'requeued' }), numCell(fmt.num(n.timeout_count), { 'data-col': 'timed_out' }),
    numCell(fmt.num(n.message_count), { 'data-col': 'messages' }),
    g ? rateCell(channelTarget(node, t, c, 'message_count')) : null,
    numCell(fmt.num(n.client_count), { 'data-col': 'clients' }),
    delivery ? h('td', {}, deliveryBar(ctx, n, node)) : null,
    percentileCells(n.e2e_processing_latency, qs),
  ];
  const graphRow = (node) => g && h('tr', { class: 'graph-row' }, h('td'),
    ['depth', null, 'in_flight_count', 'deferred_count', 'requeue_count', 'timeout_count', 'message_count'].map((k) =>
      h('td', {}, k && spark(channelTarget(node, t, c, k), { color: /depth|deferred/.test(k) ? 'red' : 'blue', counter: isCounter(k) }))),
    h('td'), h('td', {}, spark(channelTarget(node, t, c, 'clients'))), delivery ? h('td') : null,
    qs.length ? h('td', { colspan: qs.length }, spark(qs.map((q) => e2eTarget(node, t, c, q)))) : null);
  const statCols = 4 + (g ? 1 : 0) + (delivery ? 1 : 0);
  return frag(h('h3', {}, 'Channel'),
    h('table', { class: 'table', id: 'channel-nodes' },
      h('thead', {},
        h('tr', { class: 'group' }, h('th'), h('th', { colspan: 4 }, 'Message Queues'), h('th', { colspan: statCols }, 'Statistics'),
          qs.length ? h('th', { colspan: qs.length, class: 'num' }, 'E2E Processing Latency') : null),
        h('tr', {}, sortHeader(ctx, 'nodes', 'host', 'NSQd Host'), numHeader(ctx, 'nodes', 'depth', 'Depth'),
          h('th', { class: 'num' }, 'Memory + Disk'), numHeader(ctx, 'nodes', 'inflight', 'In-Flight'), h('th', { class: 'num' }, 'Deferred'),
          h('th', { class: 'num' }, 'Requeued'), h('th', { class: 'num' }, 'Timed Out'), numHeader(ctx, 'nodes', 'messages', 'Messages'),
          g ? h('th', { class: 'num' }, 'Rate') : null, numHeader(ctx, 'nodes', 'clients', 'Connections'),
          delivery ? h('th', {}, 'Delivery') : null, percentileHeaders(qs))),
      h('tbody', {}, rows.map((n) => [
        h('tr', { 'data-node': n.node }, h('td', {}, nodeLink(n.node, n.hostname), ' ', pausedBadge(n.paused)), cells(n, n.node)),
        graphRow(n.node)])),
      h('tfoot', {}, h('tr', { class: 'total' }, h('td', {}, 'Total:'), cells(channel, '*')), graphRow('*'))));
}

// 120px stacked bar of zone-local / region-local / global deliveries;
// clicking it toggles the exact percentages.
function deliveryBar(ctx, n, key) {
  const total = n.delivery_msg_count || 0;
  const pct = (v) => (total ? ((v || 0) * 100) / total : 0);
  const parts = [['zone', pct(n.zone_local_msg_count)], ['region', pct(n.region_local_msg_count)], ['global', pct(n.global_msg_count)]];
  const open = ((ctx.state.delivery ||= {})[key]);
  return h('div', { class: 'delivery', onclick: () => { ctx.state.delivery[key] = !open; ctx.rerender(); } },
    h('div', { class: 'delivery-bar' }, parts.map(([k, p]) => h('span', { class: `seg seg-${k}`, style: { width: `${p}%` } }))),
    open ? h('div', { class: 'popup' }, parts.map(([k, p]) => h('div', {}, `${k === 'zone' ? 'Zone-local' : k === 'region' ? 'Region-local' : 'Global'}: ${p.toFixed(2)}%`))) : null);
}

function clientTable(ctx, clients) {
  if (!clients.length) return frag(h('h3', {}, 'Client Connections'), notice('No clients connected to this channel'));
  const rows = sortRows(ctx, 'clients', clients, {
    host: (c) => c.hostname, ua: (c) => c.user_agent, node: (c) => c.node, inflight: (c) => c.in_flight_count, ready: (c) => c.ready_count,
    finished: (c) => c.finish_count, requeued: (c) => c.requeue_count, messages: (c) => c.message_count, connected: (c) => c.connected,
  });
  return frag(h('h3', {}, 'Client Connections'),
    h('table', { class: 'table', id: 'channel-clients' },
      h('thead', {}, h('tr', {}, sortHeader(ctx, 'clients', 'host', 'Client Host'), sortHeader(ctx, 'clients', 'ua', 'User-Agent'),
        h('th', {}, 'Attributes'), sortHeader(ctx, 'clients', 'node', 'NSQd Host'), numHeader(ctx, 'clients', 'inflight', 'In-Flight'),
        numHeader(ctx, 'clients', 'ready', 'Ready Count'), numHeader(ctx, 'clients', 'finished', 'Finished'),
        numHeader(ctx, 'clients', 'requeued', 'Requeued'), numHeader(ctx, 'clients', 'messages', 'Messages'),
        numHeader(ctx, 'clients', 'connected', 'Connected'))),
      h('tbody', {}, rows.map((c) => h('tr', { class: locality(c) === 'zoneLocal' ? 'zone-local' : locality(c) === 'regionLocal' ? 'region-local' : '' },
        h('td', {}, clientHost(c)), h('td', {}, c.user_agent || ''), h('td', {}, clientAttributes(c, true)),
        h('td', {}, h('a', { href: links.node(c.node), class: 'link' }, c.node)),
        numCell(fmt.num(c.in_flight_count)), numCell(fmt.num(c.ready_count)), numCell(fmt.num(c.finish_count)),
        numCell(fmt.num(c.requeue_count)), numCell(fmt.num(c.message_count)), numCell(fmt.duration(c.connected)))))));
}
