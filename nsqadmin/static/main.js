// nsqadmin web UI: client-side routing (history.pushState under
// BASE_PATH), the view lifecycle (load, render, periodic refresh that
// keeps sort order, toggles, form input and charts), and the navbar.
import { h, alert, spinner } from './dom.js';
import { api, routePath } from './api.js';
import { beginRender, endRender } from './charts.js';
import { INTERVALS, graphInterval, setGraphInterval, fillRates } from './graphite.js';
import topics from './view-topics.js';
import topic from './view-topic.js';
import channel from './view-channel.js';
import nodes from './view-nodes.js';
import node from './view-node.js';
import counter from './view-counter.js';
import lookup from './view-lookup.js';

const REFRESH_MS = 5000;

const routes = [
  [/^\/(topics\/?)?$/, topics, 'streams'],
  [/^\/topics\/([^/]+)$/, topic, 'streams'],
  [/^\/topics\/([^/]+)\/([^/]+)$/, channel, 'streams'],
  [/^\/nodes$/, nodes, 'nodes'],
  [/^\/nodes\/([^/]+)$/, node, 'nodes'],
  [/^\/counter$/, counter, 'counter'],
  [/^\/lookup$/, lookup, 'lookup'],
];

const app = document.getElementById('app');
let current = null;

function navigate(path, replace) {
  history[replace ? 'replaceState' : 'pushState']({}, '', path);
  start();
  window.scrollTo(0, 0);
}

function start() {
  if (current) stop(current);
  delete app.dataset.loaded;
  const path = routePath(location.pathname).replace(/(.)\/$/, '$1');
  const route = routes.find(([re]) => re.test(path));
  for (const a of document.querySelectorAll('[data-nav]')) a.classList.toggle('active',
    !!route && a.dataset.nav === route[2]);
  document.body.classList.toggle('page-counter', route?.[1] === counter);
  if (!route) {
    app.replaceChildren(alert('danger', `Page not found: ${path}`));
    return;
  }
  const params = path.match(route[0]).slice(1).filter(Boolean).map(decodeURIComponent);
  current = { view: route[1], params, state: {}, data: null, timer: 0, alive: true, warnings: [], actionAlert: null,
    refreshError: null };
  current.ctx = makeCtx(current);
  document.title = `nsqadmin${params.length ? ' - ' + params.join('/') : ''}`;
  if (current.view.mount) {
    current.cleanup = current.view.mount(app, current.ctx);
    app.dataset.loaded = '1';
    return;
  }
  app.replaceChildren(spinner());
  load(current, true);
}

function stop(c) {
  c.alive = false;
  clearTimeout(c.timer);
  if (c.cleanup) c.cleanup();
}

function makeCtx(c) {
  return {
    params: c.params,
    state: c.state,
    navigate,
    // GET that records the API's partial-failure message for the banner.
    get: async (path) => {
      const d = await api('GET', path);
      if (d && d.message) c.warnings.push(d.message);
      return d;
    },
    // GET whose failure only drops an optional part of the page (graphs).
    optional: (path) => api('GET', path).catch(() => null),
    rerender: () => c.alive && c.data && paint(c),
    refresh: () => load(c, false),
    // Run an admin action; failures become a red alert, WARNINGs a yellow one.
    act: async (fn, after) => {
      try {
        const res = await fn();
        c.actionAlert = res && res.message ? ['warning', res.message] : null;
        if (after) return after();
      } catch (err) {
        c.actionAlert = ['danger', err.message];
      }
      return load(c, false);
    },
  };
}

async function load(c, first) {
  clearTimeout(c.timer);
  c.warnings = [];
  try {
    const data = await c.view.load(c.ctx);
    if (!c.alive) return;
    c.data = data;
    c.data.warnings = [...new Set(c.warnings)];
    c.refreshError = null;
    paint(c);
  } catch (err) {
    if (!c.alive) return;
    if (first || !c.data) { app.replaceChildren(alert('danger', err.message)); app.dataset.loaded = 'error'; }
    else { c.refreshError = err.message; paint(c); }
  }
  if (c.alive) c.timer = setTimeout(() => load(c, false), REFRESH_MS);
}

function paint(c) {
  const inputs = saveInputs();
  beginRender();
  const banners = [];
  for (const w of c.data.warnings || []) banners.push(alert('warning', h('strong', {},
    'Part of the cluster could not be reached. '), h('span', { class: 'pre' }, w)));
  if (c.refreshError) banners.push(alert('danger', h('strong', {}, 'Refresh failed: '), c.refreshError));
  if (c.actionAlert) {
    const [kind, text] = c.actionAlert;
    banners.push(alert(kind, h('button', { class: 'close', title: 'Dismiss',
      onclick: () => { c.actionAlert = null; paint(c); } }, '×'), h('span', { class: 'pre action-result' }, text)));
  }
  app.replaceChildren(h('div', { class: 'banners' }, banners), c.view.render(c.data, c.ctx));
  wrapTables();
  endRender();
  fillRates(app);
  restoreInputs(inputs);
  // Counts renders; tests and scripts can wait on it.
  app.dataset.loaded = String(Number(app.dataset.loaded || 0) + 1);
}

// Wide tables scroll sideways inside their own box instead of the page.
function wrapTables() {
  for (const t of app.querySelectorAll('table.table')) {
    const wrap = h('div', { class: 'table-wrap' });
    t.before(wrap);
    wrap.append(t);
  }
}

function saveInputs() {
  const saved = { values: {}, focus: null };
  for (const el of app.querySelectorAll('input[name]')) saved.values[el.name] = el.value;
  const a = document.activeElement;
  if (a && a.name && app.contains(a)) saved.focus = { name: a.name, start: a.selectionStart, end: a.selectionEnd };
  return saved;
}

function restoreInputs({ values, focus }) {
  for (const el of app.querySelectorAll('input[name]')) if (el.name in values) el.value = values[el.name];
  if (focus) {
    const el = app.querySelector(`input[name="${focus.name}"]`);
    if (el) { el.focus(); el.setSelectionRange?.(focus.start, focus.end); }
  }
}

// Internal links navigate client-side unless opened in a new tab.
document.addEventListener('click', (e) => {
  const a = e.target.closest('a[data-link], a.link');
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  if (a.origin !== location.origin || a.target) return;
  e.preventDefault();
  if (a.pathname + a.search !== location.pathname + location.search) navigate(a.pathname + a.search);
  else if (current) current.ctx.refresh();
});

window.addEventListener('popstate', start);

function graphMenu() {
  const slot = document.getElementById('graph-interval');
  if (!window.GRAPH_ENABLED || !slot) return;
  const menu = h('details', { class: 'dropdown' },
    h('summary', { title: 'Graph Timeframe' }, h('span', { class: 'graph-icon' }), graphInterval()),
    h('div', { class: 'menu' }, h('div', { class: 'menu-header' }, 'Graph Timeframe'),
      INTERVALS.map((v) => h('button', { class: v === graphInterval() ? 'active' : '', onclick: () => {
        setGraphInterval(v);
        menu.open = false;
        graphMenu();
        if (current && current.data) paint(current);
      } }, v))));
  slot.replaceChildren(menu);
}

graphMenu();
start();
