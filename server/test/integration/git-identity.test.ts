import { expect } from 'chai';
import { gitInRepo } from '../helpers/git-cli.js';
import { connectClient, type RealtimeClient, submit, subscribe } from '../helpers/realtime-client.js';
import {
  api,
  createSession,
  registerUser,
  startServer,
  type TestServer,
  type TestUser,
} from '../helpers/server.js';

describe('each user’s git identity', () => {
  let t: TestServer;
  let ada: TestUser;
  let bob: TestUser;
  const clients: RealtimeClient[] = [];

  before(async () => {
    t = await startServer({
      env: { COMMIT_IDLE_MS: '600000', COMMIT_MAX_MS: '600000', GIT_EMAIL_DOMAIN: 'team.lan' },
    });
    ada = await registerUser(t.url, 'ada');
    bob = await registerUser(t.url, 'bob');
  });
  after(async () => {
    for (const c of clients) c.close();
    await t.close();
  });

  const me = (u: TestUser) => api(t.url, 'GET', '/api/auth/me', { token: u.token });
  const setGit = (u: TestUser, body: unknown) =>
    api(t.url, 'PATCH', '/api/auth/me', { token: u.token, body });
  const gitIn = (sessionId: string, args: string[]) => gitInRepo(t.reposDir, sessionId, args);
  /** Both users type in one file, ada more, then ada saves a version: its author and co-author lines. */
  const typeAndSave = async (sessionId: string, doc: { collection: string; id: string }) => {
    for (const [u, text] of [
      [ada, 'ada typed a lot here\n'],
      [bob, 'b\n'],
    ] as const) {
      const c = await connectClient(t.url, u.token);
      clients.push(c);
      const d = c.connection.get(doc.collection, doc.id);
      await subscribe(d);
      await submit(d, [{ p: ['text', 0], si: text }]);
      c.close();
    }
    const saved = await api(t.url, 'POST', `/api/sessions/${sessionId}/versions`, {
      token: ada.token,
      body: {},
    });
    expect(saved.status).to.equal(201);
    const show = await gitIn(sessionId, [
      'log',
      '-1',
      '--format=%an <%ae>%n%(trailers:key=Co-authored-by,valueonly)',
      'main',
    ]);
    return show.stdout.trim().split('\n');
  };

  it('starts from the display name and a stable username@domain, shown by GET /api/auth/me', async () => {
    const res = await me(ada);
    expect(res.status).to.equal(200);
    expect(res.body.user.git).to.deep.equal({
      name: null,
      email: null,
      defaultName: 'ada',
      defaultEmail: 'ada@team.lan',
    });
    const s = await createSession(t.url, ada, { members: [[bob, 'editor']], files: { 'a.txt': '' } });
    expect(await typeAndSave(s.id, s.files['a.txt']!.doc)).to.deep.equal([
      'ada <ada@team.lan>',
      'bob <bob@team.lan>',
    ]);
  });

  it('puts the name and e-mail a user chose on their commits and tags, and nothing older changes', async () => {
    const s = await createSession(t.url, ada, {
      members: [[bob, 'editor']],
      files: { 'a.txt': 'start\n' },
    });
    const first = await typeAndSave(s.id, s.files['a.txt']!.doc);
    const firstSha = (await gitIn(s.id, ['rev-parse', 'main'])).stdout.trim();
    const set = await setGit(ada, { gitName: '  Ada Lovelace ', gitEmail: 'ada@analytical.engine' });
    expect(set.status).to.equal(200);
    expect(set.body.user.git).to.include({ name: 'Ada Lovelace', email: 'ada@analytical.engine' });
    expect((await me(ada)).body.user.git).to.include({
      name: 'Ada Lovelace',
      email: 'ada@analytical.engine',
    });
    expect(await setGit(bob, { gitEmail: 'bob@example.com' })).to.have.property('status', 200);

    expect(await typeAndSave(s.id, s.files['a.txt']!.doc)).to.deep.equal([
      'Ada Lovelace <ada@analytical.engine>',
      'bob <bob@example.com>',
    ]);
    const sha = (await gitIn(s.id, ['rev-parse', 'main'])).stdout.trim();
    const tag = await api(t.url, 'POST', `/api/sessions/${s.id}/versions/${sha}/tags`, {
      token: ada.token,
      body: { name: 'v1', message: 'first release' },
    });
    expect(tag.status).to.equal(201);
    const tagger = await gitIn(s.id, [
      'for-each-ref',
      '--format=%(taggername) %(taggeremail)',
      'refs/tags/v1',
    ]);
    expect(tagger.stdout.trim()).to.equal('Ada Lovelace <ada@analytical.engine>');
    // History is never rewritten.
    expect((await gitIn(s.id, ['log', '-1', '--format=%an <%ae>', firstSha])).stdout.trim()).to.equal(
      first[0],
    );

    // null (or "") goes back to the default.
    const reset = await setGit(ada, { gitName: null, gitEmail: '' });
    expect(reset.body.user.git).to.include({ name: null, email: null });
    expect((await typeAndSave(s.id, s.files['a.txt']!.doc))[0]).to.equal('ada <ada@team.lan>');
    await setGit(bob, { gitEmail: null });
  });

  it('refuses what git cannot hold or what is not a setting, and strangers', async () => {
    for (const body of [
      { gitName: 'Ada <ada@x>' },
      { gitName: 'Ada\nLovelace' },
      { gitName: 'x'.repeat(101) },
      { gitEmail: 'not an email' },
      { gitEmail: 'a@b@c' },
      { gitEmail: '<ada@x>' },
      { gitEmail: 42 },
      { displayName: 'someone else' },
    ]) {
      const res = await setGit(ada, body);
      expect(res.status, JSON.stringify(body)).to.equal(400);
      expect(res.body.error.code).to.equal('ERR_VALIDATION');
    }
    expect((await me(ada)).body.user.git).to.include({ name: null, email: null });
    const stranger = await api(t.url, 'PATCH', '/api/auth/me', { body: { gitName: 'Eve' } });
    expect(stranger.status).to.equal(401);
  });
});
