// Browser tests for the nsqadmin web UI: a real cluster, headless Debian
// chromium driven by playwright-core, figures checked against nsqd /stats.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { Cluster, eventually, getJSON, post, killOnExit, repoRoot, freePort, waitPing, consume, serve } from './cluster.js';

const TOPIC = 'uitest_orders';
const OTHER = 'uitest_audit';
const EPHEMERAL = 'uitest_tmp#ephemeral';
const CHANNEL = 'workers';
const POISON = 'uitest_poison';
const shotDir = path.join(repoRoot, 'nsqadmin/testdata/screenshots');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const cluster = new Cluster();
killOnExit(cluster);
let browser, page, consumer;
const pageErrors = [];

const num = (s) => Number(String(s).replace(/[^0-9]/g, ''));
const enc = encodeURIComponent;

// nsqd /stats for the test topic: { depth, messages, channels: {name: {...}} } per node.
async function nodeStats(n) {
  const s = await getJSON(`${n.url}/stats?format=json&topic=${TOPIC}`);
  const t = (s.topics || []).find((x) => x.topic_name === TOPIC);
  return t || { depth: 0, message_count: 0, channels: [] };
}
const chanOf = (t) => (t.channels || []).find((c) => c.channel_name === CHANNEL);
const chanOfName = (s, name) => (s.topics || [])[0].channels.find((c) => c.channel_name === name);

async function shot(name) {
  fs.mkdirSync(shotDir, { recursive: true });
  await page.screenshot({ path: path.join(shotDir, `${name}.png`), fullPage: true });
}

async function open(route) {
  await page.goto(cluster.admin + route);
  await page.waitForSelector('main#app[data-loaded]', { state: 'attached', timeout: 15000 });
}

const cellText = (row, col) => page.locator(`${row} td[data-col="${col}"]`).first().innerText();

// Clicks an admin button, checks the dialog text, confirms (or cancels).
async function confirmAction(action, name, ok = true) {
  await page.click(`button[data-action="${action}"]`);
  const dialog = page.locator('.modal');
  await dialog.waitFor({ timeout: 5000 });
  assert.equal((await dialog.locator('.modal-body').innerText()).trim(), `Are you sure you want to ${action} ${name}?`);
  assert.equal(await dialog.locator('.modal-body b').innerText(), action);
  assert.equal(await dialog.locator('.modal-body i').innerText(), name);
  await page.click(`.modal [data-modal="${ok ? 'ok' : 'cancel'}"]`);
  await dialog.waitFor({ state: 'detached', timeout: 5000 });
}

before(async () => {
  await cluster.up();
  const [n1, n2] = cluster.nsqd;
  for (const n of cluster.nsqd) {
    await post(`${n.url}/topic/create?topic=${TOPIC}`);
    await post(`${n.url}/channel/create?topic=${TOPIC}&channel=${CHANNEL}`);
  }
  // 1,200 messages on the first node, 34 on the second: 1,234 in all.
  await post(`${n1.url}/mpub?topic=${TOPIC}`, Array.from({ length: 1200 }, (_, i) => `m${i}`).join('\n'));
  await post(`${n2.url}/mpub?topic=${TOPIC}`, Array.from({ length: 34 }, (_, i) => `m${i}`).join('\n'));
  await post(`${n2.url}/pub?topic=${OTHER}`, 'hello');
  await post(`${n1.url}/pub?topic=${enc(EPHEMERAL)}`, 'hello');
  await eventually(async () => {
    const t = (await getJSON(`${cluster.admin}/api/topics`)).topics || [];
    return t.includes(TOPIC) && t.includes(OTHER) && t.includes(EPHEMERAL);
  }, { what: 'nsqadmin to list the topics' });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  page.setDefaultTimeout(15000);
  page.on('pageerror', (err) => pageErrors.push(err.message));
});

after(async () => {
  try {
    if (consumer) consumer.destroy();
    if (browser) await browser.close();
  } finally {
    await cluster.down();
    if (process.exitCode) console.error(cluster.logs());
    cluster.cleanup();
  }
});

