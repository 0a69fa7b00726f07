// Counter: a big split-flap display of all messages processed, polling
// /api/counter on a back-off schedule (immediately, 100 ms, then +1 s up
// to 10 s) and animating from the old total to the new one.
import { h, alert } from './dom.js';
import { api } from './api.js';
import { graphActive, largeGraph, counterTarget } from './graphite.js';

export default {
  mount(app, ctx) {
    const digits = h('div', { class: 'flaps', id: 'counter-value', 'aria-live': 'polite' });
    const error = h('div', { class: 'counter-error' });
    const graph = h('div', { class: 'counter-graph' });
    app.replaceChildren(h('div', { class: 'counter' }, error, digits, h('div', { class: 'caption' },
      'Messages Processed'), graph));

    let shown = null, target = 0, step = 0, delay = 0, timer = 0, frame = 0, alive = true;

    const draw = (v) => {
      const text = Math.floor(v).toLocaleString('en-US');
      digits.dataset.value = String(Math.floor(v));
      digits.replaceChildren(...[...text].map((ch) => h('span', { class: ch === ',' ? 'sep' : 'flap' }, ch)));
    };

    const animate = () => {
      if (!alive) return;
      shown = Math.min(target, shown + step);
      draw(shown);
      if (shown < target) frame = setTimeout(animate, 1000 / 60);
    };

    const poll = async () => {
      try {
        const d = await api('GET', '/api/counter');
        if (!alive) return;
        error.replaceChildren(d.message ? alert('warning', d.message) : '');
        const total = Object.values(d.stats || {}).reduce((a, s) => a + (s.message_count || 0), 0);
        clearTimeout(frame);
        delay = delay === 0 ? 100 : Math.min(10000, delay + 1000);
        if (shown == null || total < shown) { shown = total; target = total; draw(total); }
        else if (total > target) {
          target = total;
          step = Math.max(1, (total - shown) / Math.max(delay / 1000, 0.1) / 50);
          animate();
        }
        if (graphActive()) {
          graph.replaceChildren(largeGraph('', [counterTarget()], true));
          const img = graph.querySelector('img');
          img.src += `&_uniq=${Math.random()}`;
          img.height = 500;
        }
        timer = setTimeout(poll, delay);
      } catch (err) {
        if (!alive) return;
        error.replaceChildren(alert('danger', err.message));
        timer = setTimeout(poll, 10000);
      }
    };

    poll();
    return () => { alive = false; clearTimeout(timer); clearTimeout(frame); };
  },
};
