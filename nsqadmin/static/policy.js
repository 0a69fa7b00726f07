// Queue settings of a channel or topic (max attempts, dead-letter topic,
// caps, TTL) with their counters, the admin form that changes them, the
// dead-letter Redrive button and the node Drain button.
import { h, badge } from './dom.js';
import { api, links } from './api.js';
import * as fmt from './fmt.js';
import { confirmAction } from './modal.js';
import { statCards } from './parts.js';

const enc = encodeURIComponent;
const qs = (o) => Object.entries(o).map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&');

// Channel page section; cfg is /api/channel/config (null: not available).
export function channelPolicy(ctx, t, c, cfg) {
  if (!cfg) return null;
  const where = { topic: t, channel: c };
  const dlt = cfg.dead_letter_topic;
  return h('section', { class: 'policy', id: 'channel-policy' },
    h('h3', {}, 'Queue Settings'),
    statCards([
      ['Max Attempts', h('span', { 'data-col': 'max_attempts' },
        cfg.max_attempts ? fmt.num(cfg.max_attempts) : 'unlimited')],
      ['Dead-Lettered', h('span', { 'data-col': 'dead_letter_count' }, fmt.num(cfg.dead_letter_count))],
      ['Dead-Letter Topic', h('a', { href: links.topic(dlt), class: 'link', id: 'dead-letter-link' }, dlt),
        h('div', {}, 'depth ', h('span', { 'data-col': 'dead_letter_depth' }, fmt.num(cfg.dead_letter_depth)))],
      ...limitCards(cfg),
    ]),
    window.IS_ADMIN ? h('div', { class: 'actions' },
      h('button', {
        class: 'btn btn-warn', 'data-action': 'redrive',
        onclick: async () => {
          if (!(await confirmAction('redrive', `${dlt} into ${t}/${c}`))) return;
          ctx.act(() => api('POST', `/api/channel/redrive?${qs(where)}`));
        },
      }, 'Redrive Dead Letters')) : null,
    settingsForm(ctx, '/api/channel/config', where, cfg, true));
}

// Topic page section; cfg is /api/topic/config.
export function topicPolicy(ctx, t, cfg) {
  if (!cfg) return null;
  return h('section', { class: 'policy', id: 'topic-policy' },
    h('h3', {}, 'Backlog Settings'),
    statCards(limitCards(cfg)),
    settingsForm(ctx, '/api/topic/config', { topic: t }, cfg, false));
}

function limitCards(cfg) {
  return [
    ['Max Depth', h('span', { 'data-col': 'max_depth' }, cfg.max_depth ? fmt.num(cfg.max_depth) : 'no cap'),
      cfg.max_depth ? h('div', {}, 'overflow: ', h('span', { 'data-col': 'overflow' }, cfg.overflow)) : null],
    ['Message TTL', h('span', { 'data-col': 'msg_ttl' }, cfg.msg_ttl === '0s' ? 'none' : cfg.msg_ttl)],
    ['Dropped', h('span', { 'data-col': 'dropped_count' }, fmt.num(cfg.dropped_count))],
    ['Expired', h('span', { 'data-col': 'expired_count' }, fmt.num(cfg.expired_count))],
  ];
}

// The admin form: only the fields changed from cfg are sent.
function settingsForm(ctx, path, where, cfg, withAttempts) {
  if (!window.IS_ADMIN) return null;
  const field = (label, name, value) => h('label', {}, label,
    h('input', { name, value: String(value), 'data-field': name, size: 10 }));
  const submit = async (e) => {
    e.preventDefault();
    const form = e.target;
    const changed = {};
    for (const name of ['max_attempts', 'max_depth', 'overflow', 'msg_ttl']) {
      const el = form.elements[name];
      if (el && String(el.value).trim() !== String(cfg[name])) changed[name] = String(el.value).trim();
    }
    if (!Object.keys(changed).length) return;
    ctx.act(() => api('POST', `${path}?${qs({ ...where, ...changed })}`));
  };
  return h('form', { class: 'policy-form', id: withAttempts ? 'channel-policy-form' : 'topic-policy-form',
    onsubmit: submit },
    withAttempts ? field('Max attempts (0: unlimited) ', 'max_attempts', cfg.max_attempts) : null,
    field('Max depth (0: no cap) ', 'max_depth', cfg.max_depth),
    h('label', {}, 'Overflow ', h('select', { name: 'overflow', 'data-field': 'overflow' },
      ['reject', 'drop_oldest'].map((o) => h('option', { value: o, selected: cfg.overflow === o }, o)))),
    field('Message TTL (0: none) ', 'msg_ttl', cfg.msg_ttl),
    h('button', { class: 'btn btn-primary', type: 'submit', 'data-action': 'save-settings' }, 'Save'));
}

// Node page: a draining badge and the Drain button.
export function drainControls(ctx, node, drain) {
  const draining = !!(drain && drain.draining);
  return h('div', { class: 'actions', id: 'node-drain' },
    draining ? badge('draining', 'badge-paused') : null,
    window.IS_ADMIN && drain && !draining ? h('button', {
      class: 'btn btn-danger', 'data-action': 'drain',
      onclick: async () => {
        if (!(await confirmAction('drain', node))) return;
        ctx.act(() => api('POST', `/api/drain?${qs({ node })}`));
      },
    }, 'Drain Node') : null);
}
