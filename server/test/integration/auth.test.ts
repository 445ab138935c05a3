import { expect } from 'chai';
import { connectClient } from '../helpers/realtime-client.js';
import { api, registerUser, startServer, type TestServer } from '../helpers/server.js';

describe('accounts over REST', () => {
  let t: TestServer;
  before(async () => {
    t = await startServer();
  });
  after(() => t.close());

  it('answers /api/health without auth', async () => {
    const res = await api(t.url, 'GET', '/api/health');
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ ok: true });
  });

  it('registers a user and returns a token and the public user', async () => {
    const res = await api(t.url, 'POST', '/api/auth/register', {
      body: { username: 'alice', password: 'password1', displayName: 'Alice A.' },
    });
    expect(res.status).to.equal(201);
    expect(res.body.token).to.be.a('string');
    expect(res.body.user).to.include({ username: 'alice', displayName: 'Alice A.' });
    expect(res.body.user.id).to.be.a('string');
    expect(res.body.user).to.not.have.property('passwordHash');
    const me = await api(t.url, 'GET', '/api/auth/me', { token: res.body.token });
    expect(me.status).to.equal(200);
    expect(me.body.user.username).to.equal('alice');
  });

  it('refuses a taken username with 409 ERR_USERNAME_TAKEN', async () => {
    await registerUser(t.url, 'bob');
    const res = await api(t.url, 'POST', '/api/auth/register', {
      body: { username: 'bob', password: 'another-pass' },
    });
    expect(res.status).to.equal(409);
    expect(res.body.error.code).to.equal('ERR_USERNAME_TAKEN');
  });

  for (const [what, body] of [
    ['a short username', { username: 'ab', password: 'password1' }],
    ['an uppercase username', { username: 'Alice2', password: 'password1' }],
    ['a username with a slash', { username: 'a/b/c', password: 'password1' }],
    ['a 33-character username', { username: 'a'.repeat(33), password: 'password1' }],
    ['a short password', { username: 'carol', password: 'short' }],
    ['a numeric password', { username: 'carol', password: 12345678 }],
    ['no password', { username: 'carol' }],
    ['a body that is an array', ['carol', 'password1']],
  ] as const) {
    it(`refuses ${what} with 400 ERR_VALIDATION`, async () => {
      const res = await api(t.url, 'POST', '/api/auth/register', { body });
      expect(res.status).to.equal(400);
      expect(res.body.error.code).to.equal('ERR_VALIDATION');
      expect(res.body.error.message).to.be.a('string').and.not.empty;
    });
  }

  it('logs in with the right password, and answers a wrong password and an unknown user alike', async () => {
    await registerUser(t.url, 'dave', 'dave-password');
    const ok = await api(t.url, 'POST', '/api/auth/login', {
      body: { username: 'dave', password: 'dave-password' },
    });
    expect(ok.status).to.equal(200);
    expect(ok.body.user.username).to.equal('dave');
    const wrong = await api(t.url, 'POST', '/api/auth/login', {
      body: { username: 'dave', password: 'nope-nope' },
    });
    const unknown = await api(t.url, 'POST', '/api/auth/login', {
      body: { username: 'nobody', password: 'nope-nope' },
    });
    for (const res of [wrong, unknown]) {
      expect(res.status).to.equal(401);
      expect(res.body.error.code).to.equal('ERR_BAD_CREDENTIALS');
    }
    expect(wrong.body.error.message).to.equal(unknown.body.error.message);
  });

  it('rejects missing, malformed and forged tokens with 401 ERR_UNAUTHENTICATED', async () => {
    for (const token of [undefined, 'garbage', 'a.b.c', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.']) {
      const res = await api(t.url, 'GET', '/api/auth/me', token ? { token } : {});
      expect(res.status).to.equal(401);
      expect(res.body.error.code).to.equal('ERR_UNAUTHENTICATED');
    }
  });

  it('logout revokes the token at once, over REST and for new and open sockets', async () => {
    const u = await registerUser(t.url);
    const client = await connectClient(t.url, u.token);
    const disconnected = new Promise<void>((resolve) => client.socket.once('disconnect', () => resolve()));
    const out = await api(t.url, 'POST', '/api/auth/logout', { token: u.token });
    expect(out.status).to.equal(204);
    await disconnected;
    client.close();
    const me = await api(t.url, 'GET', '/api/auth/me', { token: u.token });
    expect(me.status).to.equal(401);
    try {
      await connectClient(t.url, u.token);
      expect.fail('a revoked token must not connect');
    } catch (err) {
      expect((err as Error).message).to.equal('ERR_UNAUTHENTICATED');
    }
    // A fresh login still works.
    const again = await api(t.url, 'POST', '/api/auth/login', {
      body: { username: u.username, password: 'correct horse' },
    });
    expect(again.status).to.equal(200);
  });

  it('a password change revokes every earlier token', async () => {
    const u = await registerUser(t.url);
    const second = await api(t.url, 'POST', '/api/auth/login', {
      body: { username: u.username, password: 'correct horse' },
    });
    const res = await api(t.url, 'POST', '/api/auth/password', {
      token: u.token,
      body: { currentPassword: 'correct horse', newPassword: 'battery staple' },
    });
    expect(res.status).to.equal(200);
    expect((await api(t.url, 'GET', '/api/auth/me', { token: u.token })).status).to.equal(401);
    expect((await api(t.url, 'GET', '/api/auth/me', { token: second.body.token })).status).to.equal(401);
    expect((await api(t.url, 'GET', '/api/auth/me', { token: res.body.token })).status).to.equal(200);
  });

  it('refuses a socket without a token, or with a bad one, with ERR_UNAUTHENTICATED', async () => {
    for (const token of [undefined, '', 'not-a-jwt']) {
      try {
        await connectClient(t.url, token);
        expect.fail('should be refused');
      } catch (err) {
        expect((err as Error).message).to.equal('ERR_UNAUTHENTICATED');
      }
    }
  });

  it('rate-limits login attempts per account', async () => {
    const strict = await startServer({ strictRateLimits: true });
    try {
      await registerUser(strict.url, 'eve', 'eve-password');
      const codes: number[] = [];
      for (let i = 0; i < 25; i++) {
        const r = await api(strict.url, 'POST', '/api/auth/login', {
          body: { username: 'eve', password: 'wrong-pass' },
        });
        codes.push(r.status);
      }
      expect(codes).to.include(401);
      expect(codes[codes.length - 1]).to.equal(429);
    } finally {
      await strict.close();
    }
  });
});
