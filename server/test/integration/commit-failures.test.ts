import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { submitOp, withDoc } from '../../src/ot/docs.js';
import { git } from '../helpers/git-cli.js';
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

interface Event {
  sessionId: string;
  type: string;
  code?: string;
  message?: string;
  attempt?: number;
  retryInMs?: number;
}

describe('a session whose commits fail says so, retries, and never holds up another', () => {
  let t: TestServer;
  let owner: TestUser;
  const clients: RealtimeClient[] = [];

  before(async () => {
    // Quick commits, and a retry cap low enough to be reached within a test.
    t = await startServer({
      env: { COMMIT_IDLE_MS: '50', COMMIT_MAX_MS: '200', COMMIT_RETRY_MAX_MS: '400' },
    });
    owner = await registerUser(t.url);
  });
  after(async () => {
    for (const c of clients) c.close();
    await t.close();
  });

  const repoOf = (sessionId: string) => path.join(t.reposDir, `${sessionId}.git`);
  const headTree = async (sessionId: string) =>
    (await git(['--git-dir', repoOf(sessionId), 'ls-tree', '-r', '--name-only', 'HEAD'])).stdout
      .split('\n')
      .filter(Boolean);
  const commitCount = async (sessionId: string) =>
    Number((await git(['--git-dir', repoOf(sessionId), 'rev-list', '--count', 'HEAD'])).stdout.trim()) || 0;

  /** A tab that joined `sessionIds` and records their session events. */
  async function tab(...sessionIds: string[]) {
    const c = await connectClient(t.url, owner.token);
    clients.push(c);
    const events: Event[] = [];
    c.socket.on('session:event', (e: Event) => events.push(e));
    const joins = [];
    for (const sessionId of sessionIds) joins.push(await emitAck(c.socket, 'session:join', { sessionId }));
    return { c, events, joins };
  }

  it('a path git refuses: commitFailed names it, retries back off to the cap, another session commits meanwhile, a rename fixes it', async () => {
    const a = await createSession(t.url, owner, { files: { 'a.txt': 'a\n' } });
    const b = await createSession(t.url, owner, { files: { 'b.txt': 'b\n' } });
    const { c, events, joins } = await tab(a.id, b.id);
    expect(joins.map((j) => j.commitFailure)).to.deep.equal([null, null]);
    await waitFor(
      async () => (await commitCount(a.id)) > 0 && (await commitCount(b.id)) > 0,
      5000,
      'first versions',
    );

    // A name an older create rule let in (200 characters, 400 bytes): written straight into the
    // manifest through the server's own connection, as it was stored then.
    const bad = `src/${'é'.repeat(200)}`;
    const fileId = a.files['a.txt']!.id;
    await withDoc(t.server.services.conn, 'sessions', a.id, (doc) =>
      submitOp(doc, [{ p: ['files', fileId, 'path'], od: 'a.txt', oi: bad }]),
    );
    const docA = c.connection.get('files', a.files['a.txt']!.doc.id);
    await subscribe(docA);
    await submit(docA, [{ p: ['text', 0], si: 'edit ' }]);

    const failures = () => events.filter((e) => e.sessionId === a.id && e.type === 'commitFailed');
    const versionsOfB = () => events.filter((e) => e.sessionId === b.id && e.type === 'version').length;
    const bBefore = versionsOfB();
    const docB = c.connection.get('files', b.files['b.txt']!.doc.id);
    await subscribe(docB);
    // B keeps being edited, and committed, while A fails.
    let typing = true;
    const typist = (async () => {
      for (let i = 0; typing; i++) {
        await submit(docB, [{ p: ['text', 0], si: `${i} ` }]);
        await new Promise((r) => setTimeout(r, 60));
      }
    })();
    await waitFor(() => failures().length >= 4, 8000, 'four failed attempts');
    // On a loaded machine B's commits may lag its typing: A's failures must not stop them.
    await waitFor(() => versionsOfB() - bBefore > 1, 8000, 'versions of the other session meanwhile');
    typing = false;
    await typist;

    const f = failures();
    expect(f[0]).to.include({ code: 'ERR_INVALID_PATH', attempt: 1 });
    expect(f[0]!.message).to.include(`"${bad}" cannot be saved in git`);
    expect(f[0]!.message).to.match(/400 bytes in UTF-8, at most 255/);
    expect(f.slice(0, 4).map((e) => e.attempt)).to.deep.equal([1, 2, 3, 4]);
    // 2 × 50 ms, doubling, capped at 400 ms.
    expect(f.slice(0, 4).map((e) => e.retryInMs)).to.deep.equal([100, 200, 400, 400]);
    expect(versionsOfB() - bBefore, 'versions of the other session meanwhile').to.be.greaterThan(1);

    // A tab that joins now is told too.
    const late = await tab(a.id);
    expect(late.joins[0].commitFailure).to.include({ code: 'ERR_INVALID_PATH' });
    expect(late.joins[0].commitFailure.message).to.include(bad);

    // The owner renames it: the next attempt succeeds and everyone hears so.
    const renamed = await api(t.url, 'PATCH', `/api/sessions/${a.id}/files/${fileId}`, {
      token: owner.token,
      body: { path: 'src/fixed.txt' },
    });
    expect(renamed.status).to.equal(200);
    await waitFor(() => events.some((e) => e.sessionId === a.id && e.type === 'commitOk'), 5000, 'commitOk');
    await waitFor(
      async () => (await headTree(a.id)).includes('src/fixed.txt'),
      5000,
      'the fixed file committed',
    );
    expect(late.events.some((e) => e.type === 'commitOk')).to.equal(true);
    const again = await emitAck(late.c.socket, 'session:join', { sessionId: a.id });
    expect(again.commitFailure).to.equal(null);
  });

  it('a repository that cannot be written: commitFailed without server paths, then commitOk once it can', async () => {
    const s = await createSession(t.url, owner, { files: { 'x.txt': 'x\n' } });
    const { c, events } = await tab(s.id);
    await waitFor(async () => (await commitCount(s.id)) > 0, 5000, 'first version');

    // Works as root too: a file where the objects directory was.
    const objects = path.join(repoOf(s.id), 'objects');
    fs.renameSync(objects, `${objects}.away`);
    fs.writeFileSync(objects, 'not a directory');
    try {
      const doc = c.connection.get('files', s.files['x.txt']!.doc.id);
      await subscribe(doc);
      await submit(doc, [{ p: ['text', 0], si: 'more ' }]);
      const failed = await waitFor(() => events.find((e) => e.type === 'commitFailed'), 5000, 'commitFailed');
      expect(failed).to.include({ code: 'ERR_INTERNAL', attempt: 1 });
      // isomorphic-git fails here with a TypeError, not an errno: members get a sentence, the log
      // gets the error itself.
      expect(failed!.message).to.match(/could not be written \(E[A-Z]+\)|could not write the version/);
      // Server paths stay in the log.
      expect(failed!.message).not.to.include(t.reposDir);
    } finally {
      fs.rmSync(objects);
      fs.renameSync(`${objects}.away`, objects);
    }
    await waitFor(() => events.some((e) => e.type === 'commitOk'), 5000, 'commitOk');
    await waitFor(
      async () => (await git(['--git-dir', repoOf(s.id), 'show', 'HEAD:x.txt'])).stdout === 'more x\n',
      5000,
      'the edit committed',
    );
  });

  it('a failing session that is deleted stops being retried', async () => {
    const s = await createSession(t.url, owner, { files: { 'a.txt': 'a\n' } });
    const worker = t.server.services.worker;
    await withDoc(t.server.services.conn, 'sessions', s.id, (doc) =>
      submitOp(doc, [{ p: ['files', s.files['a.txt']!.id, 'path'], od: 'a.txt', oi: 'é'.repeat(200) }]),
    );
    worker.noteEdit(s.id, owner.id, 1);
    await waitFor(() => worker.lastFailure(s.id), 5000, 'a failure');
    const deleted = await api(t.url, 'DELETE', `/api/sessions/${s.id}`, { token: owner.token });
    expect(deleted.status).to.equal(204);
    await waitFor(() => !worker.isPending(s.id), 5000, 'no retry pending');
    expect(worker.lastFailure(s.id)).to.equal(null);
  });
});
