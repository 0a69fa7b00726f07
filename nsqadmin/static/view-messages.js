// Messages tab of the topic and channel pages: the messages every nsqd of
// the topic holds, peeked without being consumed. They load when the tab
// opens and on Refresh, not on the page's periodic refresh, so what is on
// screen stays put while it is read. All state lives in ctx.state.msgs.
import { h, notice, alert, spinner } from './dom.js';
import { api } from './api.js';
import * as fmt from './fmt.js';
import { nodeLink } from './parts.js';
import { columns, headCells, rowCells } from './table.js';
import { confirmDialog } from './modal.js';

const enc = encodeURIComponent;
const STATES = [['queued', 'Queued'], ['in_flight', 'In-Flight'], ['deferred', 'Deferred']];
const LIMITS = [10, 100, 1000];
const PREVIEW = 120; // characters of body shown before it is expanded

// Overview / Messages switch.
export function tabs(ctx) {
  const cur = ctx.state.tab || 'overview';
  const names = [['overview', 'Overview'], ['messages', 'Messages']];
  return h('div', { class: 'tabs', role: 'tablist' }, names.map(([k, label]) =>
    h('button', {
      class: `tab ${cur === k ? 'active' : ''}`.trim(), role: 'tab', 'aria-selected': String(cur === k), 'data-tab': k,
      onclick: () => { ctx.state.tab = k; ctx.rerender(); },
    }, label)));
}

export const onMessagesTab = (ctx) => ctx.state.tab === 'messages';

export function messagesPanel(ctx, topic, channel) {
  const s = (ctx.state.msgs ||= { state: 'queued', n: 100, list: null, loading: false, open: {}, search: '' });
  if (!s.list && !s.loading && !s.error) load(ctx, s, topic, channel);
  const shown = filter(s.list || [], s.search);
  return h('div', { class: 'messages', id: 'messages' },
    controls(ctx, s, topic, channel, shown),
    s.hidden ? notice('Message bodies are shown to admins only.') : null,
    s.warning ? alert('warning', h('span', { class: 'pre' }, s.warning)) : null,
    s.error ? alert('danger', s.error) : null,
    s.loading && !s.list ? spinner() : null,
    s.list && !s.list.length ? notice(`No ${stateLabel(s.state).toLowerCase()} messages.`) : null,
    s.list && s.list.length ? table(ctx, s, topic, channel, shown) : null);
}

const stateLabel = (st) => STATES.find(([k]) => k === st)[1];

function controls(ctx, s, topic, channel, shown) {
  const reload = () => load(ctx, s, topic, channel);
  const select = (name, value, options, set) => h('select', { name,
    onchange: (e) => { set(e.target.value); reload(); } },
    options.map(([v, label]) => h('option', { value: v, selected: String(v) === String(value) }, label)));
  return h('div', { class: 'msg-controls' },
    channel ? select('msg-state', s.state, STATES, (v) => { s.state = v; }) : null,
    select('msg-n', s.n, LIMITS.map((n) => [n, `${fmt.num(n)} per node`]), (v) => { s.n = Number(v); }),
    h('button', { class: 'btn', id: 'msg-refresh', onclick: reload }, 'Refresh'),
    h('input', {
      type: 'search', name: 'msg-search', placeholder: 'Search loaded messages', value: s.search,
      oninput: (e) => { s.search = e.target.value; ctx.rerender(); },
    }),
    h('span', { class: 'muted', id: 'msg-count' },
      s.list ? `${fmt.num(shown.length)} of ${fmt.num(s.list.length)} loaded` : ''),
    h('button', {
      class: 'btn', id: 'msg-download', disabled: !shown.length,
      onclick: () => download(shown, `${topic}${channel ? '.' + channel : ''}.${channel ? s.state : 'queued'}.jsonl`),
    }, 'Download JSON lines'));
}

async function load(ctx, s, topic, channel) {
  s.loading = true;
  s.error = null;
  const where = enc(topic) + (channel ? '/' + enc(channel) : '');
  const path = `/api/messages/${where}?n=${s.n}${channel ? '&state=' + s.state : ''}`;
  try {
    const d = await api('GET', path);
    s.list = (d.messages || []).map(decode);
    s.hidden = d.bodies_hidden;
    s.warning = d.message;
    s.shownState = s.state;
  } catch (err) {
    s.list = null;
    s.error = err.message;
  }
  s.loading = false;
  ctx.rerender();
}

