// Starts and stops a throw-away NSQ cluster (nsqlookupd, two nsqd,
// nsqadmin) from the binaries in build/, on free 127.0.0.1 ports.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const repoRoot = path.resolve(import.meta.dirname, '../..');
export const buildDir = process.env.BUILD_DIR ? path.resolve(repoRoot, process.env.BUILD_DIR) : path.join(repoRoot, 'build');

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Polls fn until it returns a truthy value (returned) or the time is up.
export async function eventually(fn, { timeout = 15000, interval = 100, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await sleep(interval);
  }
}

export async function getJSON(url) {
  const r = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!r.ok) throw new Error(`${url}: ${r.status} ${await r.text()}`);
  return r.json();
}

export async function post(url, body) {
  const r = await fetch(url, { method: 'POST', body, signal: AbortSignal.timeout(5000) });
  if (!r.ok) throw new Error(`${url}: ${r.status} ${await r.text()}`);
  return r.text();
}

export class Cluster {
  constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsqadmin-uitest-'));
    this.procs = [];
    this.nsqd = [];
  }

  start(name, bin, args) {
    const log = fs.openSync(path.join(this.dir, `${name}.log`), 'a');
    const child = spawn(path.join(buildDir, bin), args, { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    const proc = { name, child, exited: new Promise((r) => child.on('exit', r)) };
    child.on('error', (err) => { proc.error = err; });
    this.procs.push(proc);
    return proc;
  }

  async up() {
    const [lt, lh] = [await freePort(), await freePort()];
    this.lookupdHTTP = `127.0.0.1:${lh}`;
    this.lookupdTCP = `127.0.0.1:${lt}`;
    this.start('nsqlookupd', 'nsqlookupd', [`--tcp-address=127.0.0.1:${lt}`, `--http-address=${this.lookupdHTTP}`]);
    await waitPing(`http://${this.lookupdHTTP}/ping`);
    for (const i of [1, 2]) {
      const [t, hp] = [await freePort(), await freePort()];
      const data = path.join(this.dir, `nsqd${i}`);
      fs.mkdirSync(data);
      const http = `127.0.0.1:${hp}`;
      this.start(`nsqd${i}`, 'nsqd', [`--tcp-address=127.0.0.1:${t}`, `--http-address=${http}`, `--data-path=${data}`,
        `--lookupd-tcp-address=127.0.0.1:${lt}`, '--broadcast-address=127.0.0.1']);
      this.nsqd.push({ name: `nsqd${i}`, http, tcp: `127.0.0.1:${t}`, url: `http://${http}`, proc: this.procs.at(-1) });
    }
    for (const n of this.nsqd) await waitPing(`${n.url}/ping`);
    const ah = await freePort();
    this.adminHTTP = `127.0.0.1:${ah}`;
    this.start('nsqadmin', 'nsqadmin', [`--http-address=${this.adminHTTP}`, `--lookupd-http-address=${this.lookupdHTTP}`, '--stats-interval=1s']);
    await waitPing(`http://${this.adminHTTP}/ping`);
    // Both nsqd must be registered before nsqadmin can see them.
    await eventually(async () => (await getJSON(`http://${this.lookupdHTTP}/nodes`)).producers?.length === 2, { what: 'two nsqd registered with nsqlookupd' });
  }

  get admin() { return `http://${this.adminHTTP}`; }

  // Another nsqadmin on the same cluster with extra flags; returns its URL.
  async extraAdmin(name, flags) {
    const addr = `127.0.0.1:${await freePort()}`;
    this.start(name, 'nsqadmin', [`--http-address=${addr}`, `--lookupd-http-address=${this.lookupdHTTP}`, '--stats-interval=1s', ...flags]);
    return `http://${addr}`;
  }

  // Another nsqd registered with the cluster's nsqlookupd, with extra flags.
  async extraNSQD(name, flags) {
    const [t, hp] = [await freePort(), await freePort()];
    const data = path.join(this.dir, name);
    fs.mkdirSync(data);
    const n = { name, http: `127.0.0.1:${hp}`, tcp: `127.0.0.1:${t}`, url: `http://127.0.0.1:${hp}` };
    n.proc = this.start(name, 'nsqd', [`--tcp-address=${n.tcp}`, `--http-address=${n.http}`, `--data-path=${data}`,
      `--lookupd-tcp-address=${this.lookupdTCP}`, '--broadcast-address=127.0.0.1', ...flags]);
    await waitPing(`${n.url}/ping`);
    return n;
  }

  // Stops every process: SIGTERM, then SIGKILL after 5 s.
  async down() {
    await Promise.all(this.procs.map(async (p) => {
      if (p.child.exitCode !== null || p.child.signalCode !== null) return;
      p.child.kill('SIGTERM');
      const t = setTimeout(() => p.child.kill('SIGKILL'), 5000);
      await p.exited;
      clearTimeout(t);
    }));
  }

  async stop(name) {
    const p = this.procs.find((x) => x.name === name);
    p.child.kill('SIGTERM');
    await p.exited;
  }

  logs() {
    return this.procs.map((p) => {
      let text = '';
      try { text = fs.readFileSync(path.join(this.dir, `${p.name}.log`), 'utf8'); } catch { /* none */ }
      return `----- ${p.name} (last lines) -----\n${text.split('\n').slice(-15).join('\n')}`;
    }).join('\n');
  }

  cleanup() {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function waitPing(url) {
  await eventually(async () => (await fetch(url, { signal: AbortSignal.timeout(1000) })).ok, { timeout: 15000, what: url });
}

// A throw-away HTTP server on 127.0.0.1 (a fake auth server or graphite):
// resolves to { url, requests, close }, requests listing each request URL.
export function serve(handler) {
  const requests = [];
  const srv = http.createServer((req, res) => { requests.push(req.url); handler(req, res); });
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${srv.address().port}`, requests, close: () => new Promise((r) => srv.close(r)),
  })));
}

// Kill children if the runner itself is interrupted.
export function killOnExit(cluster) {
  const kill = () => { for (const p of cluster.procs) if (p.child.exitCode === null) p.child.kill('SIGKILL'); };
  process.on('exit', kill);
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { kill(); process.exit(130); });
}

// A minimal protocol V2 consumer: IDENTIFY, AUTH (when a secret is given),
// SUB, RDY 1, and nothing else, so the one message it receives stays in
// flight. Returns the socket.
export function consume(tcp, topic, channel, identity, secret) {
  const [host, port] = tcp.split(':');
  const sock = net.connect(Number(port), host);
  const withSize = (b) => {
    const size = Buffer.alloc(4);
    size.writeUInt32BE(b.length);
    return Buffer.concat([size, b]);
  };
  const auth = secret == null ? [] : [Buffer.from('AUTH\n'), withSize(Buffer.from(secret))];
  sock.write(Buffer.concat([Buffer.from('  V2IDENTIFY\n'), withSize(Buffer.from(JSON.stringify(identity))), ...auth,
    Buffer.from(`SUB ${topic} ${channel}\nRDY 1\n`)]));
  sock.on('data', () => {});
  sock.on('error', () => {});
  return sock;
}
