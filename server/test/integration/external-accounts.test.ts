/**
 * Directory accounts (issue 16, item 1), whichever directory vouches for the person: the account
 * is found by the directory's stable id, made on the first sign-in, refreshed later, never linked
 * to a local account by name; it has no password here; and AUTH_LOCAL_PASSWORDS=off leaves
 * directory sign-in and personal access tokens (git) as the only ways in.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { normaliseUsername, signInExternal } from '../../src/auth/external-accounts.js';
import { hashPassword } from '../../src/auth/passwords.js';
import { AppError } from '../../src/errors/app-error.js';
import type { ErrorCode } from '../../src/protocol/errors.js';
import type { UserRecord } from '../../src/storage/types.js';
import { cloneUrl, git, tempDir } from '../helpers/git-cli.js';
import { api, createSession, registerUser, startServer, type TestServer } from '../helpers/server.js';

async function rejectsWith(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  try {
    await promise;
  } catch (err) {
    expect(err).to.be.instanceOf(AppError);
    expect((err as AppError).code).to.equal(code);
    return;
  }
  expect.fail(`expected ${code}`);
}

const identity = (
  externalId: string,
  username: string,
  extra: Partial<{ displayName: string; email: string | null }> = {},
) => ({
  source: 'ldap' as const,
  externalId,
  username,
  displayName: extra.displayName ?? `Person ${username}`,
  email: extra.email === undefined ? `${username}@corp.example` : extra.email,
});

describe('directory accounts (signInExternal)', () => {
  let t: TestServer;
  beforeEach(async () => {
    t = await startServer();
  });
  afterEach(() => t.close());

  it('makes the account on the first sign-in (first account of an empty server is admin), finds the same one later and refreshes the display name', async () => {
    const services = t.server.services;
    const first = await signInExternal(services, identity('uuid-1', 'Ada', { displayName: 'Ada L.' }));
    expect(first).to.include({
      username: 'ada',
      displayName: 'Ada L.',
      source: 'ldap',
      externalId: 'uuid-1',
      isAdmin: true,
      gitEmail: 'Ada@corp.example',
    });
    const again = await signInExternal(
      services,
      identity('uuid-1', 'ada-renamed', { displayName: 'Ada Lovelace', email: 'ada@new.example' }),
    );
    expect(again.id).to.equal(first.id);
    // The username stays (it names clone URLs and members); the display name follows the directory.
    expect(again).to.include({ username: 'ada', displayName: 'Ada Lovelace' });
    // The git e-mail set at the first sign-in is the person's until they change it.
    expect(again.gitEmail).to.equal('Ada@corp.example');
    expect(await services.store.users.byId(first.id)).to.include({ displayName: 'Ada Lovelace' });
    const second = await signInExternal(services, identity('uuid-2', 'bob'));
    expect(second.isAdmin).to.equal(false);
    expect(await services.store.users.count()).to.equal(2);
  });

  it('never takes over a local account with the same name: the directory person gets name-2, and the local one keeps its password', async () => {
    const local = await registerUser(t.url, 'carol');
    const fromDirectory = await signInExternal(t.server.services, identity('uuid-c', 'carol'));
    expect(fromDirectory.id).to.not.equal(local.id);
    expect(fromDirectory.username).to.equal('carol-2');
    const third = await signInExternal(t.server.services, identity('uuid-c3', 'Carol'));
    expect(third.username).to.equal('carol-3');
    const login = await api(t.url, 'POST', '/api/auth/login', {
      body: { username: 'carol', password: 'correct horse' },
    });
    expect(login.status).to.equal(200);
    expect(login.body.user.id).to.equal(local.id);
  });

  it('normalises directory names to the username rule', () => {
    expect(normaliseUsername('José.García')).to.equal('jose.garcia');
    expect(normaliseUsername('JOHN SMITH')).to.equal('john-smith');
    expect(normaliseUsername('al')).to.equal('al-user');
    expect(normaliseUsername('中文')).to.equal('user');
    expect(normaliseUsername('a'.repeat(40))).to.have.length(32);
    expect(normaliseUsername('--x.y--')).to.equal('x.y');
  });

  it('the same person signing in several times at once gets one account', async () => {
    const users = await Promise.all(
      Array.from({ length: 6 }, () => signInExternal(t.server.services, identity('uuid-d', 'dora'))),
    );
    expect(new Set(users.map((u) => u.id)).size).to.equal(1);
    expect(
      (await t.server.services.store.users.list()).filter((u) => u.externalId === 'uuid-d'),
    ).to.have.length(1);
  });

  it('creates accounts even when local registration is by invitation only', async () => {
    const admin = await registerUser(t.url, 'admin');
    const set = await api(t.url, 'PUT', '/api/admin/settings', {
      token: admin.token,
      body: { registration: 'invite' },
    });
    expect(set.status).to.equal(200);
    const refused = await api(t.url, 'POST', '/api/auth/register', {
      body: { username: 'walkin', password: 'correct horse' },
    });
    expect(refused.body.error.code).to.equal('ERR_REGISTRATION_CLOSED');
    const user = await signInExternal(t.server.services, identity('uuid-e', 'erin'));
    expect(user.username).to.equal('erin');
  });

  it('refuses an account the admin disabled, and a directory account has no password here', async () => {
    const services = t.server.services;
    const admin = await registerUser(t.url, 'admin');
    const frank = await signInExternal(services, identity('uuid-f', 'frank'));
    // No password verifies against a directory account's hash, not even the empty one.
    for (const password of ['', 'correct horse']) {
      const login = await api(t.url, 'POST', '/api/auth/login', { body: { username: 'frank', password } });
      expect(login.status).to.equal(403);
      expect(login.body.error.code).to.equal('ERR_EXTERNAL_ACCOUNT');
    }
    const token = services.tokens.issue(frank);
    const me = await api(t.url, 'GET', '/api/auth/me', { token });
    expect(me.body.user).to.include({ username: 'frank', source: 'ldap' });
    const change = await api(t.url, 'POST', '/api/auth/password', {
      token,
      body: { currentPassword: '', newPassword: 'a new password' },
    });
    expect(change.body.error.code).to.equal('ERR_EXTERNAL_ACCOUNT');
    const reset = await api(t.url, 'POST', `/api/admin/users/${frank.id}/reset-password`, {
      token: admin.token,
    });
    expect(reset.body.error.code).to.equal('ERR_EXTERNAL_ACCOUNT');
    expect((await services.store.users.byId(frank.id))?.passwordHash).to.equal('');
    // The admin page says where each account signs in.
    const list = await api(t.url, 'GET', '/api/admin/users', { token: admin.token });
    expect(
      list.body.users.map((u: { username: string; source: string }) => [u.username, u.source]),
    ).to.deep.equal([
      ['admin', 'local'],
      ['frank', 'ldap'],
    ]);
    const disabled = await api(t.url, 'PATCH', `/api/admin/users/${frank.id}`, {
      token: admin.token,
      body: { disabled: true },
    });
    expect(disabled.status).to.equal(200);
    await rejectsWith(signInExternal(services, identity('uuid-f', 'frank')), 'ERR_ACCOUNT_DISABLED');
  });

  it('the policy says which ways to sign in there are', async () => {
    const policy = await api(t.url, 'GET', '/api/auth/policy');
    expect(policy.body).to.deep.equal({
      registration: 'open',
      methods: { password: true, ldap: false, oidc: null },
    });
  });
});

describe('AUTH_LOCAL_PASSWORDS=off', () => {
  let t: TestServer;
  let admin: UserRecord;
  let adminToken: string;
  const dirs: string[] = [];
  before(async () => {
    t = await startServer({ env: { AUTH_LOCAL_PASSWORDS: 'off' } });
    // The first account comes from the directory too: it becomes the admin.
    admin = await signInExternal(t.server.services, identity('uuid-admin', 'root'));
    adminToken = t.server.services.tokens.issue(admin);
  });
  after(async () => {
    await t.close();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('refuses registration, password login and password change with ERR_LOCAL_LOGIN_DISABLED', async () => {
    const register = await api(t.url, 'POST', '/api/auth/register', {
      body: { username: 'newbie', password: 'correct horse' },
    });
    expect([register.status, register.body.error.code]).to.deep.equal([403, 'ERR_LOCAL_LOGIN_DISABLED']);
    expect(await t.server.services.store.users.byUsername('newbie')).to.equal(null);
    const login = await api(t.url, 'POST', '/api/auth/login', { body: { username: 'root', password: 'x' } });
    expect([login.status, login.body.error.code]).to.deep.equal([403, 'ERR_LOCAL_LOGIN_DISABLED']);
    const policy = await api(t.url, 'GET', '/api/auth/policy');
    expect(policy.body.methods).to.deep.equal({ password: false, ldap: false, oidc: null });
  });

  it('a directory account makes a personal access token and clones a session with it', async () => {
    const session = await createSession(
      t.url,
      { id: admin.id, username: admin.username, token: adminToken },
      {
        files: { 'README.md': '# hello from the directory\n' },
      },
    );
    const saved = await api(t.url, 'POST', `/api/sessions/${session.id}/versions`, {
      token: adminToken,
      body: { message: 'first' },
    });
    expect(saved.status, JSON.stringify(saved.body)).to.be.oneOf([200, 201]);
    const created = await api(t.url, 'POST', '/api/tokens', { token: adminToken, body: { name: 'laptop' } });
    expect(created.status).to.equal(201);
    const dir = tempDir();
    dirs.push(dir);
    const target = path.join(dir, 'clone');
    const clone = await git([
      'clone',
      cloneUrl(t.url, session.id, admin.username, created.body.token),
      target,
    ]);
    expect(clone.code, clone.stderr).to.equal(0);
    expect(fs.readFileSync(path.join(target, 'README.md'), 'utf8')).to.equal('# hello from the directory\n');
    // Not with a password: there is none (and passwords are off).
    const withPassword = await git([
      'clone',
      cloneUrl(t.url, session.id, admin.username, 'correct horse'),
      `${target}-2`,
    ]);
    expect(withPassword.code).to.not.equal(0);
  });

  it('a local account from before keeps git through its tokens, but its password opens nothing', async () => {
    const services = t.server.services;
    const old = await services.store.users.create({
      id: 'oldlocal1',
      username: 'oldtimer',
      displayName: 'Old Timer',
      passwordHash: await hashPassword('correct horse'),
      createdAt: Date.now(),
      tokensValidAfter: 0,
    });
    const token = services.tokens.issue(old);
    const session = await createSession(
      t.url,
      { id: old.id, username: old.username, token },
      {
        files: { 'a.txt': 'a\n' },
      },
    );
    const login = await api(t.url, 'POST', '/api/auth/login', {
      body: { username: 'oldtimer', password: 'correct horse' },
    });
    expect(login.body.error.code).to.equal('ERR_LOCAL_LOGIN_DISABLED');
    const change = await api(t.url, 'POST', '/api/auth/password', {
      token,
      body: { currentPassword: 'correct horse', newPassword: 'another horse' },
    });
    expect(change.body.error.code).to.equal('ERR_LOCAL_LOGIN_DISABLED');
    const reset = await api(t.url, 'POST', `/api/admin/users/${old.id}/reset-password`, {
      token: adminToken,
    });
    expect(reset.body.error.code).to.equal('ERR_LOCAL_LOGIN_DISABLED');
    const withPassword = await git(['ls-remote', cloneUrl(t.url, session.id, 'oldtimer', 'correct horse')]);
    expect(withPassword.code).to.not.equal(0);
    const created = await api(t.url, 'POST', '/api/tokens', { token, body: { name: 'ci' } });
    const withToken = await git(['ls-remote', cloneUrl(t.url, session.id, 'oldtimer', created.body.token)]);
    expect(withToken.code, withToken.stderr).to.equal(0);
  });
});
