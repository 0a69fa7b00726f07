// Tiny DOM builder: h('a', {href: '/x', class: 'link'}, 'text', child, [more]).
// Attributes starting with "on" become event listeners; null/false children
// and attributes are skipped, so conditional content can be written inline.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'style' && typeof v === 'object') Object.assign(el.style, v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c == null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

// httpURL returns s as an absolute http(s) URL, or null for anything else:
// a link built from what a client or an auth server supplied must not run
// script (javascript:, data:) in nsqadmin's origin.
export function httpURL(s) {
  let u;
  try { u = new URL(String(s)); } catch { return null; }
  return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
}

export const frag = (...children) => {
  const f = document.createDocumentFragment();
  append(f, children);
  return f;
};

// Alerts in the colours of an operations console.
export const alert = (kind, ...children) => h('div', { class: `alert alert-${kind}`, role: 'alert' }, ...children);
export const notice = (...children) => alert('info', ...children);

export const badge = (text, kind = '', title) => h('span', { class: `badge ${kind}`.trim(), title }, text);
export const pausedBadge = (paused) => (paused ? badge('paused', 'badge-paused') : null);
export const ephemeralBadge = (name) =>
  (String(name).endsWith('#ephemeral') ? badge('ephemeral', 'badge-ephemeral') : null);

export function spinner() {
  return h('div', { class: 'spinner', 'aria-label': 'loading' }, h('span'), h('span'), h('span'));
}
