/**
 * The permission matrix: every caller (each role, a non-member, nobody logged in) against every
 * action over every path (REST, socket events, ShareDB, git over HTTP). Each action declares the
 * permission it needs; the expected answer comes from `can` in protocol/roles.ts (helpers/matrix),
 * so the table and this test cannot drift apart. Every case makes the objects it touches (files,
 * comments, invites, throwaway sessions for the destructive actions), so cases are independent.
 */
import { expect } from 'chai';
import { cloneUrl, git } from '../helpers/git-cli.js';
import {
  type Actor,
  caseName,
  EVERYONE,
  gitRefusal,
  LOGGED_IN,
  type Need,
  type Refusal,
  restRefusal,
  sharedbRefusal,
  socketRefusal,
} from '../helpers/matrix.js';
import {
  connectClient,
  connectRaw,
  emitAck,
  type RawClient,
  type RealtimeClient,
  rawExchange,
  rawSubmit,
} from '../helpers/realtime-client.js';
import {
  type ApiResponse,
  api,
  createSession,
  registerUser,
  startServer,
  type TestServer,
  type TestUser,
} from '../helpers/server.js';

const PASSWORD = 'correct horse';
const JSON0_URI = 'http://sharejs.org/types/JSONv0';

/**
 * Cases where the server disagrees with the table: written to the table, skipped until fixed.
 * Key: `<actor>|<action label>`.
 */
const KNOWN_BUGS: Record<string, string> = {};

interface Ctx {
  actor: Actor;
  /** The caller's account; undefined for `anonymous`. */
  me: TestUser | undefined;
  token: string | undefined;
}

interface RestAction {
  label: string;
  need: Need;
  /** Status of a successful answer. */
  ok: number;
  run(c: Ctx): Promise<ApiResponse>;
}

interface RealtimeAction {
  label: string;
  need: Need;
  /** The server's answer: a ShareDB reply message or a socket ack. */
  run(c: Ctx): Promise<any>;
  /** Extra checks on an allowed answer. */
  check?(reply: any, c: Ctx): void;
}