describe('nsqadmin UI', () => {
  it('shell: globals, navbar and version label', async () => {
    await open('/');
    const g = await page.evaluate(() => ({ ua: USER_AGENT, v: VERSION, base: BASE_PATH, lookupd: NSQLOOKUPD, admin: IS_ADMIN, hist: HISTORY_INTERVAL, graph: GRAPH_ENABLED }));
    assert.match(g.ua, /^nsqadmin\/v/);
    assert.equal(g.base, '/');
    assert.deepEqual(g.lookupd, [cluster.lookupdHTTP]);
    assert.equal(g.admin, true);
    assert.equal(g.hist, 1);
    assert.equal(g.graph, false);
    assert.equal(await page.locator('#version').innerText(), `v${g.v}`);
    for (const link of ['Streams', 'Nodes', 'Counter', 'Lookup']) assert.ok(await page.locator('.nav a', { hasText: link }).count());
  });

  it('topics list: names, live figures from history, sparkline, sorting', async () => {
    await open('/');
    await page.waitForSelector(`tr[data-topic="${TOPIC}"]`);
    assert.equal(await page.locator('h2').first().innerText(), 'Topics');
    // Live refresh fills in figures from /api/history without a reload.
    await eventually(async () => (await cellText(`tr[data-topic="${TOPIC}"]`, 'messages')) === '1,234', { timeout: 20000, what: 'topics list message count 1,234' });
    await eventually(async () => Number(await page.locator(`tr[data-topic="${TOPIC}"] [data-chart]`).getAttribute('data-points')) >= 2,
      { timeout: 20000, what: 'topics list sparkline with 2 points' });
    const names = async () => page.locator('#topics-table tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.topic));
    assert.deepEqual(await names(), [OTHER, TOPIC, EPHEMERAL]);
    assert.equal(await page.locator(`tr[data-topic="${EPHEMERAL}"] .badge-ephemeral`).innerText(), 'ephemeral');
    await page.click('#topics-table th:has-text("Topic")'); // ascending
    await page.click('#topics-table th:has-text("Topic")'); // descending
    assert.deepEqual(await names(), [EPHEMERAL, TOPIC, OTHER]);
    // The periodic refresh re-renders without losing the sort order.
    const renders = Number(await page.locator('main#app').getAttribute('data-loaded'));
    await eventually(async () => Number(await page.locator('main#app').getAttribute('data-loaded')) > renders, { timeout: 10000, what: 'a live refresh' });
    assert.deepEqual(await names(), [EPHEMERAL, TOPIC, OTHER]);
    await shot('topics');
  });

  it('topic page: per-node and total figures match nsqd /stats, graphs drawn', async () => {
    // Client-side navigation: the page is not reloaded.
    await page.evaluate(() => { window.__noReload = true; });
    await page.click(`tr[data-topic="${TOPIC}"] a`);
    await page.waitForSelector('#topic-nodes');
    assert.equal(new URL(page.url()).pathname, `/topics/${TOPIC}`);
    assert.equal(await page.evaluate(() => window.__noReload), true);
    assert.equal(await page.locator('h2').first().innerText(), `Topic: ${TOPIC}`);
    let total = 0;
    for (const n of cluster.nsqd) {
      const s = await nodeStats(n);
      const row = `#topic-nodes tr[data-node="${n.http}"]`;
      assert.equal(num(await cellText(row, 'depth')), s.depth, `${n.name} depth`);
      assert.equal(num(await cellText(row, 'messages')), s.message_count, `${n.name} messages`);
      total += s.message_count;
    }
    assert.equal(total, 1234);
    assert.equal(await cellText('#topic-nodes tr.total', 'messages'), '1,234');
    const chDepth = (await Promise.all(cluster.nsqd.map(nodeStats))).reduce((a, s) => a + chanOf(s).depth, 0);
    assert.equal(await cellText(`#topic-channels tr[data-channel="${CHANNEL}"]`, 'depth'), chDepth.toLocaleString('en-US'));
    // Graph with at least two samples, drawn by uPlot on a canvas.
    const chart = `[data-chart="topic:${TOPIC}:depth"]`;
    await eventually(async () => Number(await page.locator(chart).getAttribute('data-points')) >= 2, { timeout: 20000, what: 'topic graph with 2 points' });
    assert.equal(await page.locator(`${chart} canvas`).count(), 1);
    assert.ok(await page.locator(`${chart} .uplot`).count());
    await shot('topic');
  });

  it('topic page: pause and unpause the topic; deep link to an ephemeral topic', async () => {
    const paused = async () => (await Promise.all(cluster.nsqd.map(nodeStats))).map((s) => s.paused);
    await confirmAction('pause', TOPIC);
    await page.waitForSelector('button[data-action="unpause"]');
    assert.deepEqual(await paused(), [true, true]);
    await confirmAction('unpause', TOPIC);
    await page.waitForSelector('button[data-action="pause"]');
    assert.deepEqual(await paused(), [false, false]);
    await open(`/topics/${enc(EPHEMERAL)}`);
    await page.waitForSelector('#topic-nodes');
    assert.equal(await page.locator('h2').first().innerText(), `Topic: ${EPHEMERAL} ephemeral`);
    assert.equal(await page.locator('#topic-nodes tbody tr').count(), 1);
  });

  it('nodes page lists both nsqd with their ports', async () => {
    await open('/nodes');
    await page.waitForSelector('#nodes-table');
    assert.equal(await page.locator('h2').first().innerText(), 'NSQd Nodes (2)');
    for (const n of cluster.nsqd) {
      const row = page.locator(`#nodes-table tr[data-node="${n.http}"]`);
      assert.equal(await row.count(), 1, n.http);
      assert.ok((await row.innerText()).includes(n.http.split(':')[1]));
      assert.ok(await row.locator(`a:has-text("${TOPIC}")`).count());
    }
    await shot('nodes');
  });

  it('node page: topic and channel figures match nsqd /stats', async () => {
    const n = cluster.nsqd[0];
    await open(`/nodes/${enc(n.http)}`);
    await page.waitForSelector('#node-topics');
    const s = await nodeStats(n);
    const row = `#node-topics tr[data-topic="${TOPIC}"]`;
    assert.equal(num(await cellText(row, 'depth')), s.depth);
    assert.equal(num(await cellText(row, 'messages')), s.message_count);
    const all = await getJSON(`${n.url}/stats?format=json`);
    const total = all.topics.reduce((a, t) => a + t.message_count, 0);
    assert.ok((await page.locator('#node-topics thead').textContent()).includes(`${total.toLocaleString('en-US')} Messages`));
    await eventually(async () => Number(await page.locator(`[data-chart="node:${n.http}:rate"]`).getAttribute('data-points')) >= 2,
      { timeout: 20000, what: 'node graph with 2 points' });
    await shot('node');
  });

  it('counter shows the sum of channel message counts', async () => {
    const stats = await Promise.all(cluster.nsqd.map(nodeStats));
    const expected = stats.reduce((a, s) => a + s.channels.reduce((b, c) => b + c.message_count, 0), 0);
    await open('/counter');
    await eventually(async () => Number(await page.locator('#counter-value').getAttribute('data-value')) === expected,
      { what: `counter to show ${expected}` });
    assert.equal((await page.locator('#counter-value').innerText()).replace(/\s/g, ''), expected.toLocaleString('en-US'));
    assert.equal(await page.locator('.counter .caption').innerText(), 'MESSAGES PROCESSED'.toUpperCase());
    await shot('counter');
  });

  it('lookup: create a topic through the form, then delete it as inactive', async () => {
    await open('/lookup');
    await page.waitForSelector('#lookupd-hosts');
    assert.ok((await page.locator('#lookupd-hosts').innerText()).includes(cluster.lookupdHTTP));
    await page.fill('input[name="topic"]', 'uitest_created');
    await page.click('#create-form button[type="submit"]');
    await eventually(async () => ((await getJSON(`http://${cluster.lookupdHTTP}/topics`)).topics || []).includes('uitest_created'),
      { what: 'lookupd to know uitest_created' });
    const item = page.locator('#inactive li[data-topic="uitest_created"]');
    await item.waitFor();
    await shot('lookup');
    await item.locator('button.btn-x').first().click();
    await item.waitFor({ state: 'detached' });
    assert.ok(!((await getJSON(`http://${cluster.lookupdHTTP}/topics`)).topics || []).includes('uitest_created'));
  });

  it('channel page: figures and clients match nsqd /stats', async () => {
    const n1 = cluster.nsqd[0];
    consumer = consume(n1.tcp, TOPIC, CHANNEL, { client_id: 'uitest-consumer', hostname: 'uitest-host', user_agent: 'uitest/1.0' });
    await eventually(async () => chanOf(await nodeStats(n1)).in_flight_count === 1, { what: 'one message in flight' });
    await open(`/topics/${TOPIC}/${CHANNEL}`);
    await page.waitForSelector('#channel-nodes');
    assert.equal(await page.locator('h2:not(.sub)').first().innerText(), `Channel: ${CHANNEL}`);
    let depth = 0;
    for (const n of cluster.nsqd) {
      const c = chanOf(await nodeStats(n));
      const row = `#channel-nodes tr[data-node="${n.http}"]`;
      assert.equal(num(await cellText(row, 'depth')), c.depth);
      assert.equal(num(await cellText(row, 'in_flight')), c.in_flight_count);
      assert.equal(num(await cellText(row, 'messages')), c.message_count);
      depth += c.depth;
    }
    assert.equal(await cellText('#channel-nodes tr.total', 'depth'), depth.toLocaleString('en-US'));
    const client = page.locator('#channel-clients tbody tr');
    assert.equal(await client.count(), 1);
    const ct = await client.innerText();
    for (const want of ['uitest-host', '(uitest-consumer)', 'uitest/1.0', n1.http]) assert.ok(ct.includes(want), `client row lacks ${want}: ${ct}`);
    await eventually(async () => Number(await page.locator(`[data-chart="channel:${TOPIC}/${CHANNEL}:rate"] `).getAttribute('data-points')) >= 2,
      { timeout: 20000, what: 'channel graph with 2 points' });
    await shot('channel');
  });

  it('channel page: Messages tab peeks without consuming, filters, expands, downloads, acts on deferred', async () => {
    const [n1, n2] = cluster.nsqd;
    const before = await Promise.all(cluster.nsqd.map(async (n) => chanOf(await nodeStats(n)).depth));
    await page.click('[data-tab="messages"]');
    const rows = page.locator('#messages-table tbody tr');
    await eventually(async () => (await rows.count()) === 134, { what: '100 queued messages from the first node and 34 from the second' });
    assert.equal(await page.locator('#msg-count').innerText(), '134 of 134 loaded');
    // Oldest first: the first node's m0 is in flight, so its m1 leads.
    assert.equal(await rows.first().getAttribute('data-node'), n1.http);
    assert.equal(await rows.first().locator('.msg-preview').innerText(), 'm1');
    assert.deepEqual(await Promise.all(cluster.nsqd.map(async (n) => chanOf(await nodeStats(n)).depth)), before, 'peeking consumed nothing');

    await page.fill('input[name="msg-search"]', 'm33');
    await eventually(async () => (await rows.count()) === 2, { what: 'search to keep m33 of both nodes' });
    assert.deepEqual(await rows.evaluateAll((rs) => rs.map((r) => r.dataset.node)), [n1.http, n2.http]);
    await page.fill('input[name="msg-search"]', '');

    const download = page.waitForEvent('download');
    await page.click('#msg-download');
    const lines = fs.readFileSync(await (await download).path(), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 134);
    assert.equal(Buffer.from(lines[0].body, 'base64').toString(), 'm1');
    assert.equal(lines[0].node, n1.http);

    await page.selectOption('select[name="msg-state"]', 'in_flight');
    await eventually(async () => (await rows.count()) === 1 && (await rows.first().innerText()).includes('uitest-host'), { what: 'the in-flight message and its client' });
    assert.equal(await rows.first().locator('.msg-preview').innerText(), 'm0');

    const long = 'x'.repeat(150) + '-tail';
    await post(`${n2.url}/pub?topic=${TOPIC}&defer=600000`, long);
    await post(`${n2.url}/pub?topic=${TOPIC}&defer=600000`, Buffer.from([0xff, 0xfe, 0x00, 0x41]));
    await page.selectOption('select[name="msg-state"]', 'deferred');
    await eventually(async () => (await rows.count()) === 2, { what: 'two deferred messages' });
    const [longRow, binRow] = [rows.nth(0), rows.nth(1)];
    assert.ok((await longRow.locator('.msg-preview').innerText()).endsWith('…'));
    await longRow.locator('.msg-expand').click();
    assert.equal(await rows.nth(0).locator('.msg-full').innerText(), long);
    assert.equal(await binRow.locator('.badge').innerText(), 'hex');
    assert.equal(await binRow.locator('.msg-preview').innerText(), 'ff fe 00 41');
    await shot('channel-messages');

    const act = async (row, action) => {
      await row.locator(`[data-msg-action="${action}"]`).click();
      await page.locator('.modal').waitFor();
      await page.click('.modal [data-modal="ok"]');
    };
    await act(rows.nth(0), 'deliver');
    await eventually(async () => (await rows.count()) === 1, { what: 'the delivered message to leave the deferred list' });
    await act(rows.nth(0), 'delete');
    await page.locator('#messages .alert-info').waitFor();
    const c2 = chanOf(await nodeStats(n2));
    assert.equal(c2.deferred_count, 0);
    assert.equal(c2.depth, before[1] + 1, 'the delivered one is queued, the deleted one gone');
    await page.click('[data-tab="overview"]');
    await page.waitForSelector('#channel-nodes');
  });

  it('topic page: Messages tab shows the backlog of a topic without channels', async () => {
    await open(`/topics/${OTHER}`);
    await page.click('[data-tab="messages"]');
    const rows = page.locator('#messages-table tbody tr');
    await rows.first().waitFor();
    assert.equal(await rows.count(), 1);
    assert.equal(await rows.first().getAttribute('data-node'), cluster.nsqd[1].http);
    assert.equal(await rows.first().locator('.msg-preview').innerText(), 'hello');
    assert.equal(await page.locator('select[name="msg-state"]').count(), 0, 'a topic has only queued messages');
    await open(`/topics/${TOPIC}/${CHANNEL}`);
    await page.waitForSelector('#channel-nodes');
  });

  it('channel page: pause and unpause through the confirm dialog', async () => {
    const paused = async () => (await Promise.all(cluster.nsqd.map(nodeStats))).map((s) => chanOf(s).paused);
    await confirmAction('pause', `${TOPIC}/${CHANNEL}`, false); // Cancel does nothing
    assert.deepEqual(await paused(), [false, false]);
    await confirmAction('pause', `${TOPIC}/${CHANNEL}`);
    await page.waitForSelector('button[data-action="unpause"]');
    assert.deepEqual(await paused(), [true, true]);
    assert.ok(await page.locator('h2 .badge-paused').count());
    await shot('channel-paused');
    await confirmAction('unpause', `${TOPIC}/${CHANNEL}`);
    await page.waitForSelector('button[data-action="pause"]');
    assert.deepEqual(await paused(), [false, false]);
  });

  it('channel page: a failed action shows a red alert', async () => {
    const api = `${cluster.admin}/api/topics/${TOPIC}/${CHANNEL}`;
    await page.route(api, (route) => (route.request().method() === 'POST'
      ? route.fulfill({ status: 502, contentType: 'application/json', body: '{"message":"UPSTREAM_ERROR: failed to query any nsqd: test"}' })
      : route.fallback()));
    await confirmAction('empty', `${TOPIC}/${CHANNEL}`);
    const err = page.locator('.banners .alert-danger');
    await err.waitFor();
    assert.ok((await err.innerText()).includes('UPSTREAM_ERROR: failed to query any nsqd: test'));
    await page.unroute(api);
    await err.locator('button.close').click();
    await err.waitFor({ state: 'detached' });
  });

  it('channel page: empty the queue', async () => {
    await confirmAction('empty', `${TOPIC}/${CHANNEL}`);
    await eventually(async () => (await Promise.all(cluster.nsqd.map(nodeStats))).every((s) => chanOf(s).depth === 0), { what: 'nsqd depth 0' });
    await eventually(async () => (await cellText('#channel-nodes tr.total', 'depth')) === '0', { what: 'UI depth 0' });
  });

  it('channel page: delete the channel, back on the topic page', async () => {
    await confirmAction('delete', `${TOPIC}/${CHANNEL}`);
    await page.waitForURL(`${cluster.admin}/topics/${TOPIC}`);
    await page.waitForSelector('#topic-nodes');
    for (const n of cluster.nsqd) assert.equal(chanOf(await nodeStats(n)), undefined, `${n.name} still has ${CHANNEL}`);
    assert.ok((await page.innerText('main')).includes('Messages queue at the topic until a channel is created'));
  });

  it('channel page: set max attempts, then redrive the dead-lettered messages', async () => {
    const n1 = cluster.nsqd[0];
    const cfgURL = `${n1.url}/channel/config?topic=${POISON}&channel=c`;
    await post(`${n1.url}/topic/create?topic=${POISON}`);
    await post(`${n1.url}/channel/create?topic=${POISON}&channel=c`);
    await eventually(async () => ((await getJSON(`${cluster.admin}/api/topics`)).topics || []).includes(POISON), { what: 'nsqadmin to list the poison topic' });
    await open(`/topics/${POISON}/c`);
    await page.waitForSelector('#channel-policy-form');
    assert.equal(await page.locator('#channel-policy [data-col="max_attempts"]').innerText(), 'unlimited');
    await page.fill('#channel-policy-form input[name="max_attempts"]', '1');
    await page.click('#channel-policy-form [data-action="save-settings"]');
    await eventually(async () => (await getJSON(cfgURL)).max_attempts === 1, { what: 'max_attempts 1 on nsqd' });
    await eventually(async () => (await page.locator('#channel-policy [data-col="max_attempts"]').innerText()) === '1', { what: 'UI max attempts 1' });

    // Three messages, each held by a consumer until it times out once.
    await post(`${n1.url}/mpub?topic=${POISON}`, 'p1\np2\np3');
    const sock = consume(n1.tcp, POISON, 'c', { msg_timeout: 1000 });
    await eventually(async () => (await getJSON(cfgURL)).dead_letter_count === 3, { timeout: 20000, what: '3 dead-lettered' });
    sock.destroy();
    await open(`/topics/${POISON}/c`);
    const dlt = `${POISON}.c.dead`;
    assert.equal(await page.locator('#channel-policy [data-col="dead_letter_count"]').innerText(), '3');
    assert.equal(await page.locator('#channel-policy [data-col="dead_letter_depth"]').innerText(), '3');
    assert.equal(await page.locator('#dead-letter-link').getAttribute('href'), `/topics/${enc(dlt)}`);
    await shot('channel-dead-letters');

    await confirmAction('redrive', `${dlt} into ${POISON}/c`, false); // Cancel does nothing
    assert.equal((await getJSON(cfgURL)).dead_letter_depth, 3);
    await confirmAction('redrive', `${dlt} into ${POISON}/c`);
    await eventually(async () => (await getJSON(cfgURL)).dead_letter_depth === 0, { what: 'dead-letter topic emptied' });
    assert.equal(chanOfName(await getJSON(`${n1.url}/stats?format=json&topic=${POISON}`), 'c').depth, 3);
    await eventually(async () => (await page.locator('#channel-policy [data-col="dead_letter_depth"]').innerText()) === '0', { what: 'UI dead-letter depth 0' });
  });

  it('topic page: cap the backlog and set a TTL through the settings form', async () => {
    const n1 = cluster.nsqd[0];
    await open(`/topics/${POISON}`);
    await page.waitForSelector('#topic-policy-form');
    assert.equal(await page.locator('#topic-policy [data-col="max_depth"]').innerText(), 'no cap');
    await page.fill('#topic-policy-form input[name="max_depth"]', '10');
    await page.selectOption('#topic-policy-form select[name="overflow"]', 'drop_oldest');
    await page.fill('#topic-policy-form input[name="msg_ttl"]', '1h');
    await page.click('#topic-policy-form [data-action="save-settings"]');
    await eventually(async () => {
      const c = await getJSON(`${n1.url}/topic/config?topic=${POISON}`);
      return c.max_depth === 10 && c.overflow === 'drop_oldest' && c.msg_ttl === '1h0m0s';
    }, { what: 'topic limits on nsqd' });
    await eventually(async () => (await page.locator('#topic-policy [data-col="max_depth"]').innerText()) === '10', { what: 'UI max depth' });
    assert.equal(await page.locator('#topic-policy [data-col="overflow"]').innerText(), 'drop_oldest');
    assert.equal(await page.locator('#topic-policy [data-col="msg_ttl"]').innerText(), '1h0m0s');
    await shot('topic-settings');
  });

  it('base path and Graphite mode: routing, assets and sparkline images', async () => {
    const admin2 = await cluster.extraAdmin('nsqadmin-bp', ['--base-path=/admin', '--graphite-url=http://127.0.0.1:9']);
    await waitPing(`${admin2}/admin/ping`);
    await page.goto(`${admin2}/admin/topics/${TOPIC}`);
    await page.waitForSelector('#topic-nodes');
    assert.equal(await page.evaluate(() => BASE_PATH), '/admin');
    assert.ok(await page.locator('.dropdown summary').count(), 'graph timeframe menu');
    const img = await page.locator('#topic-nodes img.graphite-spark').first().getAttribute('src');
    assert.ok(img.startsWith('http://127.0.0.1:9/render?'), img);
    assert.ok(decodeURIComponent(img).includes(`sumSeries(stats.gauges.nsq.127_0_0_1_`), img);
    await page.click('.breadcrumb a:has-text("Streams")');
    await page.waitForSelector('#topics-table');
    assert.equal(new URL(page.url()).pathname, '/admin');
    await page.click('.nav a:has-text("Nodes")');
    await page.waitForSelector('#nodes-table');
    assert.equal(new URL(page.url()).pathname, '/admin/nodes');
    await page.goBack();
    await page.waitForSelector('#topics-table');
    await shot('topics-graphite');
  });

  it('Graphite rate cells: JSON read with fetch, no script from the Graphite origin', async () => {
    const graphite = await serve((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Access-Control-Allow-Origin': '*' });
      res.end(JSON.stringify([{ target: 'x', datapoints: [[120, 1]] }]));
    });
    try {
      const admin3 = await cluster.extraAdmin('nsqadmin-graphite', [`--graphite-url=${graphite.url}`]);
      await waitPing(`${admin3}/ping`);
      const scripts = [];
      const onRequest = (r) => { if (r.resourceType() === 'script' && r.url().startsWith(graphite.url)) scripts.push(r.url()); };
      page.on('request', onRequest);
      await page.goto(`${admin3}/`);
      await page.waitForSelector(`tr[data-topic="${TOPIC}"] td.rate`);
      // 120 messages in the last statsd interval of 60 s.
      await eventually(async () => (await page.locator(`tr[data-topic="${TOPIC}"] td.rate`).innerText()) === '2.00',
        { what: 'rate cell 2.00 from graphite' });
      page.off('request', onRequest);
      assert.ok(graphite.requests.some((u) => u.startsWith('/render?') && u.includes('format=json')), graphite.requests.join(' '));
      assert.deepEqual(scripts, []);
    } finally {
      await graphite.close();
    }
  });

  it('authed clients: the identity becomes a link only for an http(s) URL', async () => {
    const urls = { good: 'https://auth.example/u/good', evil: 'javascript:document.title="pwned"' };
    const auth = await serve((req, res) => {
      const secret = new URL(req.url, 'http://x').searchParams.get('secret');
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ ttl: 3600, identity: secret, identity_url: urls[secret],
        authorizations: [{ topic: '.*', channels: ['.*'], permissions: ['subscribe', 'publish'] }] }));
    });
    const socks = [];
    try {
      const n = await cluster.extraNSQD('nsqd-auth', [`--auth-http-address=${auth.url.slice('http://'.length)}`]);
      await post(`${n.url}/pub?topic=uitest_authed`, 'x');
      for (const secret of Object.keys(urls)) socks.push(consume(n.tcp, 'uitest_authed', 'c', { client_id: secret }, secret));
      await eventually(async () => {
        const s = await getJSON(`${n.url}/stats?format=json&topic=uitest_authed`);
        return s.topics?.[0]?.channels?.[0]?.clients?.filter((c) => c.authed).length === 2;
      }, { what: 'two authed clients' });
      await eventually(async () => {
        await open('/topics/uitest_authed/c');
        return (await page.locator('#channel-clients tbody tr').count()) === 2;
      }, { what: 'both clients on the channel page' });
      assert.equal(await page.locator('#channel-clients .badge:has-text("Authed")').count(), 2);
      const hrefs = await page.locator('#channel-clients a:has(.badge)').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      assert.deepEqual(hrefs, [urls.good]);
    } finally {
      for (const s of socks) s.destroy();
      await auth.close();
    }
  });

  it('warns when part of the cluster cannot be reached', async () => {
    // A second, dead nsqlookupd: every API answer now carries a WARNING.
    const dead = `127.0.0.1:${await freePort()}`;
    const r = await fetch(`${cluster.admin}/config/nsqlookupd_http_addresses`, { method: 'PUT', body: JSON.stringify([cluster.lookupdHTTP, dead]) });
    assert.equal(r.status, 200, await r.text());
    await open(`/topics/${TOPIC}`);
    const warn = page.locator('.banners .alert-warning');
    await warn.waitFor();
    assert.match(await warn.innerText(), /WARNING/);
    assert.ok((await warn.innerText()).includes(dead));
    await shot('topic-warning');
    assert.deepEqual(pageErrors, []);
  });

  it('node page: drain a node through the confirm dialog', async () => {
    // An nsqadmin that asks the nsqd directly still shows the node once it
    // has left nsqlookupd.
    const n1 = cluster.nsqd[0];
    const addr = `127.0.0.1:${await freePort()}`;
    cluster.start('nsqadmin-direct', 'nsqadmin', [`--http-address=${addr}`, `--nsqd-http-address=${n1.http}`]);
    await waitPing(`http://${addr}/ping`);
    await page.goto(`http://${addr}/nodes/${n1.http}`);
    await page.waitForSelector('#node-drain button[data-action="drain"]');
    await confirmAction('drain', n1.http, false);
    assert.equal((await fetch(`${n1.url}/ping`)).status, 200);
    await confirmAction('drain', n1.http);
    await eventually(async () => (await fetch(`${n1.url}/ping`)).status === 500, { what: 'nsqd /ping fails' });
    assert.equal((await getJSON(`${n1.url}/stats?format=json`)).draining, true);
    await page.waitForSelector('#node-drain .badge');
    assert.equal(await page.locator('#node-drain .badge').textContent(), 'draining');
    assert.equal(await page.locator('#node-drain button[data-action="drain"]').count(), 0);
    const listed = async () => (await getJSON(`http://${cluster.lookupdHTTP}/nodes`)).producers
      .some((p) => `${p.broadcast_address}:${p.http_port}` === n1.http);
    await eventually(async () => !(await listed()), { what: 'nsqlookupd drops the node' });
    await shot('node-draining');
    assert.deepEqual(pageErrors, []);
  });
});
