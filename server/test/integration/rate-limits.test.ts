import { expect } from 'chai';
import { connectRaw, type RawClient, rawExchange, rawSubmit } from '../helpers/realtime-client.js';
import { api, createSession, registerUser, startServer, type TestServer } from '../helpers/server.js';

/** Submits `count` one-character inserts one after another; returns each reply's error code or 'ok'. */
async function typeOps(t: TestServer, count: number): Promise<string[]> {
  const u = await registerUser(t.url);
  const s = await createSession(t.url, u, { files: { 'a.txt': '' } });
  const { collection: c, id: d } = s.files['a.txt']!.doc;
  const raw: RawClient = await connectRaw(t.url, u.token);
  try {
    const fetched = await rawExchange(raw, { a: 'f', c, d }, (m) => m.a === 'f' && m.d === d);
    let v: number = fetched.data.v;
    const codes: string[] = [];
    for (let i = 0; i < count; i++) {
      const reply = await rawSubmit(raw, c, d, v, [{ p: ['text', 0], si: 'x' }]);
      if (reply.error) codes.push(reply.error.code);
      else {
        codes.push('ok');
        v++;
      }
    }
    return codes;
  } finally {
    raw.close();
  }
}

describe('rate limits from the environment (OP_RATE_PER_SECOND, OP_RATE_BURST)', () => {
  it('a server started with a low op rate refuses the op past the burst with ERR_RATE_LIMITED', async () => {
    const t = await startServer({
      strictRateLimits: true,
      env: { OP_RATE_PER_SECOND: '0.1', OP_RATE_BURST: '3' },
    });
    try {
      const codes = await typeOps(t, 5);
      expect(codes.slice(0, 3)).to.deep.equal(['ok', 'ok', 'ok']);
      expect(codes[3]).to.equal('ERR_RATE_LIMITED');
    } finally {
      await t.close();
    }
  });

  it('OP_RATE_PER_SECOND=0 never limits, whatever the burst', async () => {
    const t = await startServer({
      strictRateLimits: true,
      env: { OP_RATE_PER_SECOND: '0', OP_RATE_BURST: '1' },
    });
    try {
      const codes = await typeOps(t, 30);
      expect(codes.every((x) => x === 'ok')).to.equal(true, codes.join(' '));
    } finally {
      await t.close();
    }
  });

  it('with TRUST_PROXY, the per-IP limit takes the X-Forwarded-For entry the proxy wrote (the last), not one a client made up', async () => {
    // Registration is limited per IP: two sign-ups claiming different addresses are still one client.
    const strict = await startServer({
      strictRateLimits: true,
      env: { TRUST_PROXY: 'true', AUTH_RATE_BURST: '1' },
    });
    try {
      const register = (claimed: string, name: string) =>
        api(strict.url, 'POST', '/api/auth/register', {
          body: { username: name, password: 'correct horse' },
          headers: { 'x-forwarded-for': `${claimed}, 10.9.8.7` },
        });
      expect((await register('1.1.1.1', 'spoofa')).status).to.equal(201);
      const second = await register('2.2.2.2', 'spoofb');
      expect(second.status).to.equal(429);
      expect(second.body.error.code).to.equal('ERR_RATE_LIMITED');
    } finally {
      await strict.close();
    }
  });
});
