/**
 * "What happened to my work" (issue 15 item 4): every change to someone's work reaches the
 * session's members as one event naming who did what, is kept in the session's activity log
 * (across a restart), and stops reaching a member once they are removed; @mentions in chat and
 * comments are stored per member, unread, sent to them live, and marked read.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { cloneUrl, git, tempDir } from '../helpers/git-cli.js';
import {
  connectClient,
  emitAck,
  type RealtimeClient,
  submit,
  subscribe,
  waitFor,
} from '../helpers/realtime-client.js';
import {
  api,
  createSession,
  registerUser,
  startServer,
  type TestServer,
  type TestUser,
} from '../helpers/server.js';

type Events = { session: any[]; role: any[]; removed: any[]; mentions: any[]; read: any[] };

describe('notices: who did what to my work, and @mentions', () => {
  let t: TestServer;
  let ana: TestUser;
  let bob: TestUser;
  let cy: TestUser;
  let dan: TestUser;
  const clients: RealtimeClient[] = [];
  const dirs: string[] = [];

  /** A connected tab of `u` (joined to `sessionId` when given) recording what it receives. */
  const tab = async (u: TestUser, sessionId?: string) => {
    const c = await connectClient(t.url, u.token);
    clients.push(c);
    const got: Events = { session: [], role: [], removed: [], mentions: [], read: [] };
    c.socket.on('session:event', (e) => got.session.push(e));
    c.socket.on('session:role', (e) => got.role.push(e));
    c.socket.on('session:removed', (e) => got.removed.push(e));
    c.socket.on('mention:new', (e) => got.mentions.push(e));
    c.socket.on('mention:read', (e) => got.read.push(e));
    const join = sessionId ? await emitAck(c.socket, 'session:join', { sessionId }) : null;
    return { c, got, join };
  };
  const kinds = (got: Events) =>
    got.session.map((e) => e.type).filter((k) => k !== 'version' && k !== 'members');
  const save = async (sessionId: string, message: string) => {
    const r = await api(t.url, 'POST', `/api/sessions/${sessionId}/versions`, {
      token: ana.token,
      body: { message },
    });
    expect(r.status, JSON.stringify(r.body)).to.be.oneOf([200, 201]);
    return r.body.sha as string;
  };

  before(async () => {
    t = await startServer({ env: { COMMIT_IDLE_MS: '60000' } });
    [ana, bob, cy, dan] = (await Promise.all([1, 2, 3, 4].map(() => registerUser(t.url)))) as [
      TestUser,
      TestUser,
      TestUser,
      TestUser,
    ];
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  after(async () => {
    await t.close();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('delete, move, revert and role changes reach members naming who and what, never outsiders or the removed', async () => {
    const s = await createSession(t.url, ana, {
      name: 'Notes',
      members: [
        [bob, 'editor'],
        [cy, 'viewer'],
      ],
      files: { 'a.txt': 'one\n', 'db.sql': 'select 1;\n', 'c.txt': 'c' },
    });
    const v1 = await save(s.id, 'v1');
    const b = await tab(bob, s.id);
    const v = await tab(cy, s.id);
    const d = await tab(dan, s.id);
    expect(d.join!.ok).to.equal(false);
    const asAna = { token: ana.token };

    expect(
      (await api(t.url, 'DELETE', `/api/sessions/${s.id}/files/${s.files['db.sql']!.id}`, asAna)).status,
    ).to.equal(204);
    await api(t.url, 'PATCH', `/api/sessions/${s.id}/files/${s.files['a.txt']!.id}`, {
      ...asAna,
      body: { path: 'sql/a.txt' },
    });
    expect(
      (await api(t.url, 'POST', `/api/sessions/${s.id}/revert`, { ...asAna, body: { sha: v1 } })).status,
    ).to.equal(201);
    await api(t.url, 'PUT', `/api/sessions/${s.id}/members/${cy.username}`, {
      ...asAna,
      body: { role: 'commenter' },
    });
    await waitFor(() => kinds(b.got).includes('role') && v.got.role.length === 1, 5000, 'events');

    const deleted = b.got.session.find((e) => e.type === 'fileDeleted');
    expect(deleted).to.deep.include({ path: 'db.sql', by: { id: ana.id, displayName: ana.username } });
    expect(deleted.activityId).to.be.a('number');
    const moved = b.got.session.find((e) => e.type === 'moved');
    expect(moved).to.deep.include({ from: 'a.txt', to: 'sql/a.txt', kind: 'file' });
    expect(moved.by.id).to.equal(ana.id);
    const reverted = b.got.session.find((e) => e.type === 'reverted');
    expect(reverted).to.deep.include({ sha: v1 });
    expect(reverted.by.id).to.equal(ana.id);
    // Cy is told their new role and by whom; everyone's activity names whose role changed.
    expect(v.got.role).to.deep.equal([
      { sessionId: s.id, role: 'commenter', by: { id: ana.id, displayName: ana.username } },
    ]);
    const role = b.got.session.find((e) => e.type === 'role');
    expect(role).to.deep.include({ role: 'commenter', user: { id: cy.id, displayName: cy.username } });
    // Events go out in the order they happened (the revert deleted sql/a.txt, which v1 lacks).
    const order = ['fileDeleted', 'moved', 'fileDeleted', 'reverted', 'role'];
    expect(kinds(b.got)).to.deep.equal(order);
    expect(kinds(v.got)).to.deep.equal(order);
    expect(b.got.session.filter((e) => e.type === 'fileDeleted')[1]).to.deep.include({ path: 'sql/a.txt' });

    // Removed: Cy is told by whom, and hears nothing of what happens next.
    expect(
      (await api(t.url, 'DELETE', `/api/sessions/${s.id}/members/${cy.username}`, asAna)).status,
    ).to.equal(204);
    await waitFor(() => v.got.removed.length === 1, 3000, 'removal');
    expect(v.got.removed[0]).to.deep.equal({
      sessionId: s.id,
      by: { id: ana.id, displayName: ana.username },
      name: 'Notes',
    });
    const seen = v.got.session.length;
    await api(t.url, 'DELETE', `/api/sessions/${s.id}/files/${s.files['c.txt']!.id}`, asAna);
    await waitFor(
      () => b.got.session.some((e) => e.type === 'fileDeleted' && e.path === 'c.txt'),
      3000,
      'delete',
    );
    await new Promise((r) => setTimeout(r, 150));
    expect(v.got.session.slice(seen).filter((e) => e.type !== 'members')).to.deep.equal([]);
    expect(d.got.session).to.deep.equal([]);

    // The activity log holds the same sentences' data, in order, for those who were away.
    // (Adding Bob and Cy when the session was made comes first.)
    const log = await api(t.url, 'GET', `/api/sessions/${s.id}/activity`, { token: bob.token });
    expect(log.status).to.equal(200);
    const entries = log.body.entries.slice(2);
    expect(log.body.entries[0].event).to.deep.include({ type: 'role', role: 'editor' });
    expect(log.body.entries[0].event.by).to.deep.equal({ id: ana.id, displayName: ana.username });
    expect(entries.map((e: any) => e.event.type)).to.deep.equal([...order, 'role', 'fileDeleted']);
    expect(entries[0].id).to.equal(deleted.activityId);
    expect(entries[5].event).to.deep.include({
      role: null,
      user: { id: cy.id, displayName: cy.username },
    });
    const after = await api(t.url, 'GET', `/api/sessions/${s.id}/activity?since=${reverted.activityId}`, {
      token: bob.token,
    });
    expect(after.body.entries.map((e: any) => e.event.type)).to.deep.equal(['role', 'role', 'fileDeleted']);
    // Not for the removed member, nor an outsider; bad input is refused with a code.
    expect(
      (await api(t.url, 'GET', `/api/sessions/${s.id}/activity`, { token: cy.token })).body.error.code,
    ).to.equal('ERR_SESSION_NOT_FOUND');
    expect((await api(t.url, 'GET', `/api/sessions/${s.id}/activity`, { token: dan.token })).status).to.equal(
      404,
    );
    const bad = await api(t.url, 'GET', `/api/sessions/${s.id}/activity?since=-1`, { token: bob.token });
    expect([bad.status, bad.body.error.code]).to.deep.equal([400, 'ERR_VALIDATION']);
  });

  it('a revert names the version that keeps the unsaved typing it replaced, and who typed it', async () => {
    const s = await createSession(t.url, ana, { members: [[bob, 'editor']], files: { 'a.txt': 'one\n' } });
    const v1 = await save(s.id, 'v1');
    const b = await tab(bob, s.id);
    const doc = b.c.connection.get(s.files['a.txt']!.doc.collection, s.files['a.txt']!.doc.id);
    await subscribe(doc);
    await submit(doc, [{ p: ['text', 4], si: 'unsaved work\n' }]);
    const r = await api(t.url, 'POST', `/api/sessions/${s.id}/revert`, {
      token: ana.token,
      body: { sha: v1 },
    });
    expect(r.status).to.equal(201);
    await waitFor(() => b.got.session.some((e) => e.type === 'reverted'), 5000, 'reverted');
    const e = b.got.session.find((x) => x.type === 'reverted');
    expect(e.kept.typists).to.deep.equal([bob.id]);
    const kept = await api(t.url, 'GET', `/api/sessions/${s.id}/versions/${e.kept.sha}/files/a.txt`, {
      token: bob.token,
    });
    expect(kept.body).to.contain('unsaved work');
    // Nothing unsaved: nothing kept.
    const again = await api(t.url, 'POST', `/api/sessions/${s.id}/revert`, {
      token: ana.token,
      body: { sha: v1 },
    });
    expect(again.status).to.be.oneOf([200, 201]);
    await waitFor(
      () => b.got.session.filter((x) => x.type === 'reverted').length === 2,
      5000,
      'second revert',
    );
    expect(b.got.session.filter((x) => x.type === 'reverted')[1].kept).to.equal(null);
  });

  it('a push is announced with who pushed and how many commits', async () => {
    const s = await createSession(t.url, ana, { members: [[bob, 'editor']], files: { 'a.txt': 'a\n' } });
    await save(s.id, 'base');
    const watcher = await tab(ana, s.id);
    const d = path.join(tempDir('gitpad-notices-'), 'clone');
    dirs.push(path.dirname(d));
    expect((await git(['clone', cloneUrl(t.url, s.id, bob.username, 'correct horse'), d])).code).to.equal(0);
    for (const n of [1, 2, 3]) {
      fs.writeFileSync(path.join(d, 'a.txt'), `a${n}\n`);
      await git(['-c', 'user.name=Bob', '-c', 'user.email=b@x', 'commit', '-qam', `c${n}`], { cwd: d });
    }
    const pushed = await git(['push', 'origin', 'HEAD:main'], { cwd: d });
    expect(pushed.code, pushed.stderr).to.equal(0);
    await waitFor(() => watcher.got.session.some((e) => e.type === 'pushed'), 5000, 'pushed event');
    const e = watcher.got.session.find((x) => x.type === 'pushed');
    expect(e).to.deep.include({ count: 3, by: { id: bob.id, displayName: bob.username } });
    expect(e.pushed).to.match(/^[0-9a-f]{40}$/);
    const log = await api(t.url, 'GET', `/api/sessions/${s.id}/activity`, { token: ana.token });
    expect(log.body.entries.at(-1).event).to.deep.include({ type: 'pushed', count: 3 });
  });

  it('@mentions of members are stored unread and sent to them; non-members and the author are not', async () => {
    const s = await createSession(t.url, ana, {
      name: 'Mentions',
      members: [
        [bob, 'editor'],
        [cy, 'viewer'],
      ],
      files: { 'a.txt': 'a' },
    });
    const sha = await save(s.id, 'v1');
    const a = await tab(ana, s.id);
    // Bob is online but not in the session; Cy is offline; Dan is not a member.
    const b = await tab(bob);
    const d = await tab(dan);
    const sent = await emitAck(a.c.socket, 'chat:send', {
      sessionId: s.id,
      text: `@${bob.username} look, and @${cy.username}. Not @${dan.username}, not @${ana.username}, mail ${bob.username}@x.org`,
    });
    expect(sent.ok).to.equal(true);
    await waitFor(() => b.got.mentions.length === 1, 3000, 'mention to Bob');
    expect(b.got.mentions[0]).to.deep.include({
      sessionId: s.id,
      sessionName: 'Mentions',
      source: 'chat',
      ref: String(sent.message.id),
      read: false,
    });
    expect(b.got.mentions[0].by).to.deep.equal({
      id: ana.id,
      username: ana.username,
      displayName: ana.username,
    });
    expect(b.got.mentions[0].text).to.contain('look');
    await new Promise((r) => setTimeout(r, 150));
    expect(d.got.mentions).to.deep.equal([]);
    expect(a.got.mentions).to.deep.equal([]);

    // Cy was offline: the mention waits, unread.
    const cyList = await api(t.url, 'GET', '/api/mentions?unread=1', { token: cy.token });
    expect(cyList.body.unread).to.equal(1);
    expect(cyList.body.mentions[0]).to.deep.include({ source: 'chat', sessionId: s.id });
    expect((await api(t.url, 'GET', '/api/mentions', { token: dan.token })).body).to.deep.equal({
      mentions: [],
      unread: 0,
    });

    // A version comment mentions too.
    const c = await api(t.url, 'POST', `/api/sessions/${s.id}/versions/${sha}/comments`, {
      token: ana.token,
      body: { body: `@${bob.username} why this?` },
    });
    expect(c.status).to.equal(201);
    await waitFor(() => b.got.mentions.length === 2, 3000, 'comment mention');
    expect(b.got.mentions[1]).to.deep.include({ source: 'comment', ref: sha });

    // Read: one, then all; Bob's other tabs are told; others' ids are ignored.
    let list = await api(t.url, 'GET', '/api/mentions?unread=1', { token: bob.token });
    expect(list.body.unread).to.equal(2);
    const [newest, oldest] = list.body.mentions;
    const r1 = await api(t.url, 'POST', '/api/mentions/read', {
      token: bob.token,
      body: { ids: [oldest.id, cyList.body.mentions[0].id] },
    });
    expect(r1.body).to.deep.equal({ ids: [oldest.id, cyList.body.mentions[0].id], unread: 1 });
    expect((await api(t.url, 'GET', '/api/mentions?unread=1', { token: cy.token })).body.unread).to.equal(1);
    await waitFor(() => b.got.read.length === 1, 3000, 'read event');
    list = await api(t.url, 'GET', '/api/mentions?unread=1', { token: bob.token });
    expect(list.body.mentions.map((m: any) => m.id)).to.deep.equal([newest.id]);
    expect(
      (await api(t.url, 'POST', '/api/mentions/read', { token: bob.token, body: {} })).body.unread,
    ).to.equal(0);
    const all = await api(t.url, 'GET', '/api/mentions', { token: bob.token });
    expect(all.body.mentions.map((m: any) => m.read)).to.deep.equal([true, true]);
    const bad = await api(t.url, 'POST', '/api/mentions/read', { token: bob.token, body: { ids: ['x'] } });
    expect([bad.status, bad.body.error.code]).to.deep.equal([400, 'ERR_VALIDATION']);

    // Once removed from the session, its mentions are no longer listed, and new ones are plain text.
    const c2 = await tab(cy);
    await api(t.url, 'DELETE', `/api/sessions/${s.id}/members/${cy.username}`, { token: ana.token });
    expect((await api(t.url, 'GET', '/api/mentions', { token: cy.token })).body).to.deep.equal({
      mentions: [],
      unread: 0,
    });
    await emitAck(a.c.socket, 'chat:send', { sessionId: s.id, text: `@${cy.username} still there?` });
    await new Promise((r) => setTimeout(r, 150));
    expect(c2.got.mentions).to.deep.equal([]);
    expect((await api(t.url, 'GET', '/api/mentions', { token: cy.token })).body.mentions).to.deep.equal([]);
  });

  it('the activity log and unread mentions survive a restart', async () => {
    const s = await createSession(t.url, ana, { members: [[bob, 'editor']], files: { 'x.txt': 'x' } });
    await save(s.id, 'v1');
    await api(t.url, 'DELETE', `/api/sessions/${s.id}/files/${s.files['x.txt']!.id}`, { token: ana.token });
    await api(t.url, 'POST', `/api/sessions/${s.id}/chat`, {
      token: ana.token,
      body: { text: `@${bob.username} gone` },
    });
    const before = (await api(t.url, 'GET', `/api/sessions/${s.id}/activity`, { token: bob.token })).body
      .entries;
    const unread = (await api(t.url, 'GET', '/api/mentions?unread=1', { token: bob.token })).body.mentions;
    expect(before.map((e: any) => e.event.type)).to.deep.equal(['role', 'fileDeleted']);
    await t.close({ keepData: true });
    t = await startServer({ dataDir: t.dataDir, reposDir: t.reposDir, env: { COMMIT_IDLE_MS: '60000' } });
    expect(
      (await api(t.url, 'GET', `/api/sessions/${s.id}/activity`, { token: bob.token })).body.entries,
    ).to.deep.equal(before);
    expect(
      (await api(t.url, 'GET', '/api/mentions?unread=1', { token: bob.token })).body.mentions,
    ).to.deep.equal(unread);
  });
});
