// A small confirm dialog: confirmAction('pause', 'topic/channel') resolves
// true when the user presses OK, false on Cancel, Escape or a backdrop click.
import { h } from './dom.js';

export function confirmAction(action, name) {
  return confirmDialog(['Are you sure you want to ', h('b', {}, action), ' ', h('i', {}, name), '?']);
}

export function confirmDialog(body) {
  return new Promise((resolve) => {
    const prev = document.activeElement;
    const done = (ok) => {
      document.removeEventListener('keydown', onKey, true);
      backdrop.remove();
      if (prev && prev.focus) prev.focus();
      resolve(ok);
    };
    const onKey = (e) => {
      if (e.key === 'Escape') { e.preventDefault(); done(false); }
      if (e.key === 'Enter') { e.preventDefault(); done(true); }
    };
    const ok = h('button', { class: 'btn btn-primary', 'data-modal': 'ok', onclick: () => done(true) }, 'OK');
    const backdrop = h('div', { class: 'modal-backdrop', onclick: (e) => e.target === backdrop && done(false) },
      h('div', { class: 'modal', role: 'dialog', 'aria-modal': 'true' },
        h('div', { class: 'modal-body' }, body),
        h('div', { class: 'modal-footer' },
          h('button', { class: 'btn', 'data-modal': 'cancel', onclick: () => done(false) }, 'Cancel'),
          ok)));
    document.addEventListener('keydown', onKey, true);
    document.body.append(backdrop);
    ok.focus();
  });
}
