// Building blocks shared by the topic, channel and node pages.
import { h, badge, httpURL } from './dom.js';
import { links, api } from './api.js';
import * as fmt from './fmt.js';
import { confirmAction } from './modal.js';

// "127.0.0.1:4151" -> ["127.0.0.1", "4151"]; "[::1]:4151" -> ["::1", "4151"].
export function splitHostPort(addr) {
  const i = String(addr).lastIndexOf(':');
  if (i < 0) return [addr, ''];
  return [addr.slice(0, i).replace(/^\[(.*)\]$/, '$1'), addr.slice(i + 1)];
}

// NSQd host cell content: hostname:port linked to the node page, with the
// broadcast address beside it when it differs from the hostname.
export function nodeLink(node, hostname) {
  const [addr, port] = splitHostPort(node);
  if (!hostname || hostname === addr) return h('a', { href: links.node(node), class: 'link' }, node);
  return h('span', {}, `${hostname}:${port} (`, h('a', { href: links.node(node), class: 'link' }, node), ')');
}

// Percentile columns from an e2e_processing_latency object.
export const quantiles = (e2e) => (e2e && e2e.percentiles ? e2e.percentiles.map((p) => p.quantile) : []);

export function percentileHeaders(qs) {
  return qs.map((q) => h('th', { class: 'num' }, fmt.percentileName(q)));
}

export function percentileCells(e2e, qs) {
  const ps = (e2e && e2e.percentiles) || [];
  return qs.map((q) => {
    const p = ps.find((x) => x.quantile === q);
    if (!p) return h('td', { class: 'num' }, '–');
    const avg = p.average ?? p.value;
    const title = `${fmt.percentileName(q)}: min = ${fmt.duration(p.min ?? avg)}, max = ${fmt.duration(p.max ?? avg)}`;
    return h('td', { class: 'num', title }, fmt.duration(avg));
  });
}

// The percentile cells as one column group of a table (absent without
// percentiles); targets(q, ...args) is a percentile's Graphite target for
// the graph row.
export function percentileColumn(qs, targets) {
  return qs.length > 0 && {
    key: 'e2e', span: qs.length, group: 'E2E Processing Latency', groupAttrs: { class: 'num' },
    head: () => percentileHeaders(qs),
    td: (row) => percentileCells(row.e2e_processing_latency, qs),
    spark: (...args) => qs.map((q) => targets(q, ...args)),
  };
}

export const memDisk = (o) =>
  `${fmt.num(o.memory_depth ?? o.depth - (o.backend_depth || 0))} + ${fmt.num(o.backend_depth || 0)}`;

// The red ✘ that tombstones a topic on one node (the server enforces ACLs).
export function tombstoneButton(ctx, node, topic) {
  return h('button', {
    class: 'btn-x', title: `Tombstone ${topic} on ${node}`, 'data-action': 'tombstone',
    onclick: async () => {
      if (!(await confirmAction('tombstone', node))) return;
      ctx.act(() => api('DELETE', `/api/nodes/${encodeURIComponent(node)}`, { topic }));
    },
  }, '✘');
}

// Admin action buttons: [label, action, kind] tuples; delete uses DELETE.
export function actionButtons(ctx, apiPath, name, buttons, afterDelete) {
  if (!window.IS_ADMIN) return null;
  return h('div', { class: 'actions' }, buttons.map(([label, action, kind]) => h('button', {
    class: `btn ${kind || ''}`.trim(), 'data-action': action,
    onclick: async () => {
      if (!(await confirmAction(action, name))) return;
      if (action === 'delete') ctx.act(() => api('DELETE', apiPath), afterDelete);
      else ctx.act(() => api('POST', apiPath, { action }));
    },
  }, label)));
}

export function statCards(cards) {
  return h('div', { class: 'stats' }, cards.map(([label, value, extra]) =>
    h('div', { class: 'stat' }, h('div', { class: 'stat-label' }, label), h('div', { class: 'stat-value' }, value),
      extra || null)));
}

// Client attribute labels (channel and node pages).
export function clientAttributes(c, withTopology) {
  const out = [];
  if (c.sample_rate) out.push(badge(`Sampled ${c.sample_rate}%`));
  if (c.tls) out.push(badge('TLS', 'badge-info',
    `${c.tls_version || ''} ${c.tls_cipher_suite || ''} ${c.tls_negotiated_protocol || ''} ` +
    `mutual:${!!c.tls_negotiated_protocol_is_mutual}`));
  if (c.deflate) out.push(badge('Deflate'));
  if (c.snappy) out.push(badge('Snappy'));
  if (c.authed) {
    const icon = h('span', { class: 'badge badge-info', title: `Authed Identity:${c.auth_identity || ''}` },
      h('span', { class: 'user-icon' }), 'Authed');
    const href = httpURL(c.auth_identity_url);
    out.push(href ? h('a', { href, target: '_blank', rel: 'noopener' }, icon) : icon);
  }
  if (withTopology) {
    if (c.topology_region) out.push(badge(c.topology_region));
    if (c.topology_zone) out.push(badge(c.topology_zone));
    const loc = locality(c);
    if (loc) out.push(badge(loc, 'badge-ok'));
  }
  return out;
}

export function locality(c) {
  if (c.topology_zone && c.topology_zone === c.node_topology_zone) return 'zoneLocal';
  if (c.topology_region && c.topology_region === c.node_topology_region) return 'regionLocal';
  return '';
}

// "host:port" of a client, plus "(client_id)" when that says something new.
export function clientHost(c) {
  const [, port] = splitHostPort(c.remote_address || '');
  const host = `${c.hostname}${port ? ':' + port : ''}`;
  const shortHost = String(c.hostname).split('.')[0];
  const id = c.client_id && c.client_id !== c.hostname && c.client_id !== shortHost ? ` (${c.client_id})` : '';
  return h('span', { title: c.remote_address }, host + id);
}
