import fs from 'node:fs';
import { expect } from 'chai';
import { createLogger } from '../../src/log/index.js';
import { cloneUrl, git, tempDir } from '../helpers/git-cli.js';
import {
  connectClient,
  type RealtimeClient,
  submit,
  subscribe,
  waitFor,
} from '../helpers/realtime-client.js';
import { api, createSession, registerUser, startServer, type TestServer } from '../helpers/server.js';

const TOKEN = 'scrape-me-0123456789abcdef';

/** `name{labels}` → value, from Prometheus' text format. */
async function scrape(t: TestServer): Promise<Map<string, number>> {
  const res = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).to.equal(200);
  const samples = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

describe('operations: metrics, readiness and request ids', () => {
  describe('GET /metrics', () => {
    let t: TestServer;
    const clients: RealtimeClient[] = [];
    const dirs: string[] = [];
    before(async () => {
      // Commits happen only when asked, so the commit lag can be seen growing.
      t = await startServer({
        env: { METRICS_TOKEN: TOKEN, COMMIT_IDLE_MS: '600000', COMMIT_MAX_MS: '600000' },
      });
    });
    after(async () => {
      for (const c of clients) c.close();
      await t.close();
      for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    });
    const open = async (token: string, doc: { collection: string; id: string }) => {
      const c = await connectClient(t.url, token);
      clients.push(c);
      const d = c.connection.get(doc.collection, doc.id);
      await subscribe(d);
      return { client: c, doc: d };
    };

    it('is refused without the token, or with a wrong one, with the usual error body', async () => {
      const none = await api(t.url, 'GET', '/metrics');
      expect(none.status).to.equal(401);
      expect(none.body.error.code).to.equal('ERR_UNAUTHENTICATED');
      const wrong = await api(t.url, 'GET', '/metrics', { headers: { authorization: `Bearer ${TOKEN}x` } });
      expect(wrong.status).to.equal(401);
      expect(wrong.body.error.code).to.equal('ERR_UNAUTHENTICATED');
      const basic = await api(t.url, 'GET', '/metrics', { headers: { authorization: `Basic ${TOKEN}` } });
      expect(basic.status).to.equal(401);
    });

    it('serves Prometheus text with the process metrics to the token holder', async () => {
      const res = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.match(/^text\/plain; version=0\.0\.4/);
      const samples = await scrape(t);
      expect(samples.get('gitpad_connected_sockets')).to.equal(0);
      expect(samples.get('nodejs_eventloop_lag_seconds')).to.be.a('number');
      expect(samples.get('process_resident_memory_bytes')).to.be.greaterThan(0);
      expect(samples.get('nodejs_heap_size_used_bytes')).to.be.greaterThan(0);
    });

    it('counts what people do: sockets, sessions, ops, transforms, refusals, commits and clones', async () => {
      const alice = await registerUser(t.url, 'mira');
      const bob = await registerUser(t.url, 'nils');
      const viewer = await registerUser(t.url, 'olga');
      const s = await createSession(t.url, alice, {
        members: [
          [bob, 'editor'],
          [viewer, 'viewer'],
        ],
        files: { 'a.txt': 'hello\n' },
      });
      const fileDoc = s.files['a.txt']!.doc;
      const a = await open(alice.token, fileDoc);
      const b = await open(bob.token, fileDoc);
      const v = await open(viewer.token, fileDoc);
      for (const c of [a, b]) {
        const joined = await c.client.socket.timeout(3000).emitWithAck('session:join', { sessionId: s.id });
        expect(joined.ok ?? !joined.code, JSON.stringify(joined)).to.not.equal(false);
      }

      const before = await scrape(t);
      // Two people typing at the same version: the later of the two is transformed through the other.
      await Promise.all([
        submit(a.doc, [{ p: ['text', 0], si: 'A' }]),
        submit(b.doc, [{ p: ['text', 0], si: 'B' }]),
      ]);
      for (let i = 0; i < 3; i++) await submit(a.doc, [{ p: ['text', 0], si: String(i) }]);
      const refused = await submit(v.doc, [{ p: ['text', 0], si: 'no' }]).then(
        () => null,
        (err: { code?: string }) => err,
      );
      expect(refused?.code).to.equal('ERR_FORBIDDEN');

      const during = await scrape(t);
      const delta = (name: string) => (during.get(name) ?? 0) - (before.get(name) ?? 0);
      expect(delta('gitpad_ops_total{collection="files"}')).to.equal(5);
      expect(delta('gitpad_op_latency_seconds_count')).to.equal(5);
      expect(during.get('gitpad_op_latency_seconds_bucket{le="+Inf"}')).to.equal(
        during.get('gitpad_op_latency_seconds_count'),
      );
      expect(delta('gitpad_op_transforms_total')).to.be.at.least(1);
      expect(delta('gitpad_ops_rejected_total{code="ERR_FORBIDDEN"}')).to.equal(1);
      expect(delta('gitpad_store_write_seconds_count')).to.equal(5);
      expect(during.get('gitpad_connected_sockets')).to.equal(3);
      expect(during.get('gitpad_active_sessions')).to.equal(1);
      expect(during.get('gitpad_session_users')).to.equal(2);
      expect(during.get('gitpad_active_editors')).to.equal(2);
      // Edits wait for a commit: the lag is the age of the oldest.
      await new Promise((r) => setTimeout(r, 50));
      expect((await scrape(t)).get('gitpad_commit_lag_seconds')).to.be.greaterThan(0);

      const saved = await api(t.url, 'POST', `/api/sessions/${s.id}/versions`, {
        token: alice.token,
        body: {},
      });
      expect(saved.status).to.equal(201);
      const dir = tempDir();
      dirs.push(dir);
      const cloned = await git(['clone', cloneUrl(t.url, s.id, 'mira', 'correct horse'), `${dir}/c`]);
      expect(cloned.code, cloned.stderr).to.equal(0);
      // Nothing new to push: the owner is served the refs and git says "Everything up-to-date".
      const pushed = await git(['push', 'origin', 'HEAD:refs/heads/main'], { cwd: `${dir}/c` });
      expect(pushed.code, pushed.stderr).to.equal(0);

      const after = await scrape(t);
      expect(after.get('gitpad_commit_lag_seconds')).to.equal(0);
      expect(after.get('gitpad_git_commit_duration_seconds_count{outcome="committed"}')).to.be.at.least(1);
      expect(
        after.get('gitpad_git_requests_total{service="upload-pack",phase="refs",status="200"}'),
      ).to.be.at.least(1);
      expect(
        after.get('gitpad_git_requests_total{service="upload-pack",phase="pack",status="200"}'),
      ).to.be.at.least(1);
      expect(
        after.get('gitpad_git_request_duration_seconds_count{service="upload-pack",phase="pack"}'),
      ).to.be.at.least(1);
      expect(
        after.get('gitpad_git_requests_total{service="receive-pack",phase="refs",status="200"}'),
      ).to.be.at.least(1);

      for (const c of [a, b, v]) c.client.close();
      await waitFor(
        async () => (await scrape(t)).get('gitpad_connected_sockets') === 0,
        5000,
        'sockets gone',
      );
      expect((await scrape(t)).get('gitpad_active_sessions')).to.equal(0);
    });

    it('keeps each server’s counts to itself when two run in one process', async () => {
      const other = await startServer({ env: { METRICS_TOKEN: TOKEN } });
      try {
        const mine = await scrape(t);
        const theirs = await scrape(other);
        expect(mine.get('gitpad_ops_total{collection="files"}')).to.be.greaterThan(0);
        expect(theirs.get('gitpad_ops_total{collection="files"}') ?? 0).to.equal(0);
      } finally {
        await other.close();
      }
    });
  });

  it('has no /metrics when METRICS_TOKEN is unset', async () => {
    const t = await startServer();
    try {
      const res = await api(t.url, 'GET', '/metrics', { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status).to.equal(404);
      expect(res.body.error.code).to.equal('ERR_NOT_FOUND');
    } finally {
      await t.close();
    }
  });

  describe('GET /api/ready', () => {
    let t: TestServer;
    beforeEach(async () => {
      t = await startServer();
    });
    afterEach(async () => {
      await t.close();
    });

    it('is ready when the store and the repos dir take writes and git runs', async () => {
      const res = await api(t.url, 'GET', '/api/ready');
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({
        ok: true,
        checks: { store: { ok: true }, repos: { ok: true }, git: { ok: true } },
      });
      expect(fs.readdirSync(t.reposDir).filter((n) => n.startsWith('.ready'))).to.deep.equal([]);
      expect((await api(t.url, 'GET', '/api/health')).body).to.deep.equal({ ok: true });
    });

    it('says the repos dir failed when nothing can be written there', async () => {
      // Root ignores permissions: a file where the directory was fails for everyone.
      fs.rmSync(t.reposDir, { recursive: true, force: true });
      fs.writeFileSync(t.reposDir, 'not a directory');
      try {
        const res = await api(t.url, 'GET', '/api/ready');
        expect(res.status).to.equal(503);
        expect(res.body.ok).to.equal(false);
        expect(res.body.checks.repos.ok).to.equal(false);
        expect(res.body.checks.repos.error).to.match(/^ENOTDIR/);
        expect(res.body.checks.store).to.deep.equal({ ok: true });
        expect(res.body.checks.git).to.deep.equal({ ok: true });
        expect((await api(t.url, 'GET', '/api/health')).status).to.equal(200);
      } finally {
        fs.rmSync(t.reposDir, { force: true });
        fs.mkdirSync(t.reposDir);
      }
    });

    it('says the store failed when it cannot be written', async () => {
      await t.server.services.store.close();
      const res = await api(t.url, 'GET', '/api/ready');
      expect(res.status).to.equal(503);
      expect(res.body.checks.store.ok).to.equal(false);
      expect(res.body.checks.repos).to.deep.equal({ ok: true });
    });

    it('says git failed when it cannot be run', async () => {
      const path = process.env.PATH;
      process.env.PATH = '/nonexistent';
      try {
        const res = await api(t.url, 'GET', '/api/ready');
        expect(res.status).to.equal(503);
        expect(res.body.checks.git.ok).to.equal(false);
        expect(res.body.checks.git.error).to.match(/git is not installed/);
      } finally {
        process.env.PATH = path;
      }
    });
  });

  describe('request ids and JSON logs', () => {
    let t: TestServer;
    const lines: string[] = [];
    before(async () => {
      t = await startServer({
        logger: createLogger('debug', { format: 'json', write: (l) => lines.push(l) }),
      });
    });
    after(async () => {
      await t.close();
    });
    const entries = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

    it('gives each request an id, sends it back and logs the request as one JSON line with it', async () => {
      const res = await api(t.url, 'GET', '/api/auth/me');
      const id = res.headers.get('x-request-id');
      expect(id).to.match(/^[0-9a-f-]{36}$/);
      const line = await waitFor(() => entries().find((e) => e.requestId === id), 2000, 'the request line');
      expect(line).to.include({
        level: 'info',
        msg: 'request',
        method: 'GET',
        path: '/api/auth/me',
        status: 401,
      });
      expect(line!.time).to.be.a('string');
      expect(line!.ms).to.be.a('number');
    });

    it('keeps the id a proxy sent, and replaces one that could forge a log line', async () => {
      const kept = await api(t.url, 'GET', '/api/health', { headers: { 'x-request-id': 'edge-42.a' } });
      expect(kept.headers.get('x-request-id')).to.equal('edge-42.a');
      await waitFor(() => entries().some((e) => e.requestId === 'edge-42.a' && e.level === 'debug'), 2000);
      const forged = await api(t.url, 'GET', '/api/health', {
        headers: { 'x-request-id': 'a"} {"level":"error' },
      });
      expect(forged.headers.get('x-request-id')).to.match(/^[0-9a-f-]{36}$/);
    });

    it('puts the request id on lines other modules log while handling the request', async () => {
      const user = await registerUser(t.url, 'pia');
      const s = await createSession(t.url, user, { files: { 'x.txt': 'x' } });
      // Deleting a session archives its repo; make that fail so the handler's module logs a warning.
      fs.rmSync(t.reposDir, { recursive: true, force: true });
      fs.writeFileSync(t.reposDir, 'not a directory');
      try {
        const res = await api(t.url, 'DELETE', `/api/sessions/${s.id}`, {
          token: user.token,
          headers: { 'x-request-id': 'del-1' },
        });
        expect(res.status).to.be.lessThan(300);
        const warned = await waitFor(
          () => entries().find((e) => e.level === 'warn' && e.requestId === 'del-1'),
          2000,
          'the warning',
        );
        expect(warned!.msg).to.match(/archive/);
      } finally {
        fs.rmSync(t.reposDir, { force: true });
        fs.mkdirSync(t.reposDir);
      }
    });
  });
});
