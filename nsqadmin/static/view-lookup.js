// Lookup: configured nsqlookupd hosts, topics and channels known to
// lookupd but produced on no nsqd, and the create form.
import { h, frag, notice, alert } from './dom.js';
import { api, links } from './api.js';

const enc = encodeURIComponent;

export default {
  async load(ctx) {
    if (!(window.NSQLOOKUPD || []).length) return { inactive: {} };
    const d = await ctx.get('/api/topics?inactive=true');
    return { inactive: d.topics || {} };
  },

  render({ inactive }, ctx) {
    const title = h('h2', {}, 'Lookup');
    const lookupds = window.NSQLOOKUPD || [];
    if (!lookupds.length) return frag(title, notice('nsqadmin is not configured with nsqlookupd hosts'));
    const names = Object.keys(inactive).sort();
    const del = (path) => ctx.act(() => api('DELETE', path));
    return frag(title,
      h('table', { class: 'table narrow', id: 'lookupd-hosts' },
        h('thead', {}, h('tr', {}, h('th', {}, 'nsqlookupd Host'))),
        h('tbody', {}, lookupds.map((l) => h('tr', {}, h('td', {}, l))))),
      h('h3', {}, 'Inactive Topics'),
      h('p', { class: 'muted' },
        'Topics and channels registered with nsqlookupd that no nsqd currently produces. ' +
        'Deleting them here removes the registrations.'),
      names.length ? h('ul', { class: 'tree', id: 'inactive' }, names.map((t) => h('li', { 'data-topic': t },
        h('button', { class: 'btn-x', title: `Delete ${t}`, onclick: () => del(`/api/topics/${enc(t)}`) }, '✘'), ' ',
        h('a', { href: links.topic(t), class: 'link' }, t),
        (inactive[t] || []).length ? h('ul', {}, inactive[t].map((c) => h('li', { 'data-channel': c },
          h('button', { class: 'btn-x', title: `Delete ${t}/${c}`,
            onclick: () => del(`/api/topics/${enc(t)}/${enc(c)}`) }, '✘'), ' ',
          h('a', { href: links.channel(t, c), class: 'link' }, c)))) : null)))
        : notice('No inactive Topics'),
      window.IS_ADMIN ? createForm(ctx) : null);
  },
};

function createForm(ctx) {
  const submit = (e) => {
    e.preventDefault();
    const form = e.target;
    const topic = form.elements.topic.value.trim();
    const channel = form.elements.channel.value.trim();
    if (!topic) { ctx.state.formError = 'Topic Name is required'; ctx.rerender(); return; }
    ctx.state.formError = null;
    ctx.act(async () => {
      const res = await api('POST', '/api/topics', channel ? { topic, channel } : { topic });
      form.elements.topic.value = '';
      form.elements.channel.value = '';
      return res;
    });
  };
  return h('form', { class: 'create-form', id: 'create-form', onsubmit: submit },
    h('h3', {}, 'Create Topic/Channel'),
    ctx.state.formError ? alert('danger', ctx.state.formError) : null,
    h('p', { class: 'muted' },
      'This registers the topic (and channel) with every nsqlookupd; ' +
      'leave Channel Name empty to create only the topic.'),
    h('div', { class: 'form-row' },
      h('input', { name: 'topic', placeholder: 'Topic Name', 'aria-label': 'Topic Name', autocomplete: 'off' }),
      h('input', { name: 'channel', placeholder: 'Channel Name', 'aria-label': 'Channel Name', autocomplete: 'off' }),
      h('button', { class: 'btn btn-primary', type: 'submit' }, 'Create')));
}
