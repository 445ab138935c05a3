import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { expect } from 'chai';
import { cloneUrl, git, tempDir } from '../helpers/git-cli.js';
import {
  api,
  createSession,
  registerUser,
  startServer,
  type TestServer,
  type TestUser,
} from '../helpers/server.js';

describe('git clone over HTTP (read-only, Gitpad accounts)', () => {
  let t: TestServer;
  let owner: TestUser;
  let viewer: TestUser;
  let stranger: TestUser;
  let sessionId: string;
  const dirs: string[] = [];
  const dir = () => {
    const d = tempDir();
    dirs.push(d);
    return path.join(d, 'clone');
  };

  before(async () => {
    t = await startServer({ env: { MAX_CONCURRENT_CLONES: '2' } });
    [owner, viewer, stranger] = (await Promise.all([1, 2, 3].map(() => registerUser(t.url)))) as [
      TestUser,
      TestUser,
      TestUser,
    ];
    sessionId = (await createSession(t.url, owner, { members: [[viewer, 'viewer']] })).id;
  });
  after(async () => {
    await t.close();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('a member clones with their password, and with a personal access token', async () => {
    const withPassword = await git([
      'clone',
      cloneUrl(t.url, sessionId, viewer.username, 'correct horse'),
      dir(),
    ]);
    expect(withPassword.code, withPassword.stderr).to.equal(0);
    const created = await api(t.url, 'POST', '/api/tokens', {
      token: viewer.token,
      body: { name: 'laptop' },
    });
    expect(created.status).to.equal(201);
    expect(created.body.token).to.match(/^gp_/);
    const withToken = await git([
      'clone',
      cloneUrl(t.url, sessionId, viewer.username, created.body.token),
      dir(),
    ]);
    expect(withToken.code, withToken.stderr).to.equal(0);
    const list = await api(t.url, 'GET', '/api/tokens', { token: viewer.token });
    expect(list.body.tokens).to.have.length(1);
    expect(list.body.tokens[0]).to.include({ name: 'laptop' });
    expect(list.body.tokens[0]).to.not.have.property('token');
    expect(list.body.tokens[0].lastUsedAt).to.be.a('number');
  });

  it('no credentials: 401 with a Basic challenge; wrong ones: 401', async () => {
    const res = await fetch(`${t.url}/git/${sessionId}.git/info/refs?service=git-upload-pack`);
    expect(res.status).to.equal(401);
    expect(res.headers.get('www-authenticate')).to.match(/^Basic realm="Gitpad"/);
    const clone = await git(['clone', cloneUrl(t.url, sessionId), dir()]);
    expect(clone.code).to.not.equal(0);
    const wrong = await git(['clone', cloneUrl(t.url, sessionId, viewer.username, 'wrong password'), dir()]);
    expect(wrong.code).to.not.equal(0);
    expect(wrong.stderr).to.match(/Authentication failed|401/);
  });

  it('a revoked token stops working at once', async () => {
    const created = await api(t.url, 'POST', '/api/tokens', { token: owner.token, body: { name: 'temp' } });
    const url = cloneUrl(t.url, sessionId, owner.username, created.body.token);
    expect((await git(['ls-remote', url])).code).to.equal(0);
    expect(
      (await api(t.url, 'DELETE', `/api/tokens/${created.body.id}`, { token: owner.token })).status,
    ).to.equal(204);
    const after = await git(['ls-remote', url]);
    expect(after.code).to.not.equal(0);
    expect(
      (await api(t.url, 'DELETE', `/api/tokens/${created.body.id}`, { token: owner.token })).status,
    ).to.equal(404);
  });

  it('a token only works with its owner’s username', async () => {
    const created = await api(t.url, 'POST', '/api/tokens', { token: owner.token, body: { name: 'mine' } });
    const res = await git(['ls-remote', cloneUrl(t.url, sessionId, viewer.username, created.body.token)]);
    expect(res.code).to.not.equal(0);
  });

  it('a non-member and an unknown session get the same 404', async () => {
    const auth = `Basic ${Buffer.from(`${stranger.username}:correct horse`).toString('base64')}`;
    const a = await fetch(`${t.url}/git/${sessionId}.git/info/refs?service=git-upload-pack`, {
      headers: { authorization: auth },
    });
    const b = await fetch(`${t.url}/git/no-such-session.git/info/refs?service=git-upload-pack`, {
      headers: { authorization: auth },
    });
    expect(a.status).to.equal(404);
    expect(b.status).to.equal(404);
    expect(await a.text()).to.equal(await b.text());
    const clone = await git(['clone', cloneUrl(t.url, sessionId, stranger.username, 'correct horse'), dir()]);
    expect(clone.code).to.not.equal(0);
  });

  it('a viewer’s push is refused with a reason, and the server repo is untouched', async () => {
    const repoDir = path.join(t.reposDir, `${sessionId}.git`);
    const before = fs.readdirSync(path.join(repoDir, 'refs', 'heads'));
    const refs = () => execFileSync('git', ['--git-dir', repoDir, 'for-each-ref']).toString();
    const head = refs();
    const local = dir();
    const url = cloneUrl(t.url, sessionId, viewer.username, 'correct horse');
    expect((await git(['clone', url, local])).code).to.equal(0);
    fs.writeFileSync(path.join(local, 'evil.txt'), 'pushed\n');
    await git(['add', '.'], { cwd: local });
    await git(['commit', '-m', 'evil'], { cwd: local });
    const push = await git(['push', 'origin', 'HEAD:main'], { cwd: local });
    expect(push.code).to.not.equal(0);
    expect(push.stderr).to.include(
      'remote: You are a viewer in this session: only editors and owners can push.',
    );
    const res = await fetch(`${t.url}/git/${sessionId}.git/info/refs?service=git-receive-pack`, {
      headers: {
        authorization: `Basic ${Buffer.from(`${viewer.username}:correct horse`).toString('base64')}`,
      },
    });
    expect(res.status).to.equal(403);
    const post = await fetch(`${t.url}/git/${sessionId}.git/git-receive-pack`, { method: 'POST', body: 'x' });
    expect(post.status).to.equal(401);
    expect(fs.readdirSync(path.join(repoDir, 'refs', 'heads'))).to.deep.equal(before);
    expect(refs()).to.equal(head);
  });

  it('paths outside the repo protocol are 404, traversal included', async () => {
    const auth = {
      authorization: `Basic ${Buffer.from(`${owner.username}:correct horse`).toString('base64')}`,
    };
    const paths = [
      `/git/${sessionId}.git/HEAD`,
      `/git/${sessionId}.git/config`,
      `/git/${sessionId}.git/objects/info/packs`,
      `/git/${sessionId}.git/info/refs`,
      `/git/${sessionId}.git/info/refs?service=git-upload-archive`,
      `/git/${sessionId}.git/../../etc/passwd`,
      `/git/..%2f..%2fetc%2fpasswd.git/info/refs?service=git-upload-pack`,
      `/git/${sessionId}.git%2f..%2f/info/refs?service=git-upload-pack`,
      `/git/${sessionId}/info/refs?service=git-upload-pack`,
      '/git/',
      '/git',
    ];
    for (const p of paths) {
      // fetch() would normalize "..": send the raw path.
      const status = await new Promise<number>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port: t.port, path: p, headers: auth }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
      expect(status, p).to.equal(404);
    }
  });

  it('caps concurrent clones with 503 and Retry-After', async () => {
    // Hold two requests open by sending a chunked body slowly.
    const auth = `Basic ${Buffer.from(`${owner.username}:correct horse`).toString('base64')}`;
    const hold = () =>
      http.request({
        host: '127.0.0.1',
        port: t.port,
        method: 'POST',
        path: `/git/${sessionId}.git/git-upload-pack`,
        headers: {
          authorization: auth,
          'content-type': 'application/x-git-upload-pack-request',
          'transfer-encoding': 'chunked',
        },
      });
    const held = [hold(), hold()];
    for (const r of held) {
      r.on('error', () => {});
      r.write('0');
    }
    await new Promise((r) => setTimeout(r, 300));
    const res = await fetch(`${t.url}/git/${sessionId}.git/info/refs?service=git-upload-pack`, {
      headers: { authorization: auth },
    });
    expect(res.status).to.equal(503);
    expect(res.headers.get('retry-after')).to.equal('5');
    for (const r of held) r.destroy();
    await new Promise((r) => setTimeout(r, 200));
    const later = await fetch(`${t.url}/git/${sessionId}.git/info/refs?service=git-upload-pack`, {
      headers: { authorization: auth },
    });
    expect(later.status).to.equal(200);
  });

  it('cuts off a stalled transfer', async () => {
    const slow = await startServer({ env: { GIT_IDLE_TIMEOUT_MS: '300' } });
    try {
      const u = await registerUser(slow.url);
      const s = await createSession(slow.url, u);
      const auth = `Basic ${Buffer.from(`${u.username}:correct horse`).toString('base64')}`;
      const closed = await new Promise<boolean>((resolve) => {
        const req = http.request({
          host: '127.0.0.1',
          port: slow.port,
          method: 'POST',
          path: `/git/${s.id}.git/git-upload-pack`,
          headers: {
            authorization: auth,
            'content-type': 'application/x-git-upload-pack-request',
            'transfer-encoding': 'chunked',
          },
        });
        req.on('error', () => resolve(true));
        req.on('response', (res) => {
          res.resume();
          res.on('close', () => resolve(true));
        });
        req.write('00');
        setTimeout(() => resolve(false), 5000);
      });
      expect(closed).to.equal(true);
      expect((await api(slow.url, 'GET', '/api/health')).status).to.equal(200);
    } finally {
      await slow.close();
    }
  });

  it('rate-limits failed git logins', async () => {
    const strict = await startServer({ strictRateLimits: true });
    try {
      const u = await registerUser(strict.url);
      const s = await createSession(strict.url, u);
      const auth = `Basic ${Buffer.from(`${u.username}:wrong-wrong`).toString('base64')}`;
      const statuses: number[] = [];
      for (let i = 0; i < 25; i++) {
        const r = await fetch(`${strict.url}/git/${s.id}.git/info/refs?service=git-upload-pack`, {
          headers: { authorization: auth },
        });
        statuses.push(r.status);
      }
      expect(statuses[0]).to.equal(401);
      expect(statuses.at(-1)).to.equal(429);
      // The right password is refused too from this IP while its wait runs (another IP is not: see
      // test/security/accounts.test.ts).
      const good = `Basic ${Buffer.from(`${u.username}:correct horse`).toString('base64')}`;
      const r = await fetch(`${strict.url}/git/${s.id}.git/info/refs?service=git-upload-pack`, {
        headers: { authorization: good },
      });
      expect(r.status).to.equal(429);
    } finally {
      await strict.close();
    }
  });
});
