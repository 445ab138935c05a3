/**
 * A chat message is stored once however often it is sent: a retry carries the message's nonce,
 * and the server answers it with the message first stored.
 */
import { expect } from 'chai';
import { connectClient, emitAck, type RealtimeClient, waitFor } from '../helpers/realtime-client.js';
import {
  api,
  createSession,
  registerUser,
  startServer,
  type TestServer,
  type TestUser,
} from '../helpers/server.js';

describe('chat messages are stored once, whatever the retries', () => {
  let t: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let sessionId: string;
  const clients: RealtimeClient[] = [];
  const joined = async (u: TestUser) => {
    const c = await connectClient(t.url, u.token);
    clients.push(c);
    const ack = await emitAck(c.socket, 'session:join', { sessionId });
    expect(ack.ok).to.equal(true);
    return c;
  };
  const stored = async () => {
    const res = await api(t.url, 'GET', `/api/sessions/${sessionId}/chat`, { token: alice.token });
    expect(res.status).to.equal(200);
    return (res.body.messages as Array<{ id: number; text: string; user: { id: string } }>).map((m) => ({
      id: m.id,
      text: m.text,
      userId: m.user.id,
    }));
  };

  before(async () => {
    t = await startServer();
    alice = await registerUser(t.url);
    bob = await registerUser(t.url);
  });
  beforeEach(async () => {
    sessionId = (await createSession(t.url, alice, { members: [[bob, 'editor']] })).id;
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  after(async () => {
    await t.close();
  });

  it('the same nonce sent twice at once stores one message, and both acks carry its id', async () => {
    const a = await joined(alice);
    const watcher = await joined(bob);
    const seen: number[] = [];
    watcher.socket.on('chat:message', (m: { id: number }) => seen.push(m.id));
    const payload = { sessionId, text: 'ship it', nonce: 'n-0123456789abcdef' };
    const [one, two] = await Promise.all([
      emitAck(a.socket, 'chat:send', payload),
      emitAck(a.socket, 'chat:send', payload),
    ]);
    expect(one.ok, JSON.stringify(one)).to.equal(true);
    expect(two.ok, JSON.stringify(two)).to.equal(true);
    expect(two.message).to.deep.equal(one.message);
    expect(await stored()).to.deep.equal([{ id: one.message.id, text: 'ship it', userId: alice.id }]);
    // Broadcast once too.
    await waitFor(() => seen.length >= 1, 3000, 'the broadcast');
    await emitAck(watcher.socket, 'session:join', { sessionId });
    expect(seen).to.deep.equal([one.message.id]);
    // A nonce is the sender's own: Bob's message with the same nonce is a message of its own.
    const fromBob = await emitAck(watcher.socket, 'chat:send', { ...payload, text: 'from bob' });
    expect(fromBob.ok).to.equal(true);
    expect(fromBob.message.id).to.not.equal(one.message.id);
    expect((await stored()).map((m) => m.userId)).to.deep.equal([bob.id, alice.id]);
  });

  it('over REST too, a repeated nonce answers with the message first stored', async () => {
    const body = { text: 'from a script', nonce: 'rest-nonce-0001' };
    const one = await api(t.url, 'POST', `/api/sessions/${sessionId}/chat`, { token: alice.token, body });
    const two = await api(t.url, 'POST', `/api/sessions/${sessionId}/chat`, { token: alice.token, body });
    expect(one.status).to.equal(201);
    expect(two.body).to.deep.equal(one.body);
    expect((await stored()).map((m) => m.id)).to.deep.equal([one.body.message.id]);
  });

  it('a retry from a new connection (after a reconnect) gets the original message back', async () => {
    const first = await joined(alice);
    const payload = { sessionId, text: 'first try', nonce: 'retry-nonce-0001' };
    const sent = await emitAck(first.socket, 'chat:send', payload);
    expect(sent.ok).to.equal(true);
    first.close();
    const again = await joined(alice);
    const retried = await emitAck(again.socket, 'chat:send', payload);
    expect(retried).to.deep.equal(sent);
    // A new message (new nonce) is stored as usual.
    const next = await emitAck(again.socket, 'chat:send', {
      sessionId,
      text: 'next',
      nonce: 'retry-nonce-0002',
    });
    expect(next.ok).to.equal(true);
    expect((await stored()).map((m) => m.text)).to.deep.equal(['next', 'first try']);
  });

  it('a refused send stores nothing and its nonce stays free; a malformed nonce is refused', async () => {
    const a = await joined(alice);
    const empty = await emitAck(a.socket, 'chat:send', { sessionId, text: '   ', nonce: 'fixed-nonce-7' });
    expect(empty.ok).to.equal(false);
    expect(empty.error.code).to.equal('ERR_VALIDATION');
    const fixed = await emitAck(a.socket, 'chat:send', { sessionId, text: 'fixed', nonce: 'fixed-nonce-7' });
    expect(fixed.ok).to.equal(true);
    for (const nonce of ['short', 'x'.repeat(65), 'has space in it', 42]) {
      const bad = await emitAck(a.socket, 'chat:send', { sessionId, text: 'hi', nonce });
      expect(bad.ok, String(nonce)).to.equal(false);
      expect(bad.error.code).to.equal('ERR_VALIDATION');
    }
    expect((await stored()).map((m) => m.text)).to.deep.equal(['fixed']);
  });
});
