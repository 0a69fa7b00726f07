// Sortable tables. Sort state lives in the view's state object, so it
// survives the periodic refresh; clicking a header cycles asc -> desc -> off.
import { h } from './dom.js';

export function sortHeader(ctx, table, key, label, attrs = {}) {
  const sort = (ctx.state.sort ||= {})[table];
  const on = sort && sort.key === key;
  const arrow = on ? (sort.dir > 0 ? ' ▲' : ' ▼') : '';
  const first = String(attrs.class || '').includes('num') ? -1 : 1;
  return h('th', {
    ...attrs,
    class: `sortable ${attrs.class || ''} ${on ? 'sorted' : ''}`.trim(),
    title: attrs.title || `Sort by ${label}`,
    'aria-sort': on ? (sort.dir > 0 ? 'ascending' : 'descending') : 'none',
    onclick: () => {
      ctx.state.sort[table] = !on ? { key, dir: first } : sort.dir === first ? { key, dir: -first } : null;
      ctx.rerender();
    },
  }, label, h('span', { class: 'arrow' }, arrow));
}

// Numeric header shorthand (right aligned, sorts descending first).
export const numHeader = (ctx, table, key, label, attrs = {}) =>
  sortHeader(ctx, table, key, label, { ...attrs, class: `num ${attrs.class || ''}`.trim() });

export function sortRows(ctx, table, rows, getters) {
  const sort = ctx.state.sort?.[table];
  if (!sort || !getters[sort.key]) return rows;
  const get = getters[sort.key];
  return [...rows].sort((a, b) => {
    const x = get(a), y = get(b);
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x ?? '').localeCompare(String(y ?? ''), undefined, { numeric: true });
    return c * sort.dir;
  });
}

export const numCell = (text, attrs = {}) => h('td', { ...attrs, class: `num ${attrs.class || ''}`.trim() }, text);
