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

describe('session chat', () => {
  let t: TestServer;
  let owner: TestUser;
  let viewer: TestUser;
  let stranger: TestUser;
  let sessionId: string;
  const clients: RealtimeClient[] = [];
  const joined = async (u: TestUser) => {
    const c = await connectClient(t.url, u.token);
    clients.push(c);
    const ack = await emitAck(c.socket, 'session:join', { sessionId });
    return { c, ack };
  };

  before(async () => {
    t = await startServer();
    [owner, viewer, stranger] = (await Promise.all([1, 2, 3].map(() => registerUser(t.url)))) as [
      TestUser,
      TestUser,
      TestUser,
    ];
    sessionId = (await createSession(t.url, owner, { members: [[viewer, 'viewer']] })).id;
  });
  after(async () => {
    for (const c of clients) c.close();
    await t.close({ keepData: true });
  });

  it('delivers a message to connected members, with the sender stamped, and to nobody else', async () => {
    const { c: a } = await joined(owner);
    const { c: b } = await joined(viewer);
    const { c: s, ack: strangerJoin } = await joined(stranger);
    expect(strangerJoin.ok).to.equal(false);
    const got: Record<string, any[]> = { a: [], b: [], s: [] };
    a.socket.on('chat:message', (m) => got.a!.push(m));
    b.socket.on('chat:message', (m) => got.b!.push(m));
    s.socket.on('chat:message', (m) => got.s!.push(m));
    const ack = await emitAck(b.socket, 'chat:send', { sessionId, text: 'hello <b>team</b> 👋' });
    expect(ack.ok).to.equal(true);
    expect(ack.message).to.include({ sessionId, text: 'hello <b>team</b> 👋' });
    expect(ack.message.user).to.include({ id: viewer.id, username: viewer.username });
    await waitFor(() => got.a!.length === 1 && got.b!.length === 1, 3000, 'delivery');
    expect(got.a![0]).to.deep.equal(ack.message);
    await new Promise((r) => setTimeout(r, 100));
    expect(got.s).to.deep.equal([]);
    const denied = await emitAck(s.socket, 'chat:send', { sessionId, text: 'let me in' });
    expect(denied).to.deep.include({ ok: false });
    expect(denied.error.code).to.equal('ERR_SESSION_NOT_FOUND');
  });

  it('refuses empty, oversized and non-text messages, and strips control characters', async () => {
    const { c } = await joined(owner);
    for (const [text, code] of [
      ['', 'ERR_VALIDATION'],
      ['   \n ', 'ERR_VALIDATION'],
      [42, 'ERR_VALIDATION'],
      [{ html: '<x>' }, 'ERR_VALIDATION'],
      ['x'.repeat(4001), 'ERR_TOO_LARGE'],
    ] as const) {
      const ack = await emitAck(c.socket, 'chat:send', { sessionId, text });
      expect(ack.ok, JSON.stringify(text)).to.equal(false);
      expect(ack.error.code).to.equal(code);
    }
    const ok = await emitAck(c.socket, 'chat:send', { sessionId, text: 'a\u0000b\u0007c\u202ed\tz\r\nnext' });
    expect(ok.message.text).to.equal('abcd\tz\nnext');
    const max = await emitAck(c.socket, 'chat:send', { sessionId, text: 'y'.repeat(4000) });
    expect(max.ok).to.equal(true);
  });

  it('pages back through history newest first, and members only', async () => {
    const { c } = await joined(owner);
    for (let i = 0; i < 7; i++) await emitAck(c.socket, 'chat:send', { sessionId, text: `page ${i}` });
    const first = await api(t.url, 'GET', `/api/sessions/${sessionId}/chat?limit=3`, { token: viewer.token });
    expect(first.status).to.equal(200);
    expect(first.body.messages.map((m: any) => m.text)).to.deep.equal(['page 6', 'page 5', 'page 4']);
    const before = first.body.messages.at(-1).id;
    const second = await api(t.url, 'GET', `/api/sessions/${sessionId}/chat?limit=3&before=${before}`, {
      token: viewer.token,
    });
    expect(second.body.messages.map((m: any) => m.text)).to.deep.equal(['page 3', 'page 2', 'page 1']);
    expect(
      (await api(t.url, 'GET', `/api/sessions/${sessionId}/chat?limit=500`, { token: owner.token })).status,
    ).to.equal(400);
    expect(
      (await api(t.url, 'GET', `/api/sessions/${sessionId}/chat?before=abc`, { token: owner.token })).status,
    ).to.equal(400);
    const denied = await api(t.url, 'GET', `/api/sessions/${sessionId}/chat`, { token: stranger.token });
    expect(denied.status).to.equal(404);
  });

  it('keeps messages across a restart', async () => {
    const { c } = await joined(owner);
    await emitAck(c.socket, 'chat:send', { sessionId, text: 'remember me' });
    for (const cl of clients.splice(0)) cl.close();
    await t.close({ keepData: true });
    t = await startServer({ dataDir: t.dataDir, reposDir: t.reposDir });
    const res = await api(t.url, 'GET', `/api/sessions/${sessionId}/chat?limit=1`, { token: owner.token });
    expect(res.body.messages[0].text).to.equal('remember me');
  });

  it('rate-limits chat per user', async () => {
    const strict = await startServer({ strictRateLimits: true });
    try {
      const u = await registerUser(strict.url);
      const s = await createSession(strict.url, u);
      const c = await connectClient(strict.url, u.token);
      const codes: string[] = [];
      for (let i = 0; i < 15; i++) {
        const ack = await emitAck(c.socket, 'chat:send', { sessionId: s.id, text: `m${i}` });
        codes.push(ack.ok ? 'ok' : ack.error.code);
      }
      c.close();
      expect(codes.slice(0, 10).every((x) => x === 'ok')).to.equal(true);
      expect(codes).to.include('ERR_RATE_LIMITED');
    } finally {
      await strict.close();
    }
  });
});
