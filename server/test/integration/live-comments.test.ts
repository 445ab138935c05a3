/**
 * Comments on the live text (issue 15, item 5): a real server, real ShareDB clients typing, the
 * REST API, and the real `git` reading the notes a commit writes in a clone.
 */
import fs from 'node:fs';
import { expect } from 'chai';
import { cloneUrl, git, tempDir } from '../helpers/git-cli.js';
import {
  type ClientDoc,
  connectClient,
  openDoc,
  type RealtimeClient,
  settled,
  submit,
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

const TEXT = 'line 1\nline 2\nline 3\nline 4\nline 5\n';

describe('comments on the live text', function () {
  this.timeout(60_000);
  let t: TestServer;
  let owner: TestUser;
  let ana: TestUser;
  let ben: TestUser;
  let viewer: TestUser;
  let commenter: TestUser;
  const clients: RealtimeClient[] = [];

  before(async () => {
    t = await startServer({ env: { COMMIT_IDLE_MS: '600000', COMMIT_MAX_MS: '600000' } });
    owner = await registerUser(t.url);
    ana = await registerUser(t.url);
    ben = await registerUser(t.url);
    viewer = await registerUser(t.url);
    commenter = await registerUser(t.url);
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  after(async () => {
    await t.close();
  });

  async function session(text = TEXT) {
    const s = await createSession(t.url, owner, {
      members: [
        [ana, 'editor'],
        [ben, 'editor'],
        [viewer, 'viewer'],
        [commenter, 'commenter'],
      ],
      files: { 'src/app.ts': text },
    });
    const file = s.files['src/app.ts']!;
    return { sessionId: s.id, fileId: file.id, doc: file.doc };
  }
  const open = (u: TestUser, doc: { collection: string; id: string }) =>
    openDoc(clients, t.url, u.token, doc);
  const comment = (u: TestUser, sessionId: string, fileId: string, body: unknown) =>
    api(t.url, 'POST', `/api/sessions/${sessionId}/files/${fileId}/comments`, { token: u.token, body });
  const list = async (u: TestUser, sessionId: string, fileId: string) => {
    const r = await api(t.url, 'GET', `/api/sessions/${sessionId}/files/${fileId}/comments`, {
      token: u.token,
    });
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    return r.body.threads as Array<
      { id: string; anchor: { from: number; to: number }; detached: boolean } & Record<string, any>
    >;
  };
  /** The thread's text in the document as it is now. */
  const under = (doc: ClientDoc, a: { from: number; to: number }) => textOf(doc).slice(a.from, a.to);
  const range = (text: string, quote: string) => {
    const from = text.indexOf(quote);
    return { from, to: from + quote.length };
  };

  it('anchors move with two people typing before, inside and after, and collapse when deleted across', async () => {
    const { sessionId, fileId, doc } = await session();
    const a = await open(ana, doc);
    const b = await open(ben, doc);
    const made = await comment(ana, sessionId, fileId, {
      anchor: range(TEXT, 'line 3\nline 4'),
      v: a.version,
      body: 'Why two lines?',
    });
    expect(made.status, JSON.stringify(made.body)).to.equal(201);
    expect(made.body).to.deep.include({
      quote: 'line 3\nline 4',
      detached: false,
      resolved: false,
      body: 'Why two lines?',
    });
    const other = await comment(ben, sessionId, fileId, {
      anchor: range(TEXT, 'line 5'),
      v: b.version,
      body: 'last',
    });
    expect(other.status).to.equal(201);

    // Concurrently: Ana types above, Ben types inside the first range and after the second.
    await Promise.all([
      submit(a, [{ p: ['text', 0], si: 'header\n' }]),
      (async () => {
        await submit(b, [{ p: ['text', TEXT.indexOf('line 4')], si: 'inserted ' }]);
        await submit(b, [{ p: ['text', textOf(b).length], si: 'tail\n' }]);
      })(),
    ]);
    await settled(a);
    await settled(b);
    await waitFor(() => textOf(a) === textOf(b) && textOf(a).includes('tail'), 5000, 'convergence');
    const [first, second] = await list(viewer, sessionId, fileId);
    expect(under(a, first!.anchor)).to.equal('line 3\ninserted line 4');
    expect(under(a, second!.anchor)).to.equal('line 5');
    // Inserts exactly at the edges stay outside the range.
    await submit(a, [{ p: ['text', first!.anchor.to], si: '!' }]);
    await submit(a, [{ p: ['text', first!.anchor.from], si: '>' }]);
    const edged = (await list(ana, sessionId, fileId))[0]!;
    expect(under(a, edged.anchor)).to.equal('line 3\ninserted line 4');

    // A delete across the whole of the first range (and more) collapses it: detached, quote kept.
    await waitFor(() => textOf(b) === textOf(a), 5000, 'Ben has Ana’s edits');
    const start = edged.anchor.from - 1;
    const end = edged.anchor.to + 2;
    await submit(b, [{ p: ['text', start], sd: textOf(b).slice(start, end) }]);
    await settled(b);
    await waitFor(() => textOf(a) === textOf(b), 5000, 'Ana has Ben’s delete');
    const [gone, kept] = await list(ana, sessionId, fileId);
    expect(gone).to.deep.include({ detached: true, quote: 'line 3\nline 4' });
    expect(gone!.anchor.from).to.equal(gone!.anchor.to);
    expect(gone!.anchor.from).to.equal(start);
    expect(under(a, kept!.anchor)).to.equal('line 5');
  });

  it('a comment made at an older version is moved through what was typed since', async () => {
    const { sessionId, fileId, doc } = await session();
    const a = await open(ana, doc);
    const oldV = a.version!;
    await submit(a, [{ p: ['text', 0], si: 'new first line\n' }]);
    const made = await comment(ben, sessionId, fileId, {
      anchor: range(TEXT, 'line 2'),
      v: oldV,
      body: 'here',
    });
    expect(made.status, JSON.stringify(made.body)).to.equal(201);
    expect(made.body.quote).to.equal('line 2');
    expect(under(a, made.body.anchor)).to.equal('line 2');
  });

  it('replies, edits own, resolves and deletes, with live events to the session', async () => {
    const { sessionId, fileId } = await session();
    const c = await connectClient(t.url, ben.token);
    clients.push(c);
    const joined = await c.socket.timeout(3000).emitWithAck('session:join', { sessionId });
    expect(joined.error ?? null).to.equal(null);
    const events: any[] = [];
    c.socket.on('session:event', (e: any) => {
      if (e.type === 'liveComment') events.push(e);
    });
    const made = await comment(ana, sessionId, fileId, { anchor: { from: 0, to: 6 }, v: 1, body: 'first' });
    expect(made.status, JSON.stringify(made.body)).to.equal(201);
    const id = made.body.id;
    await waitFor(() => events.some((e) => e.thread?.id === id), 5000, 'the created event');
    expect(events[0]).to.deep.include({ fileId });

    const reply = await api(t.url, 'POST', `/api/sessions/${sessionId}/comments/${id}/replies`, {
      token: commenter.token,
      body: { body: 'a reply' },
    });
    expect(reply.status).to.equal(201);
    const replyId = reply.body.replies[0].id;
    expect(reply.body.replies[0]).to.deep.include({ body: 'a reply' });
    expect(reply.body.replies[0].author.username).to.equal(commenter.username);

    const notMine = await api(t.url, 'PATCH', `/api/sessions/${sessionId}/comments/${id}`, {
      token: ben.token,
      body: { body: 'hijacked' },
    });
    expect(notMine.status).to.equal(403);
    expect(notMine.body.error.code).to.equal('ERR_FORBIDDEN');
    const edited = await api(t.url, 'PATCH', `/api/sessions/${sessionId}/comments/${id}`, {
      token: ana.token,
      body: { body: 'first, edited' },
    });
    expect(edited.status).to.equal(200);
    expect(edited.body.body).to.equal('first, edited');
    expect(edited.body.editedAt).to.be.a('string');

    const replyNotMine = await api(
      t.url,
      'PATCH',
      `/api/sessions/${sessionId}/comments/${id}/replies/${replyId}`,
      {
        token: ana.token,
        body: { body: 'not mine' },
      },
    );
    expect(replyNotMine.body.error.code).to.equal('ERR_FORBIDDEN');
    const replyEdited = await api(
      t.url,
      'PATCH',
      `/api/sessions/${sessionId}/comments/${id}/replies/${replyId}`,
      {
        token: commenter.token,
        body: { body: 'a better reply' },
      },
    );
    expect(replyEdited.status).to.equal(200);
    expect(replyEdited.body.replies[0]).to.deep.include({ body: 'a better reply' });
    expect(replyEdited.body.replies[0].editedAt).to.be.a('string');

    const resolved = await api(t.url, 'POST', `/api/sessions/${sessionId}/comments/${id}/resolve`, {
      token: commenter.token,
      body: { resolved: true },
    });
    expect(resolved.body.resolved).to.equal(true);
    await waitFor(
      () => events.some((e) => e.thread?.id === id && e.thread.resolved),
      5000,
      'the resolved event',
    );

    // Ben cannot delete Commenter's reply; the owner can.
    const benDeletes = await api(
      t.url,
      'DELETE',
      `/api/sessions/${sessionId}/comments/${id}/replies/${replyId}`,
      {
        token: ben.token,
      },
    );
    expect(benDeletes.status).to.equal(403);
    const ownerDeletes = await api(
      t.url,
      'DELETE',
      `/api/sessions/${sessionId}/comments/${id}/replies/${replyId}`,
      {
        token: owner.token,
      },
    );
    expect(ownerDeletes.status).to.equal(204);
    const del = await api(t.url, 'DELETE', `/api/sessions/${sessionId}/comments/${id}`, { token: ana.token });
    expect(del.status).to.equal(204);
    await waitFor(() => events.some((e) => e.removed === id), 5000, 'the removed event');
    expect(await list(ana, sessionId, fileId)).to.deep.equal([]);
    const again = await api(t.url, 'DELETE', `/api/sessions/${sessionId}/comments/${id}`, {
      token: ana.token,
    });
    expect(again.body.error.code).to.equal('ERR_COMMENT_NOT_FOUND');
  });

  it('viewers read but cannot comment; commenters can; outsiders see nothing', async () => {
    const { sessionId, fileId } = await session();
    const byViewer = await comment(viewer, sessionId, fileId, {
      anchor: { from: 0, to: 4 },
      v: 1,
      body: 'x',
    });
    expect(byViewer.status).to.equal(403);
    expect(byViewer.body.error.code).to.equal('ERR_FORBIDDEN');
    const byCommenter = await comment(commenter, sessionId, fileId, {
      anchor: { from: 0, to: 4 },
      v: 1,
      body: 'ok',
    });
    expect(byCommenter.status).to.equal(201);
    expect((await list(viewer, sessionId, fileId)).map((x) => x.body)).to.deep.equal(['ok']);
    const replyByViewer = await api(
      t.url,
      'POST',
      `/api/sessions/${sessionId}/comments/${byCommenter.body.id}/replies`,
      {
        token: viewer.token,
        body: { body: 'no' },
      },
    );
    expect(replyByViewer.status).to.equal(403);
    const stranger = await registerUser(t.url);
    const r = await api(t.url, 'GET', `/api/sessions/${sessionId}/files/${fileId}/comments`, {
      token: stranger.token,
    });
    expect(r.status).to.be.oneOf([403, 404]);
  });

  it('refuses bad input with stable codes and writes nothing', async () => {
    const { sessionId, fileId } = await session();
    const cases: Array<[unknown, string, string?]> = [
      [{ anchor: { from: 0, to: 500 }, v: 1, body: 'x' }, 'ERR_INVALID_RANGE'],
      [{ anchor: { from: 3, to: 3 }, v: 1, body: 'x' }, 'ERR_INVALID_RANGE'],
      [{ anchor: { from: 4, to: 2 }, v: 1, body: 'x' }, 'ERR_INVALID_RANGE'],
      [{ anchor: { from: -1, to: 2 }, v: 1, body: 'x' }, 'ERR_VALIDATION'],
      [{ anchor: { from: 0, to: 2 }, v: 1, body: '   ' }, 'ERR_VALIDATION'],
      [{ anchor: { from: 0, to: 2 }, v: 1, body: 'x'.repeat(10_001) }, 'ERR_TOO_LARGE'],
      [{ anchor: { from: 0, to: 2 }, v: 99, body: 'x' }, 'ERR_VALIDATION'],
      [{ anchor: { from: 0, to: 2 }, body: 'x' }, 'ERR_VALIDATION'],
      ['not json object', 'ERR_VALIDATION'],
    ];
    for (const [body, code] of cases) {
      const r = await comment(ana, sessionId, fileId, body);
      expect(r.body?.error?.code, JSON.stringify(body).slice(0, 80)).to.equal(code);
    }
    const unknown = await comment(ana, sessionId, 'nosuchfile', {
      anchor: { from: 0, to: 2 },
      v: 1,
      body: 'x',
    });
    expect(unknown.body.error.code).to.equal('ERR_FILE_NOT_FOUND');
    const badId = await comment(ana, sessionId, '../x', { anchor: { from: 0, to: 2 }, v: 1, body: 'x' });
    expect(badId.status).to.equal(404);
    const noThread = await api(t.url, 'POST', `/api/sessions/${sessionId}/comments/nope/replies`, {
      token: ana.token,
      body: { body: 'x' },
    });
    expect(noThread.body.error.code).to.equal('ERR_COMMENT_NOT_FOUND');
    expect(await list(ana, sessionId, fileId)).to.deep.equal([]);

    const del = await api(t.url, 'DELETE', `/api/sessions/${sessionId}/files/${fileId}`, {
      token: owner.token,
    });
    expect(del.status).to.be.oneOf([200, 204]);
    const onDeleted = await comment(ana, sessionId, fileId, { anchor: { from: 0, to: 2 }, v: 1, body: 'x' });
    expect(onDeleted.body.error.code).to.equal('ERR_FILE_DELETED');
  });

  it('the next version carries the threads as git notes, readable with git log --notes=comments in a clone', async () => {
    const { sessionId, fileId, doc } = await session();
    const a = await open(ana, doc);
    const made = await comment(ana, sessionId, fileId, {
      anchor: range(TEXT, 'line 3\nline 4'),
      v: a.version,
      body: 'Why two lines?',
    });
    await api(t.url, 'POST', `/api/sessions/${sessionId}/comments/${made.body.id}/replies`, {
      token: ben.token,
      body: { body: 'Because.' },
    });
    // Two lines typed above before the version: the note names the lines in that version.
    await submit(a, [{ p: ['text', 0], si: 'a\nb\n' }]);
    const saved = await api(t.url, 'POST', `/api/sessions/${sessionId}/versions`, {
      token: ana.token,
      body: {},
    });
    expect(saved.status).to.equal(201);
    // Typed after the version: the note must still say where the thread was in it.
    await submit(a, [{ p: ['text', 0], si: 'later\n' }]);

    const dir = tempDir();
    try {
      const clone = await git([
        'clone',
        '-q',
        cloneUrl(t.url, sessionId, ana.username, 'correct horse'),
        dir,
      ]);
      expect(clone.code, clone.stderr).to.equal(0);
      await git(['-C', dir, 'fetch', '-q', 'origin', 'refs/notes/*:refs/notes/*']);
      const log = await git(['-C', dir, 'log', '-1', '--notes=comments', '--format=%H%n%N']);
      expect(log.stdout).to.contain(saved.body.sha);
      expect(log.stdout).to.match(/src\/app\.ts:5–6 — \S+ \(@[^)]+\), .*UTC/);
      expect(log.stdout).to.contain('Why two lines?');
      expect(log.stdout).to.match(/↳ .*\n\s+Because\./);
      const fsck = await git(['-C', dir, 'fsck', '--full', '--strict']);
      expect(fsck.code, fsck.stderr).to.equal(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    // And it is a line comment on that version in the history.
    const onVersion = await api(
      t.url,
      'GET',
      `/api/sessions/${sessionId}/versions/${saved.body.sha}/comments`,
      {
        token: viewer.token,
      },
    );
    const root = onVersion.body.comments.find((c: any) => c.id === made.body.id);
    expect(root).to.deep.include({ path: 'src/app.ts', line: 5, endLine: 6, body: 'Why two lines?' });
    expect(onVersion.body.comments.find((c: any) => c.parentId === made.body.id)?.body).to.equal('Because.');

    // Written once: an unchanged thread is not written again on the next version; a changed one is.
    await submit(a, [{ p: ['text', 0], si: 'more\n' }]);
    const next = await api(t.url, 'POST', `/api/sessions/${sessionId}/versions`, {
      token: ana.token,
      body: {},
    });
    const none = await api(t.url, 'GET', `/api/sessions/${sessionId}/versions/${next.body.sha}/comments`, {
      token: viewer.token,
    });
    expect(none.body.comments).to.deep.equal([]);
    await api(t.url, 'POST', `/api/sessions/${sessionId}/comments/${made.body.id}/resolve`, {
      token: ana.token,
      body: {},
    });
    await submit(a, [{ p: ['text', 0], si: 'again\n' }]);
    const third = await api(t.url, 'POST', `/api/sessions/${sessionId}/versions`, {
      token: ana.token,
      body: {},
    });
    const onThird = await api(
      t.url,
      'GET',
      `/api/sessions/${sessionId}/versions/${third.body.sha}/comments`,
      {
        token: viewer.token,
      },
    );
    expect(onThird.body.comments[0]).to.deep.include({
      id: made.body.id,
      resolved: true,
      line: 8,
      endLine: 9,
    });
  });
});