describe('permission matrix: every role against every action on every path', function () {
  this.timeout(30_000);
  let t: TestServer;
  const users = {} as Record<Exclude<Actor, 'anonymous'>, TestUser>;
  let owner: TestUser;
  let sid: string;
  let file: { id: string; doc: { collection: string; id: string } };
  let baseSha: string;
  let seq = 0;
  const uniq = (prefix: string) => `${prefix}${++seq}`;
  const sockets: RealtimeClient[] = [];
  const raws: RawClient[] = [];

  before(async () => {
    // Versions are saved explicitly here: keep the idle commit timer out of the way.
    t = await startServer({ env: { COMMIT_IDLE_MS: '600000', COMMIT_MAX_MS: '600000' } });
    for (const actor of LOGGED_IN) users[actor as Exclude<Actor, 'anonymous'>] = await registerUser(t.url);
    owner = users.owner;
    const s = await createSession(t.url, owner, {
      name: 'Matrix',
      members: [
        [users.editor, 'editor'],
        [users.commenter, 'commenter'],
        [users.viewer, 'viewer'],
      ],
      files: { 'a.txt': 'hello\n' },
    });
    sid = s.id;
    file = s.files['a.txt']!;
    baseSha = (await asOwner('POST', `/api/sessions/${sid}/versions`, { message: 'base' })).sha;
  });
  afterEach(() => {
    for (const c of sockets.splice(0)) c.close();
    for (const r of raws.splice(0)) r.close();
  });
  after(async () => {
    await t.close();
  });

  // ---- fixtures made by the owner, per case ----

  async function asOwner(method: string, path: string, body?: unknown): Promise<any> {
    const res = await api(t.url, method, path, { token: owner.token, body });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }
  const freshFile = (): Promise<{ id: string; doc: { id: string } }> =>
    asOwner('POST', `/api/sessions/${sid}/files`, { path: `${uniq('f')}.txt`, content: 'x' });
  /** A throwaway session with the same members, for actions that would break the shared one. */
  const freshSession = async () =>
    (
      await createSession(t.url, owner, {
        members: [
          [users.editor, 'editor'],
          [users.commenter, 'commenter'],
          [users.viewer, 'viewer'],
        ],
      })
    ).id;
  const setRole = (u: TestUser, role: string | null) =>
    role === null
      ? asOwner('DELETE', `/api/sessions/${sid}/members/${u.username}`)
      : asOwner('PUT', `/api/sessions/${sid}/members/${u.username}`, { role });
  /**
   * A comment on the base version written by the caller. A caller whose role cannot comment is
   * made a commenter for a moment to write it, then put back; `anonymous` gets the owner's.
   */
  async function ownComment(c: Ctx): Promise<string> {
    const body = { body: uniq('comment ') };
    const path = `/api/sessions/${sid}/versions/${baseSha}/comments`;
    if (!c.me) return (await asOwner('POST', path, body)).id;
    const before = c.actor === 'owner' || c.actor === 'editor' || c.actor === 'commenter' ? null : c.actor;
    if (before) await setRole(c.me, 'commenter');
    const res = await api(t.url, 'POST', path, { token: c.me.token, body });
    if (before) await setRole(c.me, before === 'non-member' ? null : before);
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body.id;
  }
  /** A thread on the live text of `a.txt`, started by the owner. */
  const liveThread = async (): Promise<string> =>
    (
      await asOwner('POST', `/api/sessions/${sid}/files/${file.id}/comments`, {
        anchor: { from: 0, to: 5 },
        v: 1,
        body: uniq('live '),
      })
    ).id;
  const call = (c: Ctx, method: string, path: string, body?: unknown) =>
    api(t.url, method, path, { token: c.token, body });
  const S = () => `/api/sessions/${sid}`;
  const V = () => `/api/sessions/${sid}/versions/${baseSha}`;

  // ---- REST ----

  const REST: RestAction[] = [
    { label: 'GET /api/sessions', need: 'account', ok: 200, run: (c) => call(c, 'GET', '/api/sessions') },
    { label: 'GET /api/sessions/:id', need: 'session.read', ok: 200, run: (c) => call(c, 'GET', S()) },
    {
      label: 'PATCH /api/sessions/:id',
      need: 'session.manage',
      ok: 200,
      run: (c) => call(c, 'PATCH', S(), { name: uniq('Matrix ') }),
    },
    {
      label: 'DELETE /api/sessions/:id',
      need: 'session.manage',
      ok: 204,
      run: async (c) => call(c, 'DELETE', `/api/sessions/${await freshSession()}`),
    },
    {
      label: 'PUT /api/sessions/:id/members/:username',
      need: 'session.manage',
      ok: 200,
      run: async (c) => {
        const target = await registerUser(t.url);
        return call(c, 'PUT', `${S()}/members/${target.username}`, { role: 'viewer' });
      },
    },
    {
      label: 'DELETE /api/sessions/:id/members/:username',
      need: 'session.manage',
      ok: 204,
      run: async (c) => {
        const target = await registerUser(t.url);
        await setRole(target, 'viewer');
        return call(c, 'DELETE', `${S()}/members/${target.username}`);
      },
    },
    {
      label: 'POST /api/sessions/:id/transfer',
      need: 'session.manage',
      ok: 200,
      run: async (c) =>
        call(c, 'POST', `/api/sessions/${await freshSession()}/transfer`, {
          username: users.editor.username,
        }),
    },
    {
      label: 'POST /api/sessions/:id/invites',
      need: 'session.manage',
      ok: 201,
      run: (c) => call(c, 'POST', `${S()}/invites`, { role: 'viewer' }),
    },
    {
      label: 'GET /api/sessions/:id/invites',
      need: 'session.manage',
      ok: 200,
      run: (c) => call(c, 'GET', `${S()}/invites`),
    },
    {
      label: 'DELETE /api/sessions/:id/invites/:token',
      need: 'session.manage',
      ok: 204,
      run: async (c) => {
        const invite = await asOwner('POST', `${S()}/invites`, { role: 'viewer' });
        return call(c, 'DELETE', `${S()}/invites/${invite.token}`);
      },
    },
    {
      label: 'POST /api/sessions/:id/files',
      need: 'session.write',
      ok: 201,
      run: (c) => call(c, 'POST', `${S()}/files`, { path: `${uniq('new')}.txt`, content: 'n' }),
    },
    {
      label: 'POST /api/sessions/:id/files/restore',
      need: 'session.write',
      ok: 201,
      run: (c) => call(c, 'POST', `${S()}/files/restore`, { path: `${uniq('restored')}.txt`, content: 'r' }),
    },
    {
      label: 'GET /api/sessions/:id/files/:fileId',
      need: 'session.read',
      ok: 200,
      run: (c) => call(c, 'GET', `${S()}/files/${file.id}`),
    },
    {
      label: 'PATCH /api/sessions/:id/files/:fileId',
      need: 'session.write',
      ok: 200,
      run: async (c) =>
        call(c, 'PATCH', `${S()}/files/${(await freshFile()).id}`, { path: `${uniq('moved')}.txt` }),
    },
    {
      label: 'DELETE /api/sessions/:id/files/:fileId',
      need: 'session.write',
      ok: 204,
      run: async (c) => call(c, 'DELETE', `${S()}/files/${(await freshFile()).id}`),
    },
    {
      label: 'POST /api/sessions/:id/folders',
      need: 'session.write',
      ok: 201,
      run: (c) => call(c, 'POST', `${S()}/folders`, { path: uniq('folder') }),
    },
    {
      label: 'POST /api/sessions/:id/folders/move',
      need: 'session.write',
      ok: 200,
      run: async (c) => {
        const from = uniq('from');
        await asOwner('POST', `/api/sessions/${sid}/folders`, { path: from });
        return call(c, 'POST', `${S()}/folders/move`, { from, to: uniq('to') });
      },
    },
    {
      label: 'DELETE /api/sessions/:id/folders/<path>',
      need: 'session.write',
      ok: 204,
      run: async (c) => {
        const path = uniq('gone');
        await asOwner('POST', `/api/sessions/${sid}/folders`, { path });
        return call(c, 'DELETE', `${S()}/folders/${path}`);
      },
    },
    {
      label: 'GET /api/sessions/:id/files/:fileId/raw',
      need: 'session.read',
      ok: 200,
      run: (c) => call(c, 'GET', `${S()}/files/${file.id}/raw`),
    },
    {
      label: 'GET /api/sessions/:id/archive.zip',
      need: 'session.read',
      ok: 200,
      run: (c) => call(c, 'GET', `${S()}/archive.zip`),
    },
    {
      label: 'GET /api/sessions/:id/versions/:sha/archive.zip',
      need: 'session.read',
      ok: 200,
      run: (c) => call(c, 'GET', `${V()}/archive.zip`),
    },
    {
      label: 'GET /api/sessions/:id/bundle',
      need: 'session.read',
      ok: 200,
      run: (c) => call(c, 'GET', `${S()}/bundle`),
    },
    {
      label: 'GET /api/sessions/:id/versions',
      need: 'session.read',
      ok: 200,
      run: (c) => call(c, 'GET', `${S()}/versions`),
    },
    {
      label: 'GET /api/sessions/:id/files/history',
      need: 'session.read',
      ok: 200,
      run: (c) => call(c, 'GET', `${S()}/files/history?path=a.txt`),
    },
    {
      label: 'GET /api/sessions/:id/blame',
      need: 'session.read',
      ok: 200,
      run: (c) => call(c, 'GET', `${S()}/blame?path=a.txt`),
    },
    {
      label: 'POST /api/sessions/:id/versions',
      need: 'session.write',
      ok: 201,
      run: async (c) => {
        await freshFile(); // something to save
        return call(c, 'POST', `${S()}/versions`, { message: uniq('save ') });
      },
    },
    {
      label: 'GET /api/sessions/:id/versions/:sha',
      need: 'session.read',
      ok: 200,
      run: (c) => call(c, 'GET', V()),
    },
    {
      label: 'GET /api/sessions/:id/versions/:sha/diff',
      need: 'session.read',
      ok: 200,
      run: (c) => call(c, 'GET', `${V()}/diff`),
    },
    {
      label: 'GET /api/sessions/:id/versions/:sha/files/:path',
      need: 'session.read',
      ok: 200,
      run: (c) => call(c, 'GET', `${V()}/files/a.txt`),
    },
    {
      label: 'POST /api/sessions/:id/revert',
      need: 'session.write',
      ok: 201,
      run: async (c) => {
        // The latest version differs from the base one, so reverting makes a new commit.
        await freshFile();
        await asOwner('POST', `${S()}/versions`, {});
        return call(c, 'POST', `${S()}/revert`, { sha: baseSha });
      },
    },
    {
      label: 'POST /api/sessions/:id/versions/:sha/tags',
      need: 'session.write',
      ok: 201,
      run: (c) => call(c, 'POST', `${V()}/tags`, { name: uniq('tag-') }),
    },
    {
      label: 'GET /api/sessions/:id/versions/:sha/comments',
      need: 'session.read',
      ok: 200,
      run: (c) => call(c, 'GET', `${V()}/comments`),
    },
    {
      label: 'POST /api/sessions/:id/versions/:sha/comments',
      need: 'session.comment',
      ok: 201,
      run: (c) => call(c, 'POST', `${V()}/comments`, { body: uniq('hello ') }),
    },
    {
      label: 'PATCH /api/sessions/:id/versions/:sha/comments/:own',
      need: 'session.comment',
      ok: 200,
      run: async (c) => call(c, 'PATCH', `${V()}/comments/${await ownComment(c)}`, { body: uniq('edited ') }),
    },
    {
      label: 'DELETE /api/sessions/:id/versions/:sha/comments/:own',
      need: 'session.comment',
      ok: 204,
      run: async (c) => call(c, 'DELETE', `${V()}/comments/${await ownComment(c)}`),
    },
    {
      label: 'POST /api/sessions/:id/versions/:sha/comments/:id/resolve',
      need: 'session.comment',
      ok: 200,
      run: async (c) => {
        const root = await asOwner('POST', `${V()}/comments`, { body: uniq('thread ') });
        return call(c, 'POST', `${V()}/comments/${root.id}/resolve`, { resolved: true });
      },
    },
    {
      label: 'GET /api/sessions/:id/files/:fileId/comments',
      need: 'session.read',
      ok: 200,
      run: (c) => call(c, 'GET', `${S()}/files/${file.id}/comments`),
    },
    {
      label: 'GET /api/sessions/:id/comments',
      need: 'session.read',
      ok: 200,
      run: (c) => call(c, 'GET', `${S()}/comments`),
    },
    {
      label: 'POST /api/sessions/:id/files/:fileId/comments',
      need: 'session.comment',
      ok: 201,
      run: (c) =>
        call(c, 'POST', `${S()}/files/${file.id}/comments`, {
          anchor: { from: 0, to: 5 },
          v: 1,
          body: uniq('x '),
        }),
    },
    {
      label: 'POST /api/sessions/:id/comments/:thread/replies',
      need: 'session.comment',
      ok: 201,
      run: async (c) =>
        call(c, 'POST', `${S()}/comments/${await liveThread()}/replies`, { body: uniq('re ') }),
    },
    {
      label: 'POST /api/sessions/:id/comments/:thread/resolve',
      need: 'session.comment',
      ok: 200,
      run: async (c) => call(c, 'POST', `${S()}/comments/${await liveThread()}/resolve`, { resolved: true }),
    },
    {
      label: 'GET /api/sessions/:id/chat',
      need: 'session.read',
      ok: 200,
      run: (c) => call(c, 'GET', `${S()}/chat`),
    },
    {
      label: 'POST /api/sessions/:id/chat',
      need: 'session.chat',
      ok: 201,
      run: (c) => call(c, 'POST', `${S()}/chat`, { text: uniq('hi ') }),
    },
    {
      label: 'POST /api/tokens',
      need: 'account',
      ok: 201,
      run: (c) => call(c, 'POST', '/api/tokens', { name: uniq('laptop ') }),
    },
    { label: 'GET /api/tokens', need: 'account', ok: 200, run: (c) => call(c, 'GET', '/api/tokens') },
    {
      label: 'DELETE /api/tokens/:id',
      need: 'account',
      ok: 204,
      run: async (c) => {
        // The caller's own token (anonymous: someone's, which it must not be able to delete).
        const holder = c.me ?? owner;
        const created = await api(t.url, 'POST', '/api/tokens', {
          token: holder.token,
          body: { name: uniq('tmp ') },
        });
        return call(c, 'DELETE', `/api/tokens/${created.body.id}`);
      },
    },
  ];

  const ctxOf = (actor: Actor): Ctx => {
    const me = actor === 'anonymous' ? undefined : users[actor];
    return { actor, me, token: me?.token };
  };
  /** `it`, or `it.skip` for a case listed in KNOWN_BUGS (MATRIX_KNOWN_BUGS=1 runs them too). */
  const caseFn = (actor: Actor, label: string) =>
    KNOWN_BUGS[`${actor}|${label}`] && !process.env.MATRIX_KNOWN_BUGS ? it.skip : it;

  describe('REST', () => {
    for (const action of REST) {
      for (const actor of EVERYONE) {
        const refusal = restRefusal(actor, action.need);
        caseFn(actor, action.label)(caseName(actor, action.label, refusal, String(action.ok)), async () => {
          const res = await action.run(ctxOf(actor));
          const got = `${res.status} ${JSON.stringify(res.body)}`;
          if (refusal) {
            expect(res.status, got).to.equal(refusal.status);
            expect(res.body?.error?.code, got).to.equal(refusal.code);
          } else {
            expect(res.status, got).to.equal(action.ok);
          }
        });
      }
    }
  });

  // ---- socket events ----

  const connect = async (c: Ctx) => {
    const client = await connectClient(t.url, c.token);
    sockets.push(client);
    return client;
  };
  const SOCKET: RealtimeAction[] = [
    {
      label: 'socket session:join',
      need: 'session.read',
      run: async (c) => emitAck((await connect(c)).socket, 'session:join', { sessionId: sid }),
      check: (ack, c) => expect(ack.users.map((u: { userId: string }) => u.userId)).to.include(c.me!.id),
    },
    {
      label: 'socket session:focus after session:join',
      need: 'session.read',
      run: async (c) => {
        const { socket } = await connect(c);
        await emitAck(socket, 'session:join', { sessionId: sid });
        return emitAck(socket, 'session:focus', { sessionId: sid, fileId: file.id });
      },
    },
    {
      label: 'socket chat:send',
      need: 'session.chat',
      run: async (c) =>
        emitAck((await connect(c)).socket, 'chat:send', { sessionId: sid, text: uniq('hey ') }),
      check: (ack, c) => expect(ack.message.user.id).to.equal(c.me!.id),
    },
  ];
  /**
   * session:focus is accepted only on a session this socket joined; a non-member's join was
   * refused, so focus answers "join first" (ERR_BAD_REQUEST), the same for a session that does
   * not exist: nothing leaks. Every other refusal follows the table.
   */
  const socketExpected = (actor: Actor, action: RealtimeAction): Refusal | null =>
    action.label.includes('session:focus') && actor === 'non-member'
      ? { code: 'ERR_BAD_REQUEST' }
      : socketRefusal(actor, action.need);

  const expectAnswer = (reply: any, refusal: Refusal | null, action: RealtimeAction, c: Ctx) => {
    const got = JSON.stringify(reply);
    if (refusal) {
      expect(reply.error?.code, got).to.equal(refusal.code);
    } else {
      expect(reply.error, got).to.equal(undefined);
      action.check?.(reply, c);
    }
  };

  describe('socket events', () => {
    for (const action of SOCKET) {
      for (const actor of LOGGED_IN) {
        const refusal = socketExpected(actor, action);
        caseFn(actor, action.label)(caseName(actor, action.label, refusal, 'ok'), async () => {
          const c = ctxOf(actor);
          const ack = await action.run(c);
          expect(ack.ok, JSON.stringify(ack)).to.equal(refusal === null);
          expectAnswer(ack, refusal, action, c);
        });
      }
    }
    it('anonymous: socket.io connect (events and ShareDB) → connect_error ERR_UNAUTHENTICATED', async () => {
      let message: string | undefined;
      try {
        sockets.push(await connectClient(t.url, undefined));
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).to.equal('ERR_UNAUTHENTICATED');
    });
  });

  // ---- ShareDB, raw messages so the server's own answer is what we see ----

  const rawFor = async (c: Ctx) => {
    const raw = await connectRaw(t.url, c.token!);
    raws.push(raw);
    return raw;
  };
  /** Current version of a document, fetched by the owner. */
  const versionOf = async (collection: string, id: string): Promise<number> => {
    const raw = await rawFor(ctxOf('owner'));
    const reply = await rawExchange(
      raw,
      { a: 'f', c: collection, d: id, v: null },
      (m) => m.a === 'f' && m.d === id,
    );
    return reply.data.v;
  };
  const readMsg = (a: 'f' | 's', collection: string, id: () => string): RealtimeAction['run'] => {
    return async (c) =>
      rawExchange(await rawFor(c), { a, c: collection, d: id(), v: null }, (m) => m.a === a && m.d === id());
  };
  const checkFileData = (reply: any) => expect(reply.data.data.text).to.be.a('string');
  const checkManifest = (reply: any) => expect(reply.data.data.files).to.have.property(file.id);
  const SHAREDB: RealtimeAction[] = [
    {
      label: 'ShareDB fetch file doc',
      need: 'session.read',
      run: readMsg('f', 'files', () => file.doc.id),
      check: checkFileData,
    },
    {
      label: 'ShareDB subscribe file doc',
      need: 'session.read',
      run: readMsg('s', 'files', () => file.doc.id),
      check: checkFileData,
    },
    {
      label: 'ShareDB fetch manifest doc',
      need: 'session.read',
      run: readMsg('f', 'sessions', () => sid),
      check: checkManifest,
    },
    {
      label: 'ShareDB subscribe manifest doc',
      need: 'session.read',
      run: readMsg('s', 'sessions', () => sid),
      check: checkManifest,
    },
    {
      label: 'ShareDB submit op on a file',
      need: 'session.write',
      run: async (c) => {
        const v = await versionOf('files', file.doc.id);
        return rawSubmit(await rawFor(c), 'files', file.doc.id, v, [{ p: ['text', 0], si: 'x' }]);
      },
    },
    {
      label: 'ShareDB submit op on the manifest',
      need: 'nobody', // the server alone writes it (REST changes it)
      run: async (c) => {
        const v = await versionOf('sessions', sid);
        return rawSubmit(await rawFor(c), 'sessions', sid, v, [{ p: ['name'], oi: 'Hacked' }]);
      },
    },
    {
      label: 'ShareDB doc presence submit on a file',
      need: 'session.read',
      run: async (c) => {
        const v = await versionOf('files', file.doc.id);
        const id = uniq('cursor-');
        const message = {
          a: 'p',
          ch: `files.${file.doc.id}`,
          id,
          p: { anchor: 0, head: 0 },
          pv: 0,
          c: 'files',
          d: file.doc.id,
          v,
          t: JSON0_URI,
        };
        return rawExchange(await rawFor(c), message, (m) => m.a === 'p' && m.id === id);
      },
      // Stamped with the sender's identity.
      check: (reply, c) => expect(reply.p.user.userId).to.equal(c.me!.id),
    },
  ];

  describe('ShareDB', () => {
    for (const action of SHAREDB) {
      for (const actor of LOGGED_IN) {
        const refusal = sharedbRefusal(actor, action.need);
        caseFn(actor, action.label)(caseName(actor, action.label, refusal, 'ok'), async () => {
          const c = ctxOf(actor);
          expectAnswer(await action.run(c), refusal, action, c);
        });
      }
    }
  });

  // ---- git over HTTP, the real git client ----

  describe('git over HTTP', () => {
    for (const actor of EVERYONE) {
      const label =
        actor === 'anonymous' ? 'git ls-remote without credentials' : 'git ls-remote with password';
      const refusal = gitRefusal(actor, 'session.read');
      caseFn(actor, label)(caseName(actor, label, refusal, 'ok'), async () => {
        const me = ctxOf(actor).me;
        const url = cloneUrl(t.url, sid, me?.username, me ? PASSWORD : undefined);
        // The exact status first, then what the git client makes of it.
        const headers: Record<string, string> = me
          ? { authorization: `Basic ${Buffer.from(`${me.username}:${PASSWORD}`).toString('base64')}` }
          : {};
        const refs = await fetch(`${t.url}/git/${sid}.git/info/refs?service=git-upload-pack`, { headers });
        await refs.arrayBuffer();
        expect(refs.status).to.equal(refusal?.status ?? 200);
        const res = await git(['ls-remote', url]);
        if (refusal) {
          expect(res.code, res.stderr).to.not.equal(0);
          expect(res.stderr).to.match(
            refusal.status === 404 ? /not found/ : /Authentication failed|401|could not read/,
          );
        } else {
          expect(res.code, res.stderr).to.equal(0);
          expect(res.stdout).to.match(/\trefs\/heads\/main$/m);
        }
      });
    }
  });
});
