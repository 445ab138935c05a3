import { expect } from 'chai';
import {
  connectClient,
  connectRaw,
  type RawClient,
  rawExchange,
  rawSubmit,
} from '../helpers/realtime-client.js';
import {
  api,
  createSession,
  registerUser,
  startServer,
  type TestServer,
  type TestUser,
} from '../helpers/server.js';

describe('bad input on the socket never crashes the server or changes data', () => {
  let t: TestServer;
  let owner: TestUser;
  let sessionId: string;
  let fileId: string;
  let docId: string;
  const initial = 'ab😀cd\n';

  before(async () => {
    t = await startServer({
      env: { MAX_OP_CHARS: '2048', MAX_FILE_CHARS: '4096', MAX_SOCKET_MESSAGE_BYTES: '131072' },
    });
    owner = await registerUser(t.url);
    const s = await createSession(t.url, owner, { files: { 'a.txt': initial } });
    sessionId = s.id;
    fileId = s.files['a.txt']!.id;
    docId = s.files['a.txt']!.doc.id;
  });
  after(() => t.close());

  const current = async () => {
    const res = await api(t.url, 'GET', `/api/sessions/${sessionId}/files/${fileId}`, { token: owner.token });
    return res.body as { content: string; version: number };
  };

  const stillUp = async () => {
    expect((await api(t.url, 'GET', '/api/health')).status).to.equal(200);
  };

  it('answers malformed ShareDB messages with errors and keeps the connection usable', async () => {
    const raw = await connectRaw(t.url, owner.token);
    const protocolErrors: unknown[] = [];
    raw.socket.on('error:protocol', (e: unknown) => protocolErrors.push(e));
    for (const junk of ['hello', 42, null, true, [1, 2, 3], ['x', null]]) raw.socket.emit('sharedb', junk);
    await new Promise((r) => setTimeout(r, 200));
    expect(protocolErrors.length).to.be.at.least(6);
    expect(protocolErrors[0]).to.include({ code: 'ERR_VALIDATION' });
    // Unknown actions and wrong types get ShareDB error replies.
    const unknown = await rawExchange(raw, { a: 'zzz', x: 1 }, (m) => m.a === 'zzz' || !!m.error);
    expect(unknown.error).to.exist;
    const wrongTypes = await rawExchange(raw, { a: 'f', c: 5, d: { x: 1 } }, (m) => m.a === 'f');
    expect(wrongTypes.error).to.exist;
    // The same connection still works.
    const fetched = await rawExchange(
      raw,
      { a: 'f', c: 'files', d: docId },
      (m) => m.a === 'f' && m.d === docId,
    );
    expect(fetched.data.data.text).to.equal(initial);
    raw.close();
    await stillUp();
  });

  describe('invalid ops are refused with a code and the document is unchanged', () => {
    let raw: RawClient;
    before(async () => {
      raw = await connectRaw(t.url, owner.token);
    });
    after(() => raw.close());

    const cases: Array<[string, unknown, string]> = [
      ['a path outside the text', [{ p: ['other', 0], si: 'x' }], 'ERR_INVALID_OP'],
      [
        'a replacement of the whole document',
        [{ p: [], od: { text: initial }, oi: { text: '' } }],
        'ERR_INVALID_OP',
      ],
      ['a number insert', [{ p: ['text', 0], si: 5 }], 'ERR_INVALID_OP'],
      ['an insert and delete in one component', [{ p: ['text', 0], si: 'x', sd: 'a' }], 'ERR_INVALID_OP'],
      ['a negative offset', [{ p: ['text', -1], si: 'x' }], 'ERR_INVALID_OP'],
      ['a fractional offset', [{ p: ['text', 1.5], si: 'x' }], 'ERR_INVALID_OP'],
      ['an offset past the end', [{ p: ['text', 999], si: 'x' }], 'ERR_INVALID_OP'],
      ['a delete that does not match', [{ p: ['text', 0], sd: 'zz' }], 'ERR_INVALID_OP'],
      ['a delete past the end', [{ p: ['text', 6], sd: 'd\nxyz' }], 'ERR_INVALID_OP'],
      ['an insert inside an emoji', [{ p: ['text', 3], si: 'x' }], 'ERR_INVALID_OP'],
      ['a delete of half an emoji', [{ p: ['text', 2], sd: '\ud83d' }], 'ERR_INVALID_OP'],
      ['a delete ending inside an emoji', [{ p: ['text', 1], sd: 'b\ud83d' }], 'ERR_INVALID_OP'],
      ['an insert of a lone surrogate', [{ p: ['text', 0], si: 'x\ud83d' }], 'ERR_INVALID_OP'],
      [
        'a later component splitting an emoji it inserted',
        [
          { p: ['text', 0], si: '🎉' },
          { p: ['text', 1], si: 'x' },
        ],
        'ERR_INVALID_OP',
      ],
      // An empty op is not bad input: ShareDB's client sends one when a pending delete was already
      // done by someone else (convergence.test.ts: "an empty op is accepted as a no-op").
      ['an op that is not a list', { p: ['text', 0], si: 'x' }, 'ERR_INVALID_OP'],
      ['an op larger than the limit', [{ p: ['text', 0], si: 'x'.repeat(3000) }], 'ERR_TOO_LARGE'],
      [
        'an op with more than 1000 components',
        Array.from({ length: 1001 }, () => ({ p: ['text', 0], si: 'x' })),
        'ERR_INVALID_OP',
      ],
    ];
    for (const [what, op, code] of cases) {
      it(`refuses ${what}`, async () => {
        const before = await current();
        const reply = await rawSubmit(raw, 'files', docId, before.version, op);
        expect(reply.error, JSON.stringify(reply)).to.exist;
        expect(reply.error.code).to.equal(code);
        expect(await current()).to.deep.equal(before);
      });
    }

    it('refuses a file grown past MAX_FILE_CHARS by many small ops', async () => {
      let refused: any;
      for (let i = 0; i < 5 && !refused; i++) {
        const { version } = await current();
        const reply = await rawSubmit(raw, 'files', docId, version, [
          { p: ['text', 0], si: 'w'.repeat(1500) },
        ]);
        if (reply.error) refused = reply.error;
      }
      expect(refused?.code).to.equal('ERR_TOO_LARGE');
      expect((await current()).content.length).to.be.at.most(4096);
    });
  });

  it('closes a socket that sends a message over the size cap, and stays up', async () => {
    const c = await connectClient(t.url, owner.token);
    const closed = new Promise<string>((r) => c.socket.once('disconnect', (reason) => r(reason)));
    c.socket.emit('sharedb', { a: 'f', c: 'files', d: docId, junk: 'x'.repeat(200_000) });
    expect(await closed).to.be.a('string');
    c.close();
    await stillUp();
  });

  it('answers malformed session events through the ack or error:protocol', async () => {
    const c = await connectClient(t.url, owner.token);
    for (const payload of [null, 'x', 42, { sessionId: 7 }, { sessionId: 'A'.repeat(500) }]) {
      const ack = await c.socket.timeout(3000).emitWithAck('session:join', payload);
      expect(ack.ok).to.equal(false);
      expect(ack.error.code).to.equal('ERR_VALIDATION');
    }
    const errs: any[] = [];
    c.socket.on('error:protocol', (e) => errs.push(e));
    c.socket.emit('session:focus', { sessionId, fileId: '../../x' });
    await new Promise((r) => setTimeout(r, 100));
    expect(errs[0]).to.include({ code: 'ERR_VALIDATION', event: 'session:focus' });
    c.close();
    await stillUp();
  });
});
