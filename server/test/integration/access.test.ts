import { expect } from 'chai';
import {
  type ClientDoc,
  connectClient,
  connectRaw,
  fetchDoc,
  type RealtimeClient,
  rawExchange,
  rawSubmit,
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

const textOf = (doc: ClientDoc) => (doc.data as { text: string } | undefined)?.text;
const codeOf = (err: unknown) => (err as { code?: string }).code;

async function expectRefused(p: Promise<unknown>, code: string) {
  try {
    await p;
  } catch (err) {
    expect(codeOf(err), String(err)).to.equal(code);
    return;
  }
  expect.fail(`expected ${code}`);
}

describe('access rules on documents, presence and REST', () => {
  let t: TestServer;
  let owner: TestUser;
  let editor: TestUser;
  let commenter: TestUser;
  let viewer: TestUser;
  let stranger: TestUser;
  let sessionId: string;
  let file: { id: string; doc: { collection: string; id: string } };
  const clients: RealtimeClient[] = [];
  const connect = async (u: TestUser) => {
    const c = await connectClient(t.url, u.token);
    clients.push(c);
    return c;
  };

  before(async () => {
    t = await startServer();
    [owner, editor, commenter, viewer, stranger] = (await Promise.all(
      Array.from({ length: 5 }, () => registerUser(t.url)),
    )) as [TestUser, TestUser, TestUser, TestUser, TestUser];
    const s = await createSession(t.url, owner, {
      members: [
        [editor, 'editor'],
        [commenter, 'commenter'],
        [viewer, 'viewer'],
      ],
      files: { 'a.txt': 'hello' },
    });
    sessionId = s.id;
    file = s.files['a.txt']!;
  });
  after(async () => {
    for (const c of clients) c.close();
    await t.close();
  });

  it('members of every role can fetch and subscribe to files and the manifest', async () => {
    for (const u of [owner, editor, commenter, viewer]) {
      const c = await connect(u);
      const doc = c.connection.get('files', file.doc.id);
      await subscribe(doc);
      expect(textOf(doc)).to.equal('hello');
      const manifest = c.connection.get('sessions', sessionId);
      await fetchDoc(manifest);
      expect((manifest.data as { files: Record<string, { path: string }> }).files[file.id]!.path).to.equal(
        'a.txt',
      );
    }
  });

  it('editors and owners write; a commenter’s or viewer’s op is refused with ERR_FORBIDDEN and the doc is unchanged', async () => {
    const e = await connect(editor);
    const doc = e.connection.get('files', file.doc.id);
    await subscribe(doc);
    await submit(doc, [{ p: ['text', 5], si: '!' }]);
    for (const u of [commenter, viewer]) {
      const c = await connect(u);
      const d = c.connection.get('files', file.doc.id);
      await subscribe(d);
      await expectRefused(submit(d, [{ p: ['text', 0], si: 'X' }]), 'ERR_FORBIDDEN');
      // The client rolls back its optimistic change; the server never had it.
      await waitFor(() => textOf(d) === 'hello!', 3000, 'rollback');
    }
    const read = await api(t.url, 'GET', `/api/sessions/${sessionId}/files/${file.id}`, {
      token: owner.token,
    });
    expect(read.body.content).to.equal('hello!');
  });

  it('a non-member can fetch, subscribe to or edit none of the session’s documents, existing or not', async () => {
    const c = await connect(stranger);
    const ids = [
      ['files', file.doc.id],
      ['files', `${sessionId}.doesnotexist`],
      ['sessions', sessionId],
      ['sessions', 'no-such-session'],
      ['files', 'junk-without-session'],
      ['other', 'x'],
    ] as const;
    for (const [collection, id] of ids) {
      await expectRefused(fetchDoc(c.connection.get(collection, id)), 'ERR_FORBIDDEN');
      await expectRefused(subscribe(c.connection.get(collection, `${id}`)), 'ERR_FORBIDDEN');
    }
    // Past the client library's own checks, straight to the server.
    const raw = await connectRaw(t.url, stranger.token);
    for (const v of [1, 2, 100]) {
      const reply = await rawSubmit(raw, 'files', file.doc.id, v, [{ p: ['text', 0], si: 'X' }]);
      expect(reply.error?.code).to.equal('ERR_FORBIDDEN');
    }
    const create = await rawSubmit(raw, 'files', `${sessionId}.mine`, 0, undefined, {
      create: { type: 'json0', data: { text: '' } },
    });
    expect(create.error?.code).to.equal('ERR_FORBIDDEN');
    raw.close();
    const read = await api(t.url, 'GET', `/api/sessions/${sessionId}/files/${file.id}`, {
      token: owner.token,
    });
    expect(read.body.content).to.not.include('X');
  });

  it('nobody creates or deletes documents, or edits the manifest, through ShareDB', async () => {
    const c = await connect(owner);
    const fresh = c.connection.get('files', `${sessionId}.brandnew`);
    await expectRefused(
      new Promise<void>((res, rej) =>
        fresh.create({ text: 'x' }, (err: unknown) => (err ? rej(err) : res())),
      ),
      'ERR_FORBIDDEN',
    );
    const doc = c.connection.get('files', file.doc.id);
    await subscribe(doc);
    await expectRefused(
      new Promise<void>((res, rej) => doc.del({}, (err: unknown) => (err ? rej(err) : res()))),
      'ERR_FORBIDDEN',
    );
    const manifest = c.connection.get('sessions', sessionId);
    await subscribe(manifest);
    await expectRefused(
      submit(manifest, [{ p: ['name'], od: 'Test session', oi: 'Hacked' }]),
      'ERR_FORBIDDEN',
    );
    const after = await api(t.url, 'GET', `/api/sessions/${sessionId}`, { token: owner.token });
    expect(after.body.name).to.equal('Test session');
    expect(after.body.files).to.have.length(1);
  });

  it('queries are refused for clients', async () => {
    const c = await connect(owner);
    await expectRefused(
      new Promise((res, rej) =>
        c.connection.createFetchQuery('files', {}, {}, (err: unknown, r: unknown) =>
          err ? rej(err) : res(r),
        ),
      ),
      'ERR_FORBIDDEN',
    );
  });

  it('presence is stamped with the sender’s identity and reaches members only', async () => {
    const [a, v] = [await connect(editor), await connect(viewer)];
    const docA = a.connection.get('files', file.doc.id);
    const docV = v.connection.get('files', file.doc.id);
    await Promise.all([subscribe(docA), subscribe(docV)]);
    const pv = v.connection.getDocPresence('files', file.doc.id);
    const received: Record<string, any> = {};
    pv.on('receive', (id: string, value: unknown) => {
      received[id] = value;
    });
    await new Promise<void>((res, rej) => pv.subscribe((err: unknown) => (err ? rej(err) : res())));
    const pa = a.connection.getDocPresence('files', file.doc.id);
    await new Promise<void>((res, rej) => pa.subscribe((err: unknown) => (err ? rej(err) : res())));
    const local = pa.create('cursor-a');
    // A client trying to pass itself off as someone else: the server overwrites `user`.
    await new Promise<void>((res, rej) =>
      local.submit(
        { anchor: 1, head: 3, user: { userId: owner.id, displayName: 'Owner!' } },
        (err: unknown) => (err ? rej(err) : res()),
      ),
    );
    const value = await waitFor(() => received['cursor-a'], 3000, 'presence');
    expect(value).to.deep.include({ anchor: 1, head: 3 });
    expect(value.user).to.include({ userId: editor.id, username: editor.username });
    expect(value.user.color).to.match(/^#[0-9a-f]{6}$/);

    // Cursors move with edits: insert 2 characters before the selection.
    await submit(docA, [{ p: ['text', 0], si: '>>' }]);
    await waitFor(() => textOf(docV)?.startsWith('>>'), 3000, 'op to arrive');
    const moved = pv.remotePresences['cursor-a'] as { anchor: number; head: number };
    expect(moved).to.deep.include({ anchor: 3, head: 5 });

    // A stranger cannot subscribe to presence on the doc.
    const s = await connect(stranger);
    const ps = s.connection.getDocPresence('files', file.doc.id);
    const strangerGot: unknown[] = [];
    ps.on('receive', (_id: string, v2: unknown) => strangerGot.push(v2));
    await new Promise<void>((res) => ps.subscribe(() => res()));
    await new Promise<void>((res) => local.submit({ anchor: 0, head: 0 }, () => res()));
    await new Promise((r) => setTimeout(r, 200));
    expect(strangerGot).to.deep.equal([]);
    const raw = await connectRaw(t.url, stranger.token);
    const forged = await rawExchange(
      raw,
      {
        a: 'p',
        ch: `files.${file.doc.id}`,
        id: 'forged',
        p: { anchor: 0, head: 0 },
        pv: 0,
        c: 'files',
        d: file.doc.id,
        v: null,
        t: null,
      },
      (m) => m.a === 'p' && m.id === 'forged',
    );
    expect(forged.error?.code).to.equal('ERR_FORBIDDEN');
    await new Promise((r) => setTimeout(r, 100));
    expect(Object.keys(pv.remotePresences)).to.not.include('forged');
    raw.close();
  });

  it('invalid presence values are refused', async () => {
    const c = await connect(editor);
    await subscribe(c.connection.get('files', file.doc.id));
    const p = c.connection.getDocPresence('files', file.doc.id);
    await new Promise<void>((res) => p.subscribe(() => res()));
    for (const bad of [{ anchor: -1, head: 0 }, { anchor: 'x', head: 0 }, { head: 1 }, 42]) {
      const local = p.create();
      await expectRefused(
        new Promise<void>((res, rej) => local.submit(bad as never, (e: unknown) => (e ? rej(e) : res()))),
        'ERR_VALIDATION',
      );
    }
  });

  it('a member removed mid-session stops receiving ops at once', async () => {
    const temp = await registerUser(t.url);
    await api(t.url, 'PUT', `/api/sessions/${sessionId}/members/${temp.username}`, {
      token: owner.token,
      body: { role: 'viewer' },
    });
    const [tc, oc] = [await connect(temp), await connect(owner)];
    const td = tc.connection.get('files', file.doc.id);
    const od = oc.connection.get('files', file.doc.id);
    await Promise.all([subscribe(td), subscribe(od)]);
    await submit(od, [{ p: ['text', 0], si: 'seen ' }]);
    await waitFor(() => textOf(td)?.startsWith('seen '), 3000, 'viewer sees op');
    const removed = new Promise<unknown>((res) => tc.socket.once('session:removed', res));
    const del = await api(t.url, 'DELETE', `/api/sessions/${sessionId}/members/${temp.username}`, {
      token: owner.token,
    });
    expect(del.status).to.equal(204);
    // Who removed them comes along (notices: "Ana removed you from …").
    expect(await removed).to.deep.equal({
      sessionId,
      by: { id: owner.id, displayName: owner.username },
      name: 'Test session',
    });
    await submit(od, [{ p: ['text', 0], si: 'secret ' }]);
    await new Promise((r) => setTimeout(r, 300));
    expect(textOf(td)).to.not.include('secret');
    await expectRefused(fetchDoc(tc.connection.get('files', file.doc.id)), 'ERR_FORBIDDEN');
  });

  it('a role change reaches the member live and takes effect on the next op', async () => {
    const temp = await registerUser(t.url);
    await api(t.url, 'PUT', `/api/sessions/${sessionId}/members/${temp.username}`, {
      token: owner.token,
      body: { role: 'editor' },
    });
    const c = await connect(temp);
    const d = c.connection.get('files', file.doc.id);
    await subscribe(d);
    await submit(d, [{ p: ['text', 0], si: 'e' }]);
    const roleEvent = new Promise<unknown>((res) => c.socket.once('session:role', res));
    await api(t.url, 'PUT', `/api/sessions/${sessionId}/members/${temp.username}`, {
      token: owner.token,
      body: { role: 'viewer' },
    });
    expect(await roleEvent).to.deep.equal({
      sessionId,
      role: 'viewer',
      by: { id: owner.id, displayName: owner.username },
    });
    await expectRefused(submit(d, [{ p: ['text', 0], si: 'v' }]), 'ERR_FORBIDDEN');
  });

  it('session presence lists who is here and which file they have open, to members only', async () => {
    const [a, b, s] = [await connect(owner), await connect(viewer), await connect(stranger)];
    const joinA = await a.socket.timeout(3000).emitWithAck('session:join', { sessionId });
    expect(joinA.ok).to.equal(true);
    const updates: any[] = [];
    a.socket.on('session:users', (u: unknown) => updates.push(u));
    const joinB = await b.socket.timeout(3000).emitWithAck('session:join', { sessionId });
    expect(joinB.ok).to.equal(true);
    await b.socket.timeout(3000).emitWithAck('session:focus', { sessionId, fileId: file.id });
    const last = await waitFor(
      () => updates.find((u) => u.users.some((x: any) => x.userId === viewer.id && x.fileId === file.id)),
      3000,
      'presence update',
    );
    expect(last.sessionId).to.equal(sessionId);
    const me = last.users.find((x: any) => x.userId === viewer.id);
    expect(me).to.include({ username: viewer.username, typing: false, connections: 1 });
    const denied = await s.socket.timeout(3000).emitWithAck('session:join', { sessionId });
    expect(denied).to.deep.equal({
      ok: false,
      error: { code: 'ERR_SESSION_NOT_FOUND', message: 'Session not found.' },
    });
    const junk = await s.socket.timeout(3000).emitWithAck('session:join', { sessionId: '../etc' });
    expect(junk.ok).to.equal(false);
    expect(junk.error.code).to.equal('ERR_VALIDATION');
    b.close();
    await waitFor(
      () => updates.at(-1)?.users.every((x: any) => x.userId !== viewer.id),
      3000,
      'leave on disconnect',
    );
  });
});
