// Number, duration and percentile formatting shared by the views.
const nf = new Intl.NumberFormat('en-US');

export function num(v) {
  if (v == null || v === '' || Number.isNaN(Number(v))) return '–';
  return nf.format(Number(v));
}

export function rate(v) {
  if (v == null || !Number.isFinite(v)) return '–';
  if (v >= 100) return nf.format(Math.round(v));
  return v.toFixed(v >= 10 ? 1 : 2);
}

// Human duration from nanoseconds: 1.5s, 230ms, 12µs, 3h4m.
export function duration(ns) {
  if (ns == null || !Number.isFinite(Number(ns))) return '–';
  ns = Number(ns);
  if (ns === 0) return '0s';
  if (ns < 1e3) return `${ns}ns`;
  if (ns < 1e6) return `${trim(ns / 1e3)}µs`;
  if (ns < 1e9) return `${trim(ns / 1e6)}ms`;
  const s = ns / 1e9;
  if (s < 60) return `${trim(s)}s`;
  const parts = [];
  let rest = Math.floor(s);
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]]) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
    if (parts.length === 2) break;
  }
  return parts.join('');
}

const trim = (x) => {
  const s = x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
};

// Percentile column title: 0.99 -> "99th", 0.5 -> "50th", 0.999 -> "99th".
export function percentileName(q) {
  const n = Math.floor(q * 100);
  const mod100 = n % 100;
  let suffix = 'th';
  if (mod100 < 11 || mod100 > 13) suffix = { 1: 'st', 2: 'nd', 3: 'rd' }[n % 10] || 'th';
  return `${n}${suffix}`;
}

export const isEphemeral = (name) => String(name).endsWith('#ephemeral');
