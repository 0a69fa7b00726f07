// Nodes: every nsqd known to the cluster, its lookupd registrations and topics.
import { h, frag, notice, badge } from './dom.js';
import { links } from './api.js';
import { columns, headCells, rowCells, sortRows, sortGetters } from './table.js';

const nodeAddr = (n) =>
  (String(n.broadcast_address).includes(':') ? `[${n.broadcast_address}]` : n.broadcast_address) + `:${n.http_port}`;

export default {
  async load(ctx) {
    const d = await ctx.get('/api/nodes');
    return { nodes: d.nodes || [] };
  },

  render({ nodes }, ctx) {
    const title = h('h2', {}, `NSQd Nodes (${nodes.length})`);
    if (!nodes.length) return frag(title, notice('No nsqd nodes found.'));
    const lookupds = (window.NSQLOOKUPD || []).length;
    const open = (ctx.state.conns ||= {});
    const text = (key, head, field) => ({ key, head, sort: (n) => n[field] || '', cell: (n) => n[field] || '' });
    const topics = (n) => n.topics || [];
    const cols = columns(
      text('hostname', 'Hostname', 'hostname'),
      { key: 'addr', head: 'Broadcast Address', sort: (n) => n.broadcast_address,
        cell: (n) => h('a', { href: links.node(nodeAddr(n)), class: 'link' }, n.broadcast_address) },
      { key: 'tcp_port', head: 'TCP Port', num: true, cell: (n) => n.tcp_port },
      { key: 'http_port', head: 'HTTP Port', num: true, cell: (n) => n.http_port },
      text('version', 'Version', 'version'),
      text('region', 'Region', 'topology_region'),
      text('zone', 'Zone', 'topology_zone'),
      lookupds && { key: 'lookupd_conns', head: 'Lookupd Conns.', cell: (n) => lookupdConns(ctx, open, n, lookupds) },
      { key: 'topics', head: 'Topics', sort: (n) => topics(n).length,
        td: (n) => h('td', { class: 'topics-cell' }, badge(String(topics(n).length), 'badge-count'), ' ',
          topics(n).map((t) => h('a', { href: links.topic(t.topic), class: `link tag ${t.tombstoned ? 'tag-warn' : ''}`,
            title: t.tombstoned ? 'tombstoned on this node' : null }, t.topic))) });
    return frag(title,
      h('table', { class: 'table', id: 'nodes-table' },
        h('thead', {}, h('tr', {}, headCells(ctx, 'nodes', cols))),
        h('tbody', {}, sortRows(ctx, 'nodes', nodes, sortGetters(cols)).map((n) => h('tr', {
          class: n.out_of_date ? 'warning' : '', 'data-node': nodeAddr(n),
          title: n.out_of_date ? 'this node runs an older version than others' : null,
        }, rowCells(cols, n))))));
  },
};

// How many nsqlookupd the node is registered with; a click lists them.
function lookupdConns(ctx, open, n, lookupds) {
  const addr = nodeAddr(n);
  const conns = n.remote_addresses || [];
  return [
    h('button', { class: `btn btn-sm ${conns.length !== lookupds ? 'btn-warn' : ''}`, title: 'lookupd registrations',
      onclick: () => { open[addr] = !open[addr]; ctx.rerender(); } }, String(conns.length)),
    open[addr] ? h('ul', { class: 'conns' }, conns.map((c) => h('li', {}, c))) : null];
}
