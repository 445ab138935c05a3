import { expect } from 'chai';
import { ChunkedText } from '../../src/storage/embedded/chunked-text.js';
import { prng, randomOp } from '../helpers/random-edits.js';
import {
  type ClientDoc,
  connectClient,
  type RealtimeClient,
  settled,
  submit,
  subscribe,
  textOf,
  waitFor,
} from '../helpers/realtime-client.js';
import { api, createSession, registerUser, startServer, type TestServer } from '../helpers/server.js';

async function serverText(t: TestServer, token: string, sessionId: string, fileId: string): Promise<string> {
  const res = await api(t.url, 'GET', `/api/sessions/${sessionId}/files/${fileId}`, { token });
  return res.body.content;
}

describe('live editing converges', () => {
  let t: TestServer;
  before(async () => {
    t = await startServer();
  });
  after(() => t.close());

  async function setup(n: number, initial: string) {
    const owner = await registerUser(t.url);
    const editors = await Promise.all(Array.from({ length: n - 1 }, () => registerUser(t.url)));
    const s = await createSession(t.url, owner, {
      members: editors.map((e) => [e, 'editor'] as [typeof e, string]),
      files: { 'main.ts': initial },
    });
    const file = s.files['main.ts']!;
    const users = [owner, ...editors];
    const clients: RealtimeClient[] = await Promise.all(users.map((u) => connectClient(t.url, u.token)));
    const docs = clients.map((c) => c.connection.get(file.doc.collection, file.doc.id));
    await Promise.all(docs.map(subscribe));
    return { owner, sessionId: s.id, fileId: file.id, clients, docs };
  }

  async function expectConverged(docs: ClientDoc[], token: string, sessionId: string, fileId: string) {
    await Promise.all(docs.map(settled));
    const truth = await serverText(t, token, sessionId, fileId);
    await waitFor(
      () => docs.every((d) => textOf(d) === truth),
      10_000,
      'all clients to reach the server text',
    );
    for (const d of docs) expect(textOf(d)).to.equal(truth);
    return truth;
  }

  it('two clients typing on the same line at once, with emoji, end identical to the server', async () => {
    const { owner, sessionId, fileId, clients, docs } = await setup(2, 'const greeting = "";\n');
    const [a, b] = docs as [ClientDoc, ClientDoc];
    // Both type into the same spot inside the quotes, concurrently.
    const at = 'const greeting = "'.length;
    const typing = (doc: ClientDoc, s: string) => {
      let offset = at;
      return Promise.all(
        [...s].map((ch) => {
          const op = [{ p: ['text', offset], si: ch }];
          offset += ch.length;
          return submit(doc, op);
        }),
      );
    };
    await Promise.all([typing(a, 'hi😀'), typing(b, 'yo👍🏽')]);
    const truth = await expectConverged(docs, owner.token, sessionId, fileId);
    expect(truth.startsWith('const greeting = "')).to.equal(true);
    for (const ch of ['h', 'i', '😀', 'y', 'o', '👍🏽']) expect(truth).to.include(ch);
    expect(truth.length).to.equal('const greeting = "";\n'.length + 'hi😀yo👍🏽'.length);
    for (const c of clients) c.close();
  });

  it('overlapping deletes and inserts from two clients converge', async () => {
    const { owner, sessionId, fileId, clients, docs } = await setup(2, '0123456789abcdefghij');
    const [a, b] = docs as [ClientDoc, ClientDoc];
    await Promise.all([
      submit(a, [{ p: ['text', 2], sd: '234567' }]),
      submit(b, [{ p: ['text', 5], sd: '56789a' }]),
      submit(b, [{ p: ['text', 4], si: 'XY' }]),
    ]);
    const truth = await expectConverged(docs, owner.token, sessionId, fileId);
    expect(truth).to.not.include('5').and.not.include('6');
    expect(truth).to.include('XY');
    for (const c of clients) c.close();
  });

  for (const n of [2, 10]) {
    it(`${n} clients making random concurrent edits (astral characters included) converge`, async function () {
      this.timeout(60_000);
      const { owner, sessionId, fileId, clients, docs } = await setup(
        n,
        'function main() {\n  return 1;\n}\n',
      );
      const rounds = n === 2 ? 150 : 40;
      await Promise.all(
        docs.map(async (doc, i) => {
          const rand = prng(1000 + i);
          for (let r = 0; r < rounds; r++) {
            doc.submitOp(randomOp(textOf(doc), rand) as never);
            // Let remote ops arrive between bursts so edits land on moving text.
            if (r % 5 === 4) await new Promise((res) => setTimeout(res, Math.floor(rand() * 8)));
          }
        }),
      );
      const truth = await expectConverged(docs, owner.token, sessionId, fileId);
      expect(truth).to.not.match(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
      for (const c of clients) c.close();
    });
  }

  it('a large file (kept in chunks on the server) converges and commits exactly', async function () {
    this.timeout(60_000);
    const big = `${'// line of code with some text in it 😀\n'.repeat(6000)}`;
    const { owner, sessionId, fileId, clients, docs } = await setup(3, big);
    await Promise.all(
      docs.map(async (doc, i) => {
        const rand = prng(7000 + i);
        for (let r = 0; r < 60; r++) {
          doc.submitOp(randomOp(textOf(doc), rand) as never);
          if (r % 6 === 5) await new Promise((res) => setTimeout(res, 2));
        }
      }),
    );
    const truth = await expectConverged(docs, owner.token, sessionId, fileId);
    expect(truth.length).to.be.greaterThan(200_000);
    // The server edited it in chunks, not as one string per op.
    const snapshot = await new Promise<any>((resolve, reject) =>
      t.server.services.store.sharedb.getSnapshot(
        'files',
        docs[0]!.id,
        null,
        null,
        (err: unknown, snap: unknown) => (err ? reject(err) : resolve(snap)),
      ),
    );
    expect(snapshot.data.text).to.be.instanceOf(ChunkedText);
    expect(snapshot.data.text.toJSON()).to.equal(truth);
    // The server's chunked text is what a version stores.
    const saved = await api(t.url, 'POST', `/api/sessions/${sessionId}/versions`, {
      token: owner.token,
      body: {},
    });
    const file = await fetch(`${t.url}/api/sessions/${sessionId}/versions/${saved.body.sha}/files/main.ts`, {
      headers: { authorization: `Bearer ${owner.token}` },
    });
    expect(await file.text()).to.equal(truth);
    for (const c of clients) c.close();
  });

  it('a client that drops, keeps editing offline and reconnects converges with nothing lost or doubled', async function () {
    this.timeout(30_000);
    const { owner, sessionId, fileId, clients, docs } = await setup(2, '');
    const [a, b] = docs as [ClientDoc, ClientDoc];
    const [ca] = clients as [RealtimeClient, RealtimeClient];
    await submit(a, [{ p: ['text', 0], si: 'start\n' }]);
    await waitFor(() => textOf(b) === 'start\n', 5000, 'b to see a');
    // Cut a's transport as a network drop would; socket.io will reconnect on its own.
    const down = new Promise<void>((r) => ca.socket.once('disconnect', () => r()));
    ca.socket.io.engine.close();
    await down;
    const offline = ['one', '😀', 'two'];
    for (const w of offline) a.submitOp([{ p: ['text', textOf(a).length], si: `${w}\n` }] as never);
    for (const w of ['B1', 'B2']) await submit(b, [{ p: ['text', 0], si: `${w}\n` }]);
    await new Promise<void>((r) => (ca.socket.connected ? r() : ca.socket.once('connect', () => r())));
    const truth = await expectConverged(docs, owner.token, sessionId, fileId);
    for (const w of [...offline, 'B1', 'B2', 'start']) {
      expect(truth.split(w).length - 1, `"${w}" exactly once in ${JSON.stringify(truth)}`).to.equal(1);
    }
    for (const c of clients) c.close();
  });

  it('a pending delete of text someone else already deleted (an empty op after transform) is accepted, and nothing else pending is rolled back', async function () {
    this.timeout(30_000);
    const { owner, sessionId, fileId, clients, docs } = await setup(2, 'x😀y');
    const [a, b] = docs as [ClientDoc, ClientDoc];
    const [ca] = clients as [RealtimeClient, RealtimeClient];
    const errors: unknown[] = [];
    a.on('error', (err: unknown) => errors.push(err));
    (a as unknown as { preventCompose: boolean }).preventCompose = true;
    ca.socket.disconnect();
    // Offline, a types, then deletes the emoji; b deletes the same emoji meanwhile.
    const acks = [submit(a, [{ p: ['text', 0], si: 'A' }]), submit(a, [{ p: ['text', 2], sd: '😀' }])];
    await submit(b, [{ p: ['text', 1], sd: '😀' }]);
    ca.socket.connect();
    await Promise.all(acks);
    // Whatever order the reconnect replays in, a's delete becomes [] somewhere: it must pass.
    await submit(a, [{ p: ['text', 0], si: 'B' }]);
    const truth = await expectConverged(docs, owner.token, sessionId, fileId);
    expect(truth).to.equal('BAxy');
    expect(errors).to.deep.equal([]);
    for (const c of clients) c.close();
  });

  it('an empty op is accepted as a no-op', async () => {
    const { owner, sessionId, fileId, clients, docs } = await setup(1, 'x');
    await submit(docs[0]!, []);
    expect(await expectConverged(docs, owner.token, sessionId, fileId)).to.equal('x');
    for (const c of clients) c.close();
  });

  it('a manual disconnect and reconnect of the socket resubmits pending edits exactly once', async function () {
    this.timeout(30_000);
    const { owner, sessionId, fileId, clients, docs } = await setup(2, 'x');
    const [a] = docs as [ClientDoc, ClientDoc];
    const [ca] = clients as [RealtimeClient, RealtimeClient];
    ca.socket.disconnect();
    for (let i = 0; i < 20; i++) a.submitOp([{ p: ['text', 0], si: 'k' }] as never);
    ca.socket.connect();
    const truth = await expectConverged(docs, owner.token, sessionId, fileId);
    expect(truth).to.equal(`${'k'.repeat(20)}x`);
    for (const c of clients) c.close();
  });
});
