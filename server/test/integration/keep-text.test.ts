/**
 * Issue 12, item 2: anything a person saw acknowledged stays recoverable, and they are told what
 * happened to it and by whom. Deleting a file someone types in commits its last text first and
 * refuses their late edits with ERR_FILE_DELETED; a restore brings it back, from their local copy
 * or from git. A revert while someone types keeps what they typed: in the version before the
 * revert, or in the live text, and the answer says who typed meanwhile.
 */
import { expect } from 'chai';
import { gitInRepo } from '../helpers/git-cli.js';
import {
  connectClient,
  emitAck,
  fetchDoc,
  type RealtimeClient,
  settled,
  submit,
  subscribe,
  textOf,
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

interface SessionEventPayload {
  type: string;
  [key: string]: unknown;
}

describe('what a person saw acknowledged stays recoverable', () => {
  let t: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  const clients: RealtimeClient[] = [];

  before(async () => {
    // Commits happen when the tests (or the operations under test) make them.
    t = await startServer({ env: { COMMIT_IDLE_MS: '600000', COMMIT_MAX_MS: '600000' } });
    alice = await registerUser(t.url, 'alice');
    bob = await registerUser(t.url, 'bob');
  });
  after(async () => {
    for (const c of clients) c.close();
    await t.close();
  });

  const gitIn = (sessionId: string, args: string[]) => gitInRepo(t.reposDir, sessionId, args);
  const show = async (sessionId: string, rev: string) => {
    const r = await gitIn(sessionId, ['show', rev]);
    expect(r.code, r.stderr).to.equal(0);
    return r.stdout;
  };
  const save = (u: TestUser, sessionId: string) =>
    api(t.url, 'POST', `/api/sessions/${sessionId}/versions`, { token: u.token, body: {} });

  /** A connected member who has joined the session, with every `session:event` they receive. */
  const join = async (u: TestUser, sessionId: string) => {
    const client = await connectClient(t.url, u.token);
    clients.push(client);
    const events: SessionEventPayload[] = [];
    client.socket.on('session:event', (e: SessionEventPayload) => events.push(e));
    const ack = await emitAck(client.socket, 'session:join', { sessionId });
    expect(ack.ok, JSON.stringify(ack)).to.equal(true);
    return { client, events };
  };
  /** The first event of `type` someone received, waiting for it to arrive. */
  const eventOf = (events: SessionEventPayload[], type: string) =>
    waitFor(() => events.find((e) => e.type === type), 3000, type) as Promise<SessionEventPayload>;
  const open = async (client: RealtimeClient, doc: { collection: string; id: string }) => {
    const d = client.connection.get(doc.collection, doc.id);
    await subscribe(d);
    return d;
  };

  it('a delete commits the text Bob saw acknowledged, refuses his late edit with ERR_FILE_DELETED, and a restore brings it back', async () => {
    const s = await createSession(t.url, alice, {
      members: [[bob, 'editor']],
      files: { 'src/db.sql': 'select 1;\n', 'README.md': '# db\n' },
    });
    const first = (await save(alice, s.id)).body.sha as string;
    const file = s.files['src/db.sql']!;
    const a = await join(alice, s.id);
    const b = await join(bob, s.id);
    const typing = await open(b.client, file.doc);
    for (const word of ['insert ', 'into ', 't ', 'values (1);\n']) {
      await submit(typing, [{ p: ['text', textOf(typing).length], si: word }]);
    }
    await settled(typing);
    const acknowledged = textOf(typing);
    expect(acknowledged).to.equal('select 1;\ninsert into t values (1);\n');

    // Bob's other tab read the file and types into it while the delete happens: its op arrives
    // after the delete, at the version it read.
    const otherTab = await connectClient(t.url, bob.token);
    clients.push(otherTab);
    const stale = otherTab.connection.get(file.doc.collection, file.doc.id);
    await fetchDoc(stale);
    expect(textOf(stale)).to.equal(acknowledged);

    const del = await api(t.url, 'DELETE', `/api/sessions/${s.id}/files/${file.id}`, { token: alice.token });
    expect(del.status).to.equal(204);

    const late = 'select 2;\n';
    let refused: { code?: unknown } | undefined;
    try {
      await submit(stale, [{ p: ['text', acknowledged.length], si: late }]);
    } catch (err) {
      refused = err as { code?: unknown };
    }
    expect(refused?.code, 'the late edit is refused as a deleted file, not a server fault').to.equal(
      'ERR_FILE_DELETED',
    );

    // Both are told who deleted which file, and which version holds its text.
    for (const who of [a, b]) {
      const event = await eventOf(who.events, 'fileDeleted');
      expect(event).to.deep.include({ fileId: file.id, path: 'src/db.sql' });
      expect(event.by).to.deep.equal({ id: alice.id, displayName: 'alice' });
      expect(await show(s.id, `${event.sha}:src/db.sql`)).to.equal(acknowledged);
    }
    const subjects = (await gitIn(s.id, ['log', '--format=%s', `${first}..HEAD`])).stdout.trim().split('\n');
    expect(subjects).to.deep.equal(['Delete src/db.sql', 'Before deleting src/db.sql']);
    expect((await gitIn(s.id, ['ls-tree', '--name-only', '-r', 'HEAD'])).stdout).to.equal('README.md\n');

    // Restore from Bob's local copy: what was acknowledged plus the refused keystrokes.
    const restored = await api(t.url, 'POST', `/api/sessions/${s.id}/files/restore`, {
      token: bob.token,
      body: { path: 'src/db.sql', content: acknowledged + late },
    });
    expect(restored.status, JSON.stringify(restored.body)).to.equal(201);
    expect(restored.body).to.include({ path: 'src/db.sql', language: 'sql' });
    const read = await api(t.url, 'GET', `/api/sessions/${s.id}/files/${restored.body.id}`, {
      token: alice.token,
    });
    expect(read.body.content).to.equal(acknowledged + late);
    for (const who of [a, b]) {
      const event = await eventOf(who.events, 'fileRestored');
      expect(event).to.deep.include({ fileId: restored.body.id, path: 'src/db.sql' });
      expect(event.by).to.deep.equal({ id: bob.id, displayName: 'bob' });
    }

    // A path taken meanwhile is not overwritten.
    const taken = await api(t.url, 'POST', `/api/sessions/${s.id}/files/restore`, {
      token: alice.token,
      body: { path: 'src/db.sql' },
    });
    expect(taken.status).to.equal(409);
    expect(taken.body.error.code).to.equal('ERR_PATH_EXISTS');

    // Deleted again, and restored without content: exactly the text git holds.
    a.events.length = 0;
    expect(
      (await api(t.url, 'DELETE', `/api/sessions/${s.id}/files/${restored.body.id}`, { token: alice.token }))
        .status,
    ).to.equal(204);
    const again = await eventOf(a.events, 'fileDeleted');
    const fromGit = await api(t.url, 'POST', `/api/sessions/${s.id}/files/restore`, {
      token: alice.token,
      body: { path: 'src/db.sql' },
    });
    expect(fromGit.status, JSON.stringify(fromGit.body)).to.equal(201);
    expect(fromGit.body.sha).to.equal(again.sha);
    const back = await api(t.url, 'GET', `/api/sessions/${s.id}/files/${fromGit.body.id}`, {
      token: alice.token,
    });
    expect(back.body.content).to.equal(await show(s.id, `${again.sha}:src/db.sql`));
    expect(back.body.content).to.equal(acknowledged + late);

    // A named version, and a version without the file.
    const old = await api(t.url, 'POST', `/api/sessions/${s.id}/files/restore`, {
      token: alice.token,
      body: { path: 'old/db.sql', sha: first },
    });
    expect(old.status).to.equal(404);
    expect(old.body.error.code).to.equal('ERR_FILE_NOT_FOUND');
  });

  it('typing straight through a delete: every keystroke acknowledged is in the version the event names', async () => {
    const s = await createSession(t.url, alice, { members: [[bob, 'editor']], files: { 'notes.md': '' } });
    await save(alice, s.id);
    const file = s.files['notes.md']!;
    const a = await join(alice, s.id);
    const b = await join(bob, s.id);
    const typing = await open(b.client, file.doc);
    const acked: string[] = [];
    let refusal: { code?: unknown } | undefined;
    const typist = (async () => {
      for (let i = 0; ; i++) {
        const token = `<${i}>`;
        try {
          await submit(typing, [{ p: ['text', textOf(typing).length], si: token }]);
        } catch (err) {
          refusal = err as { code?: unknown };
          return;
        }
        acked.push(token);
      }
    })();
    await waitFor(() => acked.length >= 20, 5000, 'Bob typing');
    const del = await api(t.url, 'DELETE', `/api/sessions/${s.id}/files/${file.id}`, { token: alice.token });
    expect(del.status).to.equal(204);
    await typist;
    // Refused by the server (sealed or deleted), or by his own client once the delete reached it.
    expect(refusal?.code).to.be.oneOf(['ERR_FILE_DELETED', 'ERR_DOC_WAS_DELETED']);
    const event = await eventOf(a.events, 'fileDeleted');
    expect(await show(s.id, `${event.sha}:notes.md`)).to.equal(acked.join(''));
    expect((await eventOf(b.events, 'fileDeleted')).sha).to.equal(event.sha);
  });

  it('restore follows the rules of file creation: editors only, valid paths', async () => {
    const viewer = await registerUser(t.url, 'vera');
    const s = await createSession(t.url, alice, { members: [[viewer, 'viewer']], files: { 'a.txt': 'a\n' } });
    await save(alice, s.id);
    const asViewer = await api(t.url, 'POST', `/api/sessions/${s.id}/files/restore`, {
      token: viewer.token,
      body: { path: 'b.txt', content: 'x' },
    });
    expect(asViewer.status).to.equal(403);
    const bad = await api(t.url, 'POST', `/api/sessions/${s.id}/files/restore`, {
      token: alice.token,
      body: { path: '../etc/passwd', content: 'x' },
    });
    expect(bad.status).to.equal(400);
    expect(bad.body.error.code).to.equal('ERR_INVALID_PATH');
  });

  it('a revert while Bob types keeps every keystroke he saw acknowledged, and names him in `differs`', async () => {
    const s = await createSession(t.url, alice, {
      members: [[bob, 'editor']],
      files: { 'src/a.js': 'one\ntwo\nthree\n' },
    });
    const target = (await save(alice, s.id)).body.sha as string;
    // A file the target lacks: the revert deletes it.
    const created = await api(t.url, 'POST', `/api/sessions/${s.id}/files`, {
      token: alice.token,
      body: { path: 'gone.js', content: 'x\n' },
    });
    expect(created.status).to.equal(201);
    const a = await join(alice, s.id);
    const b = await join(bob, s.id);
    const mine = await open(a.client, s.files['src/a.js']!.doc);
    await submit(mine, [{ p: ['text', 4], sd: 'two' }]);
    await submit(mine, [{ p: ['text', 4], si: 'TWO' }]);
    await save(alice, s.id);

    const typing = await open(b.client, s.files['src/a.js']!.doc);
    const acked: number[] = [];
    let stop = false;
    const typist = (async () => {
      for (let i = 0; !stop; i++) {
        await submit(typing, [{ p: ['text', textOf(typing).length], si: `<b${i}>` }]);
        acked.push(i);
      }
    })();
    await waitFor(() => acked.length >= 10, 5000, 'Bob typing');
    const ackedBeforeRevert = acked.length;
    const res = await api(t.url, 'POST', `/api/sessions/${s.id}/revert`, {
      token: alice.token,
      body: { sha: target },
    });
    const ackedBeforeAnswer = acked.length;
    await waitFor(() => acked.length >= ackedBeforeAnswer + 5, 5000, 'Bob typing after the revert');
    stop = true;
    await typist;
    await settled(typing);
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(acked.length - ackedBeforeRevert, 'Bob typed while the revert ran').to.be.greaterThan(0);

    const live = (
      await api(t.url, 'GET', `/api/sessions/${s.id}/files/${s.files['src/a.js']!.id}`, {
        token: alice.token,
      })
    ).body.content as string;
    expect(live.startsWith('one\ntwo\nthree\n'), live).to.equal(true);
    expect(res.body.differs).to.deep.equal([{ path: 'src/a.js', by: ['bob'] }]);

    // What the revert took away is in the version before it; what he typed meanwhile is live.
    const subjects = (await gitIn(s.id, ['log', '--format=%s', '-2'])).stdout.trim().split('\n');
    expect(subjects[0]).to.match(/^Revert to [0-9a-f]{7}: /);
    expect(subjects[1]).to.equal(`Before revert to ${target.slice(0, 7)}`);
    const beforeRevert = await show(s.id, `${res.body.sha}^:src/a.js`);
    expect(beforeRevert).to.contain('TWO');
    for (let i = 0; i < ackedBeforeRevert; i++) expect(beforeRevert).to.contain(`<b${i}>`);
    for (let i = ackedBeforeAnswer; i < acked.length; i++) expect(live).to.contain(`<b${i}>`);
    for (const i of acked) {
      expect(beforeRevert.includes(`<b${i}>`) || live.includes(`<b${i}>`), `keystroke <b${i}> kept`).to.equal(
        true,
      );
    }
    // The file the target lacks went through the delete path; everyone heard of the revert.
    expect(await show(s.id, `${res.body.sha}^:gone.js`)).to.equal('x\n');
    for (const who of [a, b]) {
      const reverted = await eventOf(who.events, 'reverted');
      expect(reverted).to.deep.include({ sha: target });
      expect(reverted.by).to.deep.equal({ id: alice.id, displayName: 'alice' });
      const gone = await eventOf(who.events, 'fileDeleted');
      expect(gone).to.deep.include({ path: 'gone.js' });
    }
  });
});