// decode adds the body as text when it is valid UTF-8, else as hex.
function decode(m) {
  if (m.body == null) return { ...m, raw: m, kind: null, text: '' };
  const bytes = Uint8Array.from(atob(m.body), (c) => c.charCodeAt(0));
  try {
    return { ...m, raw: m, kind: 'text', text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { ...m, raw: m, kind: 'hex', text: Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ') };
  }
}

function filter(list, search) {
  const q = search.trim().toLowerCase();
  if (!q) return list;
  return list.filter((m) => [m.id, m.node, m.text].some((v) => String(v).toLowerCase().includes(q)));
}

function table(ctx, s, topic, channel, shown) {
  const st = s.shownState;
  const cols = columns(
    { key: 'node', head: 'NSQd Host', cell: (m) => nodeLink(m.node) },
    { key: 'id', head: 'ID', td: (m) => h('td', { class: 'name' }, m.id) },
    { key: 'timestamp', head: 'Timestamp', cell: (m) => when(m.timestamp) },
    { key: 'attempts', head: 'Attempts', num: true, cell: (m) => fmt.num(m.attempts) },
    st === 'deferred' && { key: 'deliver_at', head: 'Deliver At', cell: (m) => when(m.deliver_at) },
    st === 'in_flight' && { key: 'client', head: 'Client', cell: (m) => clientText(m.client) },
    st === 'in_flight' && { key: 'expires_at', head: 'Expires At', cell: (m) => when(m.expires_at) },
    { key: 'body', head: 'Body', td: (m) => h('td', { class: 'msg-body-cell' }, body(ctx, s, m)) },
    st === 'deferred' && window.IS_ADMIN && { key: 'actions', head: '',
      cell: (m) => deferredButtons(ctx, s, topic, channel, m) });
  return h('table', { class: 'table', id: 'messages-table' },
    h('thead', {}, h('tr', {}, headCells(ctx, 'messages', cols))),
    h('tbody', {}, shown.map((m) => h('tr', { 'data-id': m.id, 'data-node': m.node }, rowCells(cols, m)))));
}

// when shows a Unix-nanosecond time as local time, with the ISO form and
// the distance from now in its title.
function when(ns) {
  if (!ns) return '–';
  const d = new Date(ns / 1e6);
  const rel = ns - Date.now() * 1e6;
  const title = `${d.toISOString()} (${rel >= 0 ? 'in ' : ''}${fmt.duration(Math.abs(rel))}${rel < 0 ? ' ago' : ''})`;
  return h('span', { title }, d.toLocaleString());
}

const clientText = (c) => (c ? [c.hostname, c.client_id && c.client_id !== c.hostname ? `(${c.client_id})` : '',
  c.remote_address].filter(Boolean).join(' ') : '–');

function body(ctx, s, m) {
  if (!m.kind) return h('span', { class: 'muted' }, 'hidden');
  const open = !!s.open[m.id];
  const long = m.text.length > PREVIEW;
  const toggle = () => { s.open[m.id] = !open; ctx.rerender(); };
  return h('div', { class: `msg-body ${open ? 'open' : ''}`.trim() },
    m.kind === 'hex' ? h('span', { class: 'badge', title: 'not UTF-8: shown as hex' }, 'hex') : null, ' ',
    open ? h('pre', { class: 'msg-full' }, m.text)
      : h('span', { class: 'msg-preview' }, long ? m.text.slice(0, PREVIEW) + '…' : m.text),
    long ? h('button', { class: 'btn btn-sm msg-expand', onclick: toggle }, open ? 'less' : 'more') : null);
}

function deferredButtons(ctx, s, topic, channel, m) {
  const act = async (action, label) => {
    const ok = await confirmDialog(['Are you sure you want to ', h('b', {}, label), ' message ', h('i', {}, m.id),
      ' on ', m.node, '?']);
    if (!ok) return;
    ctx.act(() => api('POST', `/api/messages/${enc(topic)}/${enc(channel)}`, { action, id: m.id, node: m.node }),
      () => load(ctx, s, topic, channel));
  };
  return h('div', { class: 'actions' },
    h('button', { class: 'btn btn-sm btn-ok', 'data-msg-action': 'deliver',
      onclick: () => act('deliver', 'deliver now') }, 'Deliver now'),
    h('button', { class: 'btn btn-sm btn-danger', 'data-msg-action': 'delete', onclick: () => act('delete', 'delete') },
      'Delete'));
}

// download saves messages as JSON lines, bodies base64 as the API sends them.
function download(list, name) {
  const text = list.map((m) => JSON.stringify(m.raw)).join('\n') + '\n';
  const href = URL.createObjectURL(new Blob([text], { type: 'application/x-ndjson' }));
  const a = h('a', { href, download: name, style: { display: 'none' } });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10000);
}
