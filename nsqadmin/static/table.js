// Sortable tables. Sort state lives in the view's state object, so it
// survives the periodic refresh; clicking a header cycles asc -> desc -> off.
import { h } from './dom.js';
import { spark } from './graphite.js';

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
      const flip = on && sort.dir === first ? { key, dir: -first } : null;
      ctx.state.sort[table] = on ? flip : { key, dir: first };
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
  const text = (v) => String(v ?? '');
  return [...rows].sort((a, b) => {
    const x = get(a), y = get(b);
    const c = typeof x === 'number' && typeof y === 'number'
      ? x - y : text(x).localeCompare(text(y), undefined, { numeric: true });
    return c * sort.dir;
  });
}

export const numCell = (text, attrs = {}) => h('td', { ...attrs, class: `num ${attrs.class || ''}`.trim() }, text);

// A table's columns are defined once, in display order, each an object:
//   key    names the column: its sort key and the data-col of its cells
//          (what scripts and tests look cells up by)
//   head   header label, or a function returning the header cell(s)
//   num    right-aligned header and cells; sorting starts descending
//   sort   (row) => the value rows sort by; without it the header is plain
//   cell   (row, ...args) => the cell's content
//   td     (row, ...args) => whole cell(s), used instead of cell
//   spark  (...args) => Graphite target(s) drawn as a sparkline in the
//          column's cell of the graph row, styled by sparkStyle
//   span   how many cells the column takes (a group such as percentiles)
//   attrs  extra header attributes
//   group  label of the group-row cell above the column; neighbouring
//          columns of one group share it (groupAttrs: its attributes)
// Switched-off columns are written as null/false and dropped here.
export const columns = (...list) => list.filter(Boolean);

export function headCells(ctx, table, cols) {
  return cols.map((c) => {
    if (typeof c.head === 'function') return c.head();
    if (c.sort) return (c.num ? numHeader : sortHeader)(ctx, table, c.key, c.head, c.attrs);
    return h('th', { ...c.attrs, class: c.num ? 'num' : null }, c.head);
  });
}

export const sortGetters = (cols) => Object.fromEntries(cols.filter((c) => c.sort).map((c) => [c.key, c.sort]));

export function rowCells(cols, ...args) {
  return cols.map((c) => {
    if (c.td) return c.td(...args);
    const attrs = { 'data-col': c.key };
    return c.num ? numCell(c.cell(...args), attrs) : h('td', attrs, c.cell(...args));
  });
}

export function sparkCells(cols, ...args) {
  return cols.map((c) => {
    const targets = c.spark ? c.spark(...args) : null;
    return h('td', c.span > 1 ? { colspan: c.span } : {}, targets ? spark(targets, c.sparkStyle) : null);
  });
}

// Header cells for a group row: label spans the columns of each run of
// columns with the same group (null: an empty cell).
export function groupCells(cols) {
  const out = [];
  for (const c of cols) {
    const last = out[out.length - 1];
    const span = c.span || 1;
    if (last && last.group === c.group) last.span += span;
    else out.push({ group: c.group, span, attrs: c.groupAttrs });
  }
  return out.map((g) => h('th', { ...g.attrs, colspan: g.span > 1 ? g.span : null }, g.group || null));
}
