/**
 * Accounts under attack (issue 19, item 4): races on the first admin and on invitations, old
 * links against an owner's changes, login throttling that slows a guesser without locking out
 * the owner, and logins that cost the same whether or not the username exists. Other machines
 * on the LAN are other loopback addresses (127.0.0.x), the server sees them as other IPs.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { expect } from 'chai';
import { cloneUrl, git, tempDir } from '../helpers/git-cli.js';
import { api, createSession, registerUser, startServer, type TestServer } from '../helpers/server.js';

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One HTTP request sent from the loopback address `from` (another machine, to the server). */
function request(
  base: string,
  method: string,
  urlPath: string,
  opts: { from?: string; headers?: Record<string, string>; json?: unknown } = {},
): Promise<RawResponse> {
  const url = new URL(base + urlPath);
  const body = opts.json === undefined ? undefined : JSON.stringify(opts.json);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method,
        localAddress: opts.from ?? '127.0.0.1',
        headers: { ...opts.headers, ...(body ? { 'content-type': 'application/json' } : {}) },
        timeout: 20_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

const login = (base: string, username: string, password: string, from?: string) =>
  request(base, 'POST', '/api/auth/login', { from, json: { username, password } });

const basic = (user: string, secret: string) =>
  `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;

/** The first step of a clone (info/refs), with Basic credentials, from `from`. */
const gitRefs = (base: string, sessionId: string, user: string, secret: string, from?: string) =>
  request(base, 'GET', `/git/${sessionId}.git/info/refs?service=git-upload-pack`, {
    from,
    headers: { authorization: basic(user, secret) },
  });

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('security: accounts, invitations and logins', function () {
  this.timeout(60_000);

  describe('races', () => {
    let t: TestServer;
    beforeEach(async () => {
      t = await startServer();
    });
    afterEach(() => t.close());

    it('of 5 simultaneous first registrations exactly one becomes admin', async () => {
      const results = await Promise.all(
        [1, 2, 3, 4, 5].map((i) =>
          api(t.url, 'POST', '/api/auth/register', {
            body: { username: `first${i}`, password: 'password1' },
          }),
        ),
      );
      expect(results.map((r) => r.status)).to.deep.equal([201, 201, 201, 201, 201]);
      expect(results.filter((r) => r.body.user.isAdmin)).to.have.length(1);
      // What the store holds agrees with what was answered.
      const me = await Promise.all(
        results.map((r) => api(t.url, 'GET', '/api/auth/me', { token: r.body.token })),
      );
      expect(me.filter((r) => r.body.user.isAdmin)).to.have.length(1);
    });

    it('a single-use invite admits exactly one person, by registration or by accepting, however many try at once', async () => {
      const admin = await registerUser(t.url);
      const owner = await registerUser(t.url);
      const { id: sessionId } = await createSession(t.url, owner);
      await api(t.url, 'PUT', '/api/admin/settings', {
        token: admin.token,
        body: { registration: 'invite' },
      });
      const once = await api(t.url, 'POST', `/api/sessions/${sessionId}/invites`, {
        token: owner.token,
        body: { role: 'editor', maxUses: 1 },
      });
      const results = await Promise.all(
        [1, 2, 3, 4, 5].map((i) =>
          api(t.url, 'POST', '/api/auth/register', {
            body: { username: `guest${i}`, password: 'password1', invite: once.body.token },
          }),
        ),
      );
      const admitted = results.filter((r) => r.status === 201);
      expect(admitted, 'accounts created').to.have.length(1);
      expect(admitted[0]!.body.joined).to.deep.equal({ sessionId, role: 'editor' });
      for (const r of results.filter((x) => x.status !== 201)) {
        expect(r.status).to.equal(410);
        expect(r.body.error.code).to.equal('ERR_INVITE_EXPIRED');
      }
      // The refused registrations left no account behind.
      const logins = await Promise.all([1, 2, 3, 4, 5].map((i) => login(t.url, `guest${i}`, 'password1')));
      expect(logins.filter((r) => r.status === 200)).to.have.length(1);
      const session = await api(t.url, 'GET', `/api/sessions/${sessionId}`, { token: owner.token });
      expect(session.body.members).to.have.length(2);

      // The same for people who already have accounts.
      await api(t.url, 'PUT', '/api/admin/settings', { token: admin.token, body: { registration: 'open' } });
      const guests = await Promise.all([1, 2, 3, 4, 5].map(() => registerUser(t.url)));
      const again = await api(t.url, 'POST', `/api/sessions/${sessionId}/invites`, {
        token: owner.token,
        body: { role: 'viewer', maxUses: 1 },
      });
      const accepts = await Promise.all(
        guests.map((g) => api(t.url, 'POST', `/api/invites/${again.body.token}/accept`, { token: g.token })),
      );
      expect(accepts.filter((r) => r.status === 200)).to.have.length(1);
      const list = await api(t.url, 'GET', `/api/sessions/${sessionId}/invites`, { token: owner.token });
      expect(list.body.invites.find((i: { token: string }) => i.token === again.body.token).uses).to.equal(1);
    });
  });

  describe('an old link against the owner’s changes', () => {
    let t: TestServer;
    before(async () => {
      t = await startServer();
    });
    after(() => t.close());

    it('a removed member cannot come back through a link made before, but a new link works', async () => {
      const owner = await registerUser(t.url);
      const { id: sessionId } = await createSession(t.url, owner);
      const old = await api(t.url, 'POST', `/api/sessions/${sessionId}/invites`, {
        token: owner.token,
        body: { role: 'editor' },
      });
      const mallory = await registerUser(t.url);
      const joined = await api(t.url, 'POST', `/api/invites/${old.body.token}/accept`, {
        token: mallory.token,
      });
      expect(joined.body).to.deep.equal({ sessionId, role: 'editor' });
      const removed = await api(t.url, 'DELETE', `/api/sessions/${sessionId}/members/${mallory.username}`, {
        token: owner.token,
      });
      expect(removed.status).to.equal(204);

      // The join page says so before anything is clicked.
      const preview = await api(t.url, 'GET', `/api/invites/${old.body.token}`, { token: mallory.token });
      expect(preview.status).to.equal(403);
      expect(preview.body.error.code).to.equal('ERR_INVITE_REVOKED');
      const back = await api(t.url, 'POST', `/api/invites/${old.body.token}/accept`, {
        token: mallory.token,
      });
      expect(back.status).to.equal(403);
      expect(back.body.error.code).to.equal('ERR_INVITE_REVOKED');
      expect(back.body.error.message).to.match(/ask them for a new one/);
      const s = await api(t.url, 'GET', `/api/sessions/${sessionId}`, { token: mallory.token });
      expect(s.status).to.equal(404);
      // The refusal used nothing up; others still join with that link.
      const other = await registerUser(t.url);
      const ok = await api(t.url, 'POST', `/api/invites/${old.body.token}/accept`, { token: other.token });
      expect(ok.body).to.deep.equal({ sessionId, role: 'editor' });

      // The owner changes their mind and sends a new link: it works.
      const fresh = await api(t.url, 'POST', `/api/sessions/${sessionId}/invites`, {
        token: owner.token,
        body: { role: 'viewer' },
      });
      const rejoin = await api(t.url, 'POST', `/api/invites/${fresh.body.token}/accept`, {
        token: mallory.token,
      });
      expect(rejoin.body).to.deep.equal({ sessionId, role: 'viewer' });
    });

    it('a demoted member cannot regain the role through a link made before', async () => {
      const owner = await registerUser(t.url);
      const { id: sessionId } = await createSession(t.url, owner);
      const old = await api(t.url, 'POST', `/api/sessions/${sessionId}/invites`, {
        token: owner.token,
        body: { role: 'editor' },
      });
      const bob = await registerUser(t.url);
      await api(t.url, 'POST', `/api/invites/${old.body.token}/accept`, { token: bob.token });
      const demoted = await api(t.url, 'PUT', `/api/sessions/${sessionId}/members/${bob.username}`, {
        token: owner.token,
        body: { role: 'viewer' },
      });
      expect(demoted.body.role).to.equal('viewer');

      const again = await api(t.url, 'POST', `/api/invites/${old.body.token}/accept`, { token: bob.token });
      expect(again.status).to.equal(403);
      expect(again.body.error.code).to.equal('ERR_INVITE_REVOKED');
      const s = await api(t.url, 'GET', `/api/sessions/${sessionId}`, { token: bob.token });
      expect(s.body.role).to.equal('viewer');
    });
  });

  describe('login throttling', () => {
    let t: TestServer;
    afterEach(() => t.close());

    it("an attacker's wrong passwords slow only the attacker: the owner logs in from another machine, on the web and with git", async () => {
      t = await startServer({ strictRateLimits: true });
      const eve = await registerUser(t.url, 'eve', 'eve-password');
      const { id: sessionId } = await createSession(t.url, eve);
      const web: number[] = [];
      const gitStatuses: number[] = [];
      for (let i = 0; i < 25; i++) {
        web.push((await login(t.url, 'eve', 'guess-guess', '127.0.0.2')).status);
        gitStatuses.push((await gitRefs(t.url, sessionId, 'eve', 'guess-guess', '127.0.0.3')).status);
      }
      expect(web.slice(0, 5)).to.deep.equal([401, 401, 401, 401, 401]);
      expect(web.at(-1)).to.equal(429);
      expect(gitStatuses.at(-1)).to.equal(429);

      // Eve, from her own machine (127.0.0.1), is not locked out on the web…
      const mine = await login(t.url, 'eve', 'eve-password');
      expect(mine.status).to.equal(200);
      // …nor with the real git client.
      const dir = tempDir();
      try {
        const clone = await git([
          'clone',
          cloneUrl(t.url, sessionId, 'eve', 'eve-password'),
          path.join(dir, 'c'),
        ]);
        expect(clone.code, clone.stderr).to.equal(0);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('past the free failures each attempt waits longer (429 with Retry-After), and a success resets the wait', async () => {
      t = await startServer({ loginThrottle: { freeFailures: 3, baseDelayMs: 500, maxDelayMs: 60_000 } });
      await registerUser(t.url, 'frank', 'frank-password');
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await login(t.url, 'frank', 'nope-nope')).status);
      expect(statuses).to.deep.equal([401, 401, 401, 401]);
      // The 4th failure set a wait of 500 ms: until then even the right password waits.
      const waiting = await login(t.url, 'frank', 'frank-password');
      expect(waiting.status).to.equal(429);
      expect(JSON.parse(waiting.body).error.code).to.equal('ERR_RATE_LIMITED');
      expect(Number(waiting.headers['retry-after'])).to.be.within(1, 60);
      await sleep(600);
      expect((await login(t.url, 'frank', 'nope-nope')).status).to.equal(401);
      // The 5th failure doubled the wait to 1 s: 600 ms is no longer enough.
      await sleep(600);
      expect((await login(t.url, 'frank', 'frank-password')).status).to.equal(429);
      await sleep(500);
      expect((await login(t.url, 'frank', 'frank-password')).status).to.equal(200);
      // The success forgave the earlier failures: three free ones again.
      for (let i = 0; i < 3; i++) expect((await login(t.url, 'frank', 'nope-nope')).status).to.equal(401);

      // Git Basic auth answers the same way.
      const s = await api(t.url, 'POST', '/api/sessions', {
        token: JSON.parse((await login(t.url, 'frank', 'frank-password', '127.0.0.9')).body).token,
        body: { name: 'f' },
      });
      const refs: RawResponse[] = [];
      for (let i = 0; i < 5; i++)
        refs.push(await gitRefs(t.url, s.body.id, 'frank', 'nope-nope', '127.0.0.4'));
      expect(refs.map((r) => r.status)).to.deep.equal([401, 401, 401, 401, 429]);
      expect(Number(refs[4]!.headers['retry-after'])).to.be.within(1, 60);
    });

    it('20 guesses at one account sent at once are not all checked: the backoff counts them as they start', async () => {
      t = await startServer({ strictRateLimits: true });
      await registerUser(t.url, 'ivan', 'ivan-password');
      const results = await Promise.all(
        Array.from({ length: 20 }, () => login(t.url, 'ivan', 'guess-guess', '127.0.0.8')),
      );
      const statuses = results.map((r) => r.status);
      // 5 free failures plus the one that starts the wait; the rest are told to come back later.
      expect(statuses.filter((s) => s === 401)).to.have.length(6);
      expect(statuses.filter((s) => s === 429)).to.have.length(14);
    });

    it('one machine trying many usernames meets a per-IP ceiling; other machines do not', async () => {
      t = await startServer({ loginThrottle: { perIp: { perSecond: 0.01, burst: 10 } } });
      await registerUser(t.url, 'grace', 'grace-password');
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++)
        statuses.push((await login(t.url, `nobody${i}`, 'nope-nope', '127.0.0.5')).status);
      expect(statuses.slice(0, 10).every((s) => s === 401)).to.equal(true);
      expect(statuses.slice(10)).to.deep.equal([429, 429]);
      expect((await login(t.url, 'grace', 'grace-password', '127.0.0.6')).status).to.equal(200);
    });
  });

  describe('equal cost', () => {
    let t: TestServer;
    after(() => t.close());

    it('an unknown username costs what a known one with a wrong password does (web, git password, git token)', async () => {
      t = await startServer();
      const known = await registerUser(t.url, 'heidi', 'heidi-password');
      const { id: sessionId } = await createSession(t.url, known);
      const tokenLike = `gp_${'x'.repeat(40)}`;
      const kinds = {
        web: (user: string) => login(t.url, user, 'wrong-password'),
        gitPassword: (user: string) => gitRefs(t.url, sessionId, user, 'wrong-password'),
        gitToken: (user: string) => gitRefs(t.url, sessionId, user, tokenLike),
      };
      const N = 11;
      for (const [kind, attempt] of Object.entries(kinds)) {
        const times = { known: [] as number[], unknown: [] as number[] };
        for (let i = 0; i < N; i++) {
          // Interleaved, so load from elsewhere on the machine falls on both alike.
          for (const which of ['known', 'unknown'] as const) {
            const start = process.hrtime.bigint();
            const res = await attempt(which === 'known' ? 'heidi' : `ghost${i}`);
            times[which].push(Number(process.hrtime.bigint() - start) / 1e6);
            expect(res.status, kind).to.equal(401);
          }
        }
        const ratio = median(times.known) / median(times.unknown);
        expect(
          ratio,
          `${kind}: known ${median(times.known)} ms, unknown ${median(times.unknown)} ms`,
        ).to.be.within(0.5, 2);
      }
    });
  });
});
