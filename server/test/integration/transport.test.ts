import { expect } from 'chai';
import { coalescing } from '../../src/realtime/sharedb-stream.js';
import { connectRaw, type RawClient, rawExchange, rawSubmit, waitFor } from '../helpers/realtime-client.js';
import { api, createSession, registerUser, startServer, type TestServer } from '../helpers/server.js';

/** Every ShareDB message a raw client receives, in order. */
function record(client: RawClient): any[] {
  const seen: any[] = [];
  client.socket.on('sharedb', (data: unknown) => {
    for (const m of Array.isArray(data) ? data : [data]) seen.push(m);
  });
  return seen;
}

const opsAt = (seen: any[], v: number) => seen.filter((m) => m.a === 'op' && 'op' in m && m.v === v);

describe('realtime transport', () => {
  let t: TestServer;
  before(async () => {
    t = await startServer();
  });
  after(() => t.close());

  async function twoEditors() {
    const owner = await registerUser(t.url);
    const editor = await registerUser(t.url);
    const s = await createSession(t.url, owner, {
      members: [[editor, 'editor']],
      files: { 'a.txt': 'hello' },
    });
    const { collection: c, id: d } = s.files['a.txt']!.doc;
    const a = await connectRaw(t.url, owner.token);
    const b = await connectRaw(t.url, editor.token);
    for (const client of [a, b]) {
      await rawExchange(client, { a: 's', c, d }, (m) => m.a === 's' && m.d === d);
    }
    return { a, b, c, d, owner, editor, sessionId: s.id };
  }

  it('a client that submits behind is not sent again the ops it already received', async () => {
    const { a, b, c, d } = await twoEditors();
    const seenByB = record(b);
    // Version 1 is the file's creation; A's edit makes version 2 and reaches B as a broadcast.
    expect((await rawSubmit(a, c, d, 1, [{ p: ['text', 5], si: '!' }])).error).to.equal(undefined);
    await waitFor(() => opsAt(seenByB, 1).length === 1, 3000, "B to receive A's op");
    // B submits against version 1: the server transforms it past A's op. B already has that op,
    // so the reply is the acknowledgement alone.
    const ack = await rawSubmit(b, c, d, 1, [{ p: ['text', 0], si: '>' }]);
    expect(ack.error).to.equal(undefined);
    expect(ack.v).to.equal(2);
    expect(opsAt(seenByB, 1)).to.have.length(1);
    a.close();
    b.close();
  });

  it('ops asked for by version are refused, all of them, once the asker is no longer a member', async () => {
    const { a, b, c, d, owner, editor, sessionId } = await twoEditors();
    const seenByB = record(b);
    for (let v = 1; v <= 5; v++) await rawSubmit(a, c, d, v, [{ p: ['text', 0], si: `${v}` }]);
    await waitFor(() => opsAt(seenByB, 5).length === 1, 3000, "B to receive A's ops");
    seenByB.length = 0;
    const ok = await rawExchange(b, { a: 'f', c, d, v: 1 }, (m) => m.a === 'f' && m.d === d);
    expect(ok.error).to.equal(undefined);
    expect(seenByB.filter((m) => m.a === 'op' && 'op' in m).map((m) => m.v)).to.deep.equal([1, 2, 3, 4, 5]);
    const removed = await api(t.url, 'DELETE', `/api/sessions/${sessionId}/members/${editor.username}`, {
      token: owner.token,
    });
    expect(removed.status).to.equal(204);
    const late = await connectRaw(t.url, editor.token);
    const seenLate = record(late);
    const refused = await rawExchange(late, { a: 'f', c, d, v: 1 }, (m) => m.a === 'f' && m.d === d);
    expect(refused.error?.code).to.equal('ERR_FORBIDDEN');
    expect(seenLate.filter((m) => m.a === 'op')).to.deep.equal([]);
    for (const client of [a, b, late]) client.close();
  });

  it('a client that fetches ops it was already sent gets them again', async () => {
    const { a, b, c, d } = await twoEditors();
    const seenByB = record(b);
    await rawSubmit(a, c, d, 1, [{ p: ['text', 0], si: 'x' }]);
    await rawSubmit(a, c, d, 2, [{ p: ['text', 0], si: 'y' }]);
    await waitFor(() => opsAt(seenByB, 2).length === 1, 3000, "B to receive A's ops");
    // As a ShareDB client does when it sees a gap: fetch from the version it has.
    await rawExchange(b, { a: 'f', c, d, v: 1 }, (m) => m.a === 'f' && m.d === d);
    expect(opsAt(seenByB, 1).map((m) => m.op)).to.deep.equal([
      [{ p: ['text', 0], si: 'x' }],
      [{ p: ['text', 0], si: 'x' }],
    ]);
    expect(opsAt(seenByB, 2)).to.have.length(2);
    a.close();
    b.close();
  });

  describe('while the server is busy', () => {
    const saved = { ...coalescing };
    beforeEach(() => {
      coalescing.busy = () => true;
      // Long enough that nothing below could be flushed by the window by accident.
      coalescing.windowMs = 1500;
    });
    afterEach(() => Object.assign(coalescing, saved));

    /** Every `sharedb` frame a raw client receives, with when it came. */
    function frames(client: RawClient): Array<{ at: number; messages: any[] }> {
      const seen: Array<{ at: number; messages: any[] }> = [];
      client.socket.on('sharedb', (data: unknown) => {
        seen.push({ at: Date.now(), messages: Array.isArray(data) ? data : [data] });
      });
      return seen;
    }

    it("other people's ops wait for the window and share one frame; acknowledgements do not wait", async () => {
      const { a, b, c, d } = await twoEditors();
      const toB = frames(b);
      const started = Date.now();
      for (let v = 1; v <= 5; v++) {
        expect((await rawSubmit(a, c, d, v, [{ p: ['text', 0], si: `${v}` }])).error).to.equal(undefined);
      }
      // Five acknowledged round trips well inside the window: A's acks were not held.
      expect(Date.now() - started).to.be.below(coalescing.windowMs);
      expect(toB).to.deep.equal([]);
      await waitFor(() => toB.length > 0, 3000, "B to receive A's ops");
      expect(toB).to.have.length(1);
      expect(toB[0]!.messages.map((m) => m.v)).to.deep.equal([1, 2, 3, 4, 5]);
      a.close();
      b.close();
    });

    it('an acknowledgement takes the waiting ops with it, in version order', async () => {
      const { a, b, c, d } = await twoEditors();
      const toB = frames(b);
      await rawSubmit(a, c, d, 1, [{ p: ['text', 5], si: '!' }]);
      const started = Date.now();
      // B has not seen A's op yet, so it submits against version 1 as well.
      const ack = await rawSubmit(b, c, d, 1, [{ p: ['text', 0], si: '>' }]);
      expect(Date.now() - started).to.be.below(coalescing.windowMs);
      expect(ack.v).to.equal(2);
      expect(toB).to.have.length(1);
      const sent = toB[0]!.messages.map((m) => ({ v: m.v, mine: m.src === b.src, op: 'op' in m }));
      expect(sent).to.deep.equal([
        { v: 1, mine: false, op: true },
        { v: 2, mine: true, op: false },
      ]);
      a.close();
      b.close();
    });
  });
});
