// Nodes: every nsqd known to the cluster, its lookupd registrations and topics.
import { h, frag, notice, badge } from './dom.js';
import { links } from './api.js';
import { sortHeader, sortRows, numCell } from './table.js';

const nodeAddr = (n) => (String(n.broadcast_address).includes(':') ? `[${n.broadcast_address}]` : n.broadcast_address) + `:${n.http_port}`;

export default {
  async load(ctx) {
    const d = await ctx.get('/api/nodes');
    return { nodes: d.nodes || [] };
  },

  render({ nodes }, ctx) {
    const title = h('h2', {}, `NSQd Nodes (${nodes.length})`);
    if (!nodes.length) return frag(title, notice('No nsqd nodes found.'));
    const lookupds = (window.NSQLOOKUPD || []).length;
    const rows = sortRows(ctx, 'nodes', nodes, {
      hostname: (n) => n.hostname, addr: (n) => n.broadcast_address, version: (n) => n.version,
      region: (n) => n.topology_region || '', zone: (n) => n.topology_zone || '', topics: (n) => (n.topics || []).length,
    });
    const open = (ctx.state.conns ||= {});
    return frag(title,
      h('table', { class: 'table', id: 'nodes-table' },
        h('thead', {}, h('tr', {},
          sortHeader(ctx, 'nodes', 'hostname', 'Hostname'), sortHeader(ctx, 'nodes', 'addr', 'Broadcast Address'),
          h('th', { class: 'num' }, 'TCP Port'), h('th', { class: 'num' }, 'HTTP Port'), sortHeader(ctx, 'nodes', 'version', 'Version'),
          sortHeader(ctx, 'nodes', 'region', 'Region'), sortHeader(ctx, 'nodes', 'zone', 'Zone'),
          lookupds ? h('th', {}, 'Lookupd Conns.') : null, sortHeader(ctx, 'nodes', 'topics', 'Topics'))),
        h('tbody', {}, rows.map((n) => {
          const addr = nodeAddr(n);
          const conns = n.remote_addresses || [];
          return h('tr', { class: n.out_of_date ? 'warning' : '', 'data-node': addr, title: n.out_of_date ? 'this node runs an older version than others' : null },
            h('td', {}, n.hostname),
            h('td', {}, h('a', { href: links.node(addr), class: 'link' }, n.broadcast_address)),
            numCell(n.tcp_port), numCell(n.http_port), h('td', {}, n.version),
            h('td', {}, n.topology_region || ''), h('td', {}, n.topology_zone || ''),
            lookupds ? h('td', {},
              h('button', { class: `btn btn-sm ${conns.length !== lookupds ? 'btn-warn' : ''}`, title: 'lookupd registrations',
                onclick: () => { open[addr] = !open[addr]; ctx.rerender(); } }, String(conns.length)),
              open[addr] ? h('ul', { class: 'conns' }, conns.map((c) => h('li', {}, c))) : null) : null,
            h('td', { class: 'topics-cell' }, badge(String((n.topics || []).length), 'badge-count'), ' ',
              (n.topics || []).map((t) => h('a', { href: links.topic(t.topic), class: `link tag ${t.tombstoned ? 'tag-warn' : ''}`,
                title: t.tombstoned ? 'tombstoned on this node' : null }, t.topic))));
        }))));
  },
};
