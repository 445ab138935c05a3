import { expect } from 'chai';
import {
  api,
  createSession,
  registerUser,
  startServer,
  type TestServer,
  type TestUser,
} from '../helpers/server.js';

describe('invitations, ownership and registration policy', () => {
  let t: TestServer;
  let admin: TestUser;
  let owner: TestUser;
  let sessionId: string;
  before(async () => {
    t = await startServer();
    admin = await registerUser(t.url);
    owner = await registerUser(t.url);
    sessionId = (await createSession(t.url, owner)).id;
  });
  after(() => t.close());

  const invite = (body: object, token = owner.token) =>
    api(t.url, 'POST', `/api/sessions/${sessionId}/invites`, { token, body });

  it('an invite link adds whoever opens it with its role', async () => {
    const inv = await invite({ role: 'commenter' });
    expect(inv.status).to.equal(201);
    expect(inv.body.token).to.match(/^[a-z0-9]{24}$/);
    expect(inv.body.url).to.equal(`${t.url}/join/${inv.body.token}`);
    const guest = await registerUser(t.url);
    const preview = await api(t.url, 'GET', `/api/invites/${inv.body.token}`, { token: guest.token });
    expect(preview.body).to.include({ sessionId, role: 'commenter', sessionName: 'Test session' });
    const accept = await api(t.url, 'POST', `/api/invites/${inv.body.token}/accept`, { token: guest.token });
    expect(accept.body).to.deep.equal({ sessionId, role: 'commenter' });
    const s = await api(t.url, 'GET', `/api/sessions/${sessionId}`, { token: guest.token });
    expect(s.body.role).to.equal('commenter');
  });

  it('a link never lowers the role of someone already in the session', async () => {
    const inv = await invite({ role: 'viewer' });
    const accept = await api(t.url, 'POST', `/api/invites/${inv.body.token}/accept`, { token: owner.token });
    expect(accept.body.role).to.equal('owner');
  });

  it('a link limited to N uses admits exactly N people when many click at once', async () => {
    const inv = await invite({ role: 'viewer', maxUses: 3 });
    const guests = await Promise.all(Array.from({ length: 8 }, () => registerUser(t.url)));
    const results = await Promise.all(
      guests.map((g) => api(t.url, 'POST', `/api/invites/${inv.body.token}/accept`, { token: g.token })),
    );
    expect(results.filter((r) => r.status === 200)).to.have.length(3);
    for (const r of results.filter((x) => x.status !== 200)) {
      expect(r.status).to.equal(410);
      expect(r.body.error.code).to.equal('ERR_INVITE_EXPIRED');
    }
  });

  it('expired, revoked and unknown links answer with clear errors', async () => {
    const guest = await registerUser(t.url);
    const expired = await invite({ role: 'viewer', expiresInHours: 0.0000001 });
    await new Promise((r) => setTimeout(r, 10));
    const e = await api(t.url, 'POST', `/api/invites/${expired.body.token}/accept`, { token: guest.token });
    expect(e.status).to.equal(410);
    expect(e.body.error.code).to.equal('ERR_INVITE_EXPIRED');
    const revoked = await invite({ role: 'viewer' });
    const list = await api(t.url, 'GET', `/api/sessions/${sessionId}/invites`, { token: owner.token });
    expect(list.body.invites.map((i: any) => i.token)).to.include(revoked.body.token);
    expect(
      (
        await api(t.url, 'DELETE', `/api/sessions/${sessionId}/invites/${revoked.body.token}`, {
          token: owner.token,
        })
      ).status,
    ).to.equal(204);
    const r = await api(t.url, 'POST', `/api/invites/${revoked.body.token}/accept`, { token: guest.token });
    expect(r.status).to.equal(404);
    expect(r.body.error.code).to.equal('ERR_INVITE_NOT_FOUND');
    for (const token of ['nope', 'a'.repeat(24), '../../etc']) {
      const u = await api(t.url, 'POST', `/api/invites/${encodeURIComponent(token)}/accept`, {
        token: guest.token,
      });
      expect(u.status).to.equal(404);
    }
    const s = await api(t.url, 'GET', `/api/sessions/${sessionId}`, { token: guest.token });
    expect(s.status).to.equal(404);
  });

  it('only owners make, list and revoke invites, and never for the owner role', async () => {
    const editor = await registerUser(t.url);
    await api(t.url, 'PUT', `/api/sessions/${sessionId}/members/${editor.username}`, {
      token: owner.token,
      body: { role: 'editor' },
    });
    expect((await invite({ role: 'viewer' }, editor.token)).status).to.equal(403);
    expect(
      (await api(t.url, 'GET', `/api/sessions/${sessionId}/invites`, { token: editor.token })).status,
    ).to.equal(403);
    const asOwner = await invite({ role: 'owner' });
    expect(asOwner.status).to.equal(400);
    for (const body of [
      { role: 'viewer', maxUses: 0 },
      { role: 'viewer', expiresInHours: -1 },
      { role: 'viewer', maxUses: 'many' },
    ]) {
      expect((await invite(body)).status, JSON.stringify(body)).to.equal(400);
    }
  });

  it('ownership transfers atomically, and the session always keeps an owner', async () => {
    const next = await registerUser(t.url);
    const s = (await createSession(t.url, owner, { members: [[next, 'viewer']] })).id;
    const outsider = await registerUser(t.url);
    const bad = await api(t.url, 'POST', `/api/sessions/${s}/transfer`, {
      token: owner.token,
      body: { username: outsider.username },
    });
    expect(bad.status).to.equal(404);
    const ok = await api(t.url, 'POST', `/api/sessions/${s}/transfer`, {
      token: owner.token,
      body: { username: next.username },
    });
    expect(ok.status).to.equal(200);
    const view = await api(t.url, 'GET', `/api/sessions/${s}`, { token: next.token });
    const roles = Object.fromEntries(view.body.members.map((m: any) => [m.username, m.role]));
    expect(roles).to.deep.equal({ [owner.username]: 'editor', [next.username]: 'owner' });
    const old = await api(t.url, 'PUT', `/api/sessions/${s}/members/${next.username}`, {
      token: owner.token,
      body: { role: 'viewer' },
    });
    expect(old.status).to.equal(403);
    const self = await api(t.url, 'DELETE', `/api/sessions/${s}/members/${next.username}`, {
      token: next.token,
    });
    expect(self.status).to.equal(409);
    expect(self.body.error.code).to.equal('ERR_LAST_OWNER');
  });

  it('the first account is admin and can make registration invite-only', async () => {
    const me = await api(t.url, 'GET', '/api/auth/me', { token: admin.token });
    expect(me.body.user.isAdmin).to.equal(true);
    const notAdmin = await api(t.url, 'PUT', '/api/admin/settings', {
      token: owner.token,
      body: { registration: 'invite' },
    });
    expect(notAdmin.status).to.equal(403);
    const set = await api(t.url, 'PUT', '/api/admin/settings', {
      token: admin.token,
      body: { registration: 'invite' },
    });
    expect(set.body).to.deep.equal({ registration: 'invite' });
    expect((await api(t.url, 'GET', '/api/auth/policy')).body.registration).to.equal('invite');
    const closed = await api(t.url, 'POST', '/api/auth/register', {
      body: { username: 'walkin', password: 'password1' },
    });
    expect(closed.status).to.equal(403);
    expect(closed.body.error.code).to.equal('ERR_REGISTRATION_CLOSED');
    const inv = await invite({ role: 'editor' });
    const joined = await api(t.url, 'POST', '/api/auth/register', {
      body: { username: 'invited', password: 'password1', invite: inv.body.token },
    });
    expect(joined.status).to.equal(201);
    expect(joined.body.joined).to.deep.equal({ sessionId, role: 'editor' });
    await api(t.url, 'PUT', '/api/admin/settings', { token: admin.token, body: { registration: 'open' } });
    expect(
      (
        await api(t.url, 'POST', '/api/auth/register', {
          body: { username: 'walkin', password: 'password1' },
        })
      ).status,
    ).to.equal(201);
  });
});
