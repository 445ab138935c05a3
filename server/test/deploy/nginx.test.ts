/**
 * deploy/nginx-gitpad.conf in front of a real Gitpad server: Debian's nginx, started on loopback
 * from the repo's own site file (only the upstream and listen addresses substituted), serves the
 * page, the API, socket.io over a websocket with a ShareDB edit round trip, and a real git clone.
 * Skipped, saying why, when `nginx` is not installed (.ci/run installs it).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { cloneUrl, git, tempDir } from '../helpers/git-cli.js';
import {
  connectClient,
  type RealtimeClient,
  settled,
  submit,
  subscribe,
  waitFor,
} from '../helpers/realtime-client.js';
import { api, createSession, registerUser, startServer, type TestServer } from '../helpers/server.js';

const SITE = path.resolve(import.meta.dirname, '../../../deploy/nginx-gitpad.conf');

/** The nginx binary: on PATH, or where Debian puts it (/usr/sbin is not on every user's PATH). */
function findNginx(): string | null {
  for (const candidate of ['nginx', '/usr/sbin/nginx']) {
    try {
      execFileSync(candidate, ['-v'], { stdio: 'ignore' });
      return candidate;
    } catch {}
  }
  return null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/**
 * The site file as shipped, pointed at `upstreamPort` and listening on 127.0.0.1:`listenPort`,
 * inside the smallest main config that keeps every file nginx writes under `prefix`.
 */
function renderNginxConfig(site: string, prefix: string, upstreamPort: number, listenPort: number): string {
  const rendered = site
    .replace(/server 127\.0\.0\.1:3000;/, `server 127.0.0.1:${upstreamPort};`)
    .replace(/^\s*listen \[::\]:80;\n/m, '')
    .replace(/listen 80;/, `listen 127.0.0.1:${listenPort};`);
  const directives = rendered.replace(/#.*$/gm, '');
  if (directives.includes(':3000') || /listen (\[::\]:)?80;/.test(directives))
    throw new Error('site file not rendered');
  const runAsRoot = process.getuid?.() === 0;
  const tmp = (name: string) => path.join(prefix, name);
  return [
    // Workers would switch to `nobody`, who cannot enter the private temp dir.
    runAsRoot ? 'user root;' : '',
    'worker_processes 1;',
    'daemon off;',
    `pid ${tmp('nginx.pid')};`,
    `error_log ${tmp('error.log')} warn;`,
    'events { worker_connections 256; }',
    'http {',
    `  access_log ${tmp('access.log')};`,
    `  client_body_temp_path ${tmp('client_body')};`,
    `  proxy_temp_path ${tmp('proxy')};`,
    `  fastcgi_temp_path ${tmp('fastcgi')};`,
    `  uwsgi_temp_path ${tmp('uwsgi')};`,
    `  scgi_temp_path ${tmp('scgi')};`,
    rendered,
    '}',
    '',
  ].join('\n');
}

describe('deploy/nginx-gitpad.conf: Gitpad behind Debian nginx', () => {
  const nginx = findNginx();
  let t: TestServer;
  let proxy: ChildProcess;
  let prefix: string;
  let base: string;
  let clientDir: string;
  const dirs: string[] = [];

  before(async function () {
    if (!nginx) {
      console.warn('    SKIPPED: nginx is not installed (apt-get install nginx; .ci/run installs it)');
      this.skip();
    }
    prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'gitpad-nginx-'));
    clientDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitpad-client-'));
    fs.writeFileSync(
      path.join(clientDir, 'index.html'),
      '<!doctype html><title>Gitpad</title><div id="app"></div>',
    );
    t = await startServer({ env: { TRUST_PROXY: 'true', CLIENT_DIR: clientDir } });
    const listenPort = await freePort();
    const conf = path.join(prefix, 'nginx.conf');
    fs.writeFileSync(conf, renderNginxConfig(fs.readFileSync(SITE, 'utf8'), prefix, t.port, listenPort));
    const test = spawnSync(nginx!, ['-t', '-p', prefix, '-e', path.join(prefix, 'error.log'), '-c', conf]);
    expect(test.code, test.output).to.equal(0);
    proxy = spawn(nginx!, ['-p', prefix, '-e', path.join(prefix, 'error.log'), '-c', conf], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    proxy.stderr!.on('data', (d) => {
      stderr += d;
    });
    base = `http://127.0.0.1:${listenPort}`;
    await waitFor(
      async () => {
        if (proxy.exitCode !== null) throw new Error(`nginx exited: ${stderr}${readLog(prefix)}`);
        return fetch(`${base}/api/health`).then(
          (r) => r.ok,
          () => false,
        );
      },
      10_000,
      'nginx to answer',
    );
  });

  after(async () => {
    if (proxy && proxy.exitCode === null) {
      const exited = new Promise((r) => proxy.once('exit', r));
      proxy.kill('SIGQUIT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (proxy.exitCode === null) proxy.kill('SIGKILL');
    }
    await t?.close();
    for (const d of [prefix, clientDir, ...dirs]) if (d) fs.rmSync(d, { recursive: true, force: true });
  });

  it('serves the page and /api/health through nginx', async () => {
    const page = await fetch(`${base}/s/some-session`);
    expect(page.status).to.equal(200);
    expect(await page.text()).to.include('<title>Gitpad</title>');
    const health = await fetch(`${base}/api/health`);
    expect(health.status).to.equal(200);
    expect(await health.json()).to.deep.include({ ok: true });
  });

  it('carries socket.io over a websocket, with a ShareDB edit round trip between two clients', async () => {
    const u = await registerUser(base);
    const s = await createSession(base, u, { files: { 'main.py': 'print(1)\n' } });
    const { collection, id } = s.files['main.py']!.doc;
    const clients: RealtimeClient[] = [];
    try {
      const a = await connectClient(base, u.token);
      const b = await connectClient(base, u.token);
      clients.push(a, b);
      expect(a.socket.io.engine.transport.name).to.equal('websocket');
      const docA = a.connection.get(collection, id);
      const docB = b.connection.get(collection, id);
      await Promise.all([subscribe(docA), subscribe(docB)]);
      await submit(docA, [{ p: ['text', 0], si: '# via nginx\n' }]);
      await waitFor(
        () => (docB.data as { text: string }).text.startsWith('# via nginx\n'),
        5000,
        'the edit at B',
      );
      await submit(docB, [{ p: ['text', 0], sd: '# via nginx\n' }]);
      await settled(docB);
      await waitFor(() => (docA.data as { text: string }).text === 'print(1)\n', 5000, 'the undo at A');
    } finally {
      for (const c of clients) c.close();
    }
  });

  it('serves a real git clone through nginx', async () => {
    const u = await registerUser(base);
    const s = await createSession(base, u, { files: { 'README.md': 'cloned through nginx\n' } });
    const saved = await api(base, 'POST', `/api/sessions/${s.id}/versions`, {
      token: u.token,
      body: { message: 'first' },
    });
    expect(saved.status, JSON.stringify(saved.body)).to.be.oneOf([200, 201]);
    const d = tempDir();
    dirs.push(d);
    const target = path.join(d, 'clone');
    const cloned = await git(['clone', cloneUrl(base, s.id, u.username, 'correct horse'), target]);
    expect(cloned.code, cloned.stderr).to.equal(0);
    expect(fs.readFileSync(path.join(target, 'README.md'), 'utf8')).to.equal('cloned through nginx\n');
    // And nginx did proxy it (not some other listener): its access log has the git requests.
    expect(fs.readFileSync(path.join(prefix, 'access.log'), 'utf8')).to.match(/git-upload-pack/);
  });
});

function spawnSync(cmd: string, args: string[]): { code: number; output: string } {
  try {
    const output = execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
    return { code: 0, output };
  } catch (err) {
    const e = err as { status?: number; stderr?: string; stdout?: string };
    return { code: e.status ?? 1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

function readLog(prefix: string): string {
  try {
    return fs.readFileSync(path.join(prefix, 'error.log'), 'utf8');
  } catch {
    return '';
  }
}
