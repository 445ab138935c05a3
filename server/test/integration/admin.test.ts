import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { cloneUrl, git, tempDir } from '../helpers/git-cli.js';
import { connectClient, waitFor } from '../helpers/realtime-client.js';
import {
  api,
  createSession,
  registerUser,
  startServer,
  type TestServer,
  type TestUser,
} from '../helpers/server.js';

describe('admin API: accounts, sessions, disk use', () => {
  let t: TestServer;
  let admin: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  const dirs: string[] = [];

  before(async () => {
    t = await startServer();
    // The first account is the admin.
    admin = await registerUser(t.url, 'root');
    bob = await registerUser(t.url, 'bob');
    carol = await registerUser(t.url, 'carol');
  });
  after(async () => {
    await t.close();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('refuses everyone but the admin with 403, and the signed-out with 401', async () => {
    for (const [method, url, body] of [
      ['GET', '/api/admin/users'],
      ['PATCH', `/api/admin/users/${carol.id}`, { disabled: true }],
      ['POST', `/api/admin/users/${carol.id}/reset-password`],
      ['GET', '/api/admin/sessions'],
      ['GET', '/api/admin/disk'],
      ['GET', '/api/admin/settings'],
      ['PUT', '/api/admin/settings', { registration: 'invite' }],
    ] as const) {
      const asBob = await api(t.url, method, url, { token: bob.token, body });
      expect(asBob.status, `${method} ${url}`).to.equal(403);
      expect(asBob.body.error.code).to.equal('ERR_FORBIDDEN');
      expect((await api(t.url, method, url, { body })).status, `${method} ${url}`).to.equal(401);
    }
    // Nothing changed on the way.
    const users = await api(t.url, 'GET', '/api/admin/users', { token: admin.token });
    expect(users.body.users.find((u: { id: string }) => u.id === carol.id).disabled).to.equal(false);
  });

  it('lists every account, without password hashes', async () => {
    const res = await api(t.url, 'GET', '/api/admin/users', { token: admin.token });
    expect(res.status).to.equal(200);
    expect(res.body.users.map((u: { username: string }) => u.username)).to.include.members([
      'root',
      'bob',
      'carol',
    ]);
    const root = res.body.users.find((u: { username: string }) => u.username === 'root');
    expect(root).to.include({ isAdmin: true, disabled: false });
    expect(JSON.stringify(res.body)).not.to.match(/passwordHash|argon2/);
  });

  it('a disabled account is signed out everywhere: login, tokens, sockets, git; enabling lets it back in', async () => {
    const dave = await registerUser(t.url, 'dave');
    const s = await createSession(t.url, dave, { files: { 'a.txt': 'hi\n' } });
    const pat = await api(t.url, 'POST', '/api/tokens', { token: dave.token, body: { name: 'laptop' } });
    const socketClient = await connectClient(t.url, dave.token);
    let disconnected = false;
    socketClient.socket.on('disconnect', () => {
      disconnected = true;
    });

    const res = await api(t.url, 'PATCH', `/api/admin/users/${dave.id}`, {
      token: admin.token,
      body: { disabled: true },
    });
    expect(res.status).to.equal(200);
    expect(res.body.user).to.include({ username: 'dave', disabled: true });
    await waitFor(() => disconnected, 5000, 'the socket to be closed');
    socketClient.close();

    expect((await api(t.url, 'GET', '/api/auth/me', { token: dave.token })).status).to.equal(401);
    const wrong = await api(t.url, 'POST', '/api/auth/login', {
      body: { username: 'dave', password: 'nope nope' },
    });
    expect(wrong.body.error.code).to.equal('ERR_BAD_CREDENTIALS');
    const right = await api(t.url, 'POST', '/api/auth/login', {
      body: { username: 'dave', password: 'correct horse' },
    });
    expect(right.status).to.equal(403);
    expect(right.body.error.code).to.equal('ERR_ACCOUNT_DISABLED');
    const refused = await connectClient(t.url, dave.token).then(
      (c) => {
        c.close();
        return null;
      },
      (err: Error) => err,
    );
    expect(refused, 'a socket for a disabled account').to.be.instanceOf(Error);
    for (const secret of ['correct horse', pat.body.token]) {
      const d = tempDir();
      dirs.push(d);
      const clone = await git(['clone', cloneUrl(t.url, s.id, 'dave', secret), path.join(d, 'c')]);
      expect(clone.code, 'git clone of a disabled account').not.to.equal(0);
    }

    await api(t.url, 'PATCH', `/api/admin/users/${dave.id}`, {
      token: admin.token,
      body: { disabled: false },
    });
    const back = await api(t.url, 'POST', '/api/auth/login', {
      body: { username: 'dave', password: 'correct horse' },
    });
    expect(back.status).to.equal(200);
  });

  it('resets a password: a new one shown once, the old one and old tokens dead', async () => {
    const erin = await registerUser(t.url, 'erin');
    const res = await api(t.url, 'POST', `/api/admin/users/${erin.id}/reset-password`, {
      token: admin.token,
    });
    expect(res.status).to.equal(200);
    expect(res.body.password).to.match(/^[A-Za-z0-9_-]{20}$/);
    expect((await api(t.url, 'GET', '/api/auth/me', { token: erin.token })).status).to.equal(401);
    const old = await api(t.url, 'POST', '/api/auth/login', {
      body: { username: 'erin', password: 'correct horse' },
    });
    expect(old.status).to.equal(401);
    const fresh = await api(t.url, 'POST', '/api/auth/login', {
      body: { username: 'erin', password: res.body.password },
    });
    expect(fresh.status).to.equal(200);
  });

  it('makes another account admin, who can then use the admin API; nobody can demote or disable themselves', async () => {
    const made = await api(t.url, 'PATCH', `/api/admin/users/${carol.id}`, {
      token: admin.token,
      body: { isAdmin: true },
    });
    expect(made.body.user.isAdmin).to.equal(true);
    expect((await api(t.url, 'GET', '/api/admin/users', { token: carol.token })).status).to.equal(200);
    for (const body of [{ isAdmin: false }, { disabled: true }]) {
      const self = await api(t.url, 'PATCH', `/api/admin/users/${admin.id}`, { token: admin.token, body });
      expect(self.status).to.equal(403);
      expect(self.body.error.code).to.equal('ERR_FORBIDDEN');
    }
    // Carol may demote root, and root then loses the admin API at once.
    await api(t.url, 'PATCH', `/api/admin/users/${admin.id}`, {
      token: carol.token,
      body: { isAdmin: false },
    });
    expect((await api(t.url, 'GET', '/api/admin/users', { token: admin.token })).status).to.equal(403);
    await api(t.url, 'PATCH', `/api/admin/users/${admin.id}`, {
      token: carol.token,
      body: { isAdmin: true },
    });
  });

  it('refuses a bad patch and an unknown user', async () => {
    const bad = await api(t.url, 'PATCH', `/api/admin/users/${bob.id}`, {
      token: admin.token,
      body: { disabled: 'yes' },
    });
    expect(bad.body.error.code).to.equal('ERR_VALIDATION');
    const empty = await api(t.url, 'PATCH', `/api/admin/users/${bob.id}`, { token: admin.token, body: {} });
    expect(empty.body.error.code).to.equal('ERR_VALIDATION');
    const nobody = await api(t.url, 'PATCH', '/api/admin/users/nobody', {
      token: admin.token,
      body: { isAdmin: true },
    });
    expect(nobody.status).to.equal(404);
    expect(nobody.body.error.code).to.equal('ERR_USER_NOT_FOUND');
  });

  it('lists every session with owners, members, files, repo size and last activity', async () => {
    const before = Date.now();
    const s = await createSession(t.url, bob, {
      name: 'Bob’s notes',
      members: [[carol, 'viewer']],
      files: { 'a.txt': 'one\n', 'b.txt': 'two\n' },
    });
    const saved = await api(t.url, 'POST', `/api/sessions/${s.id}/versions`, { token: bob.token, body: {} });
    expect(saved.status).to.be.oneOf([200, 201]);
    const res = await api(t.url, 'GET', '/api/admin/sessions', { token: admin.token });
    expect(res.status).to.equal(200);
    const row = res.body.sessions.find((x: { id: string }) => x.id === s.id);
    expect(row).to.deep.include({ name: 'Bob’s notes', owners: ['bob'], members: 2, files: 2 });
    expect(row.repoBytes).to.be.greaterThan(0);
    expect(row.lastActivityAt).to.be.at.least(before - 1000);
  });

  it('reports disk use of DATA_DIR and REPOS_DIR with the free space', async () => {
    const res = await api(t.url, 'GET', '/api/admin/disk', { token: admin.token });
    expect(res.status).to.equal(200);
    expect(res.body.dataDir.path).to.equal(t.dataDir);
    expect(res.body.reposDir.path).to.equal(t.reposDir);
    for (const d of [res.body.dataDir, res.body.reposDir]) {
      expect(d.bytes).to.be.greaterThan(0);
      expect(d.files).to.be.greaterThan(0);
      expect(d.freeBytes).to.be.a('number');
      expect(d.totalBytes).to.be.at.least(d.freeBytes);
    }
  });
});
