/**
 * Issue 19, items 3 and 5 (sockets): the identity fields of an op (`src`, `seq`) are the server's
 * to check, and one account cannot hold unbounded connections.
 */
import { expect } from 'chai';
import {
  connectClient,
  connectRaw,
  type RawClient,
  rawExchange,
  rawSubmit,
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

/** A raw client whose handshake asks to keep `id`; resolves with the id the server gave it. */
async function handshakeAs(t: TestServer, user: TestUser, id: string): Promise<RawClient> {
  const raw = await connectRaw(t.url, user.token);
  const hs = await rawExchange(raw, { a: 'hs', id, protocol: 1, protocolMinor: 2 }, (m) => m.a === 'hs');
  raw.src = hs.id;
  return raw;
}

describe('security: op identity is the server’s', () => {
  let t: TestServer;
  let owner: TestUser;
  let mallory: TestUser;
  let docId: string;
  let fileId: string;
  let sessionId: string;

  beforeEach(async () => {
    t = await startServer();
    owner = await registerUser(t.url);
    mallory = await registerUser(t.url);
    const s = await createSession(t.url, owner, {
      files: { 'a.txt': 'abc' },
      members: [[mallory, 'editor']],
    });
    docId = s.files['a.txt']!.doc.id;
    fileId = s.files['a.txt']!.id;
    sessionId = s.id;
  });
  afterEach(() => t.close());

  it('an editor cannot submit an op under another connection’s src, and the victim’s next edit lands', async () => {
    const victim = await connectClient(t.url, owner.token);
    const observer = await connectClient(t.url, owner.token);
    const mine = victim.connection.get('files', docId);
    const watched = observer.connection.get('files', docId);
    await subscribe(mine);
    await subscribe(watched);
    const attacker = await connectRaw(t.url, mallory.token);
    const victimSrc = victim.connection.id!;
    const nextSeq = (victim.connection as unknown as { seq: number }).seq;

    const reply = await rawSubmit(attacker, 'files', docId, mine.version!, [{ p: ['text', 0], si: 'M' }], {
      src: victimSrc,
      seq: nextSeq,
    });
    expect(reply.error?.code).to.equal('ERR_FORBIDDEN');

    await submit(mine, [{ p: ['text', 3], si: 'V' }]);
    await waitFor(() => textOf(watched) === 'abcV', 3000, 'the victim’s edit at the observer');
    const server = await api(t.url, 'GET', `/api/sessions/${sessionId}/files/${fileId}`, {
      token: owner.token,
    });
    expect(server.body.content).to.equal('abcV');
    victim.close();
    observer.close();
    attacker.close();
  });

  it('a handshake claiming another user’s client id gets an id of its own', async () => {
    const victim = await connectRaw(t.url, owner.token);
    const attacker = await handshakeAs(t, mallory, victim.src);
    expect(attacker.src).to.be.a('string').and.not.equal(victim.src);
    victim.close();
    attacker.close();
  });

  it('an op resent after a reconnect, and after a restart, keeps its src and is not applied twice', async () => {
    const first = await connectRaw(t.url, owner.token);
    const src = first.src;
    const op = [{ p: ['text', 0], si: 'once ' }];
    const acked = await rawSubmit(first, 'files', docId, 1, op, { seq: 7 });
    expect(acked.error).to.equal(undefined);
    first.close();

    // The client lost the ack: it reconnects, keeps its id, and sends the op again as it was.
    const second = await handshakeAs(t, owner, src);
    expect(second.src).to.equal(src);
    const again = await rawSubmit(second, 'files', docId, 1, op, { src, seq: 7 });
    expect(again.error?.code ?? 'none').to.not.equal('ERR_FORBIDDEN');
    second.close();

    // Ids are signed with the server's persisted secret: still its own after a restart.
    await t.close({ keepData: true });
    t = await startServer({ dataDir: t.dataDir, reposDir: t.reposDir });
    const third = await handshakeAs(t, owner, src);
    expect(third.src).to.equal(src);
    const thrice = await rawSubmit(third, 'files', docId, 1, op, { src, seq: 7 });
    expect(thrice.error?.code ?? 'none').to.not.equal('ERR_FORBIDDEN');
    third.close();

    const file = await api(t.url, 'GET', `/api/sessions/${sessionId}/files/${fileId}`, {
      token: owner.token,
    });
    expect(file.body.content).to.equal('once abc');
  });

  it('refuses an op whose seq is not a positive whole number', async () => {
    const raw = await connectRaw(t.url, owner.token);
    for (const seq of [0, -1, 1.5, 'x']) {
      const reply = await rawExchange(
        raw,
        { a: 'op', c: 'files', d: docId, v: 1, src: raw.src, seq, op: [{ p: ['text', 0], si: 'z' }] },
        (m) => m.a === 'op' && m.error !== undefined,
      );
      expect(reply.error.code, String(seq)).to.equal('ERR_VALIDATION');
    }
    raw.close();
  });
});

describe('security: connections per account are capped', () => {
  let t: TestServer;
  before(async () => {
    t = await startServer({ env: { MAX_SOCKETS_PER_USER: '3' } });
  });
  after(() => t.close());

  const tryConnect = (user: TestUser) =>
    connectClient(t.url, user.token).then(
      (c) => ({ ok: true as const, client: c }),
      (err: Error) => ({ ok: false as const, message: err.message }),
    );

  it('refuses connections past the cap with ERR_TOO_MANY_CONNECTIONS, even in a parallel burst; others are unaffected', async () => {
    const hog = await registerUser(t.url);
    const other = await registerUser(t.url);
    const burst = await Promise.all(Array.from({ length: 10 }, () => tryConnect(hog)));
    const open = burst.flatMap((r) => (r.ok ? [r.client] : []));
    expect(open).to.have.length(3);
    for (const r of burst) if (!r.ok) expect(r.message).to.equal('ERR_TOO_MANY_CONNECTIONS');

    const theirs = await tryConnect(other);
    expect(theirs.ok).to.equal(true);

    // Closing one frees its place.
    open.shift()!.close();
    const again = await waitFor(async () => {
      const r = await tryConnect(hog);
      return r.ok ? r.client : null;
    });
    open.push(again!);
    if (theirs.ok) open.push(theirs.client);
    for (const client of open) client.close();
  });
});
