/**
 * Issue 19, items 5 and 6 (HTTP side): git transfer slots per account and a minimum transfer
 * rate, a cap on sessions per account, security headers on every response, links that never
 * carry the Host header, and file names git's fsck would reject (or read as submodules) refused.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { CSP_NONCE_PLACEHOLDER } from '../../src/protocol/csp.js';
import { cloneUrl, git, tempDir } from '../helpers/git-cli.js';
import {
  api,
  createSession,
  registerUser,
  startServer,
  type TestServer,
  type TestUser,
} from '../helpers/server.js';

const basic = (user: TestUser) => `Basic ${Buffer.from(`${user.username}:correct horse`).toString('base64')}`;

/** A response as far as it got: status and headers, or `closed` when the server cut it first. */
interface Outcome {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One raw HTTP request (any Host header), its whole answer. */
function raw(
  port: number,
  opts: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: opts.method ?? 'GET', path: opts.path, headers: opts.headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/**
 * A git fetch that never finishes sending its request: a chunked POST to git-upload-pack that
 * writes one byte now and then (or never again). `answered` resolves with the answer's status as
 * soon as headers arrive, or 0 when the connection is cut without one.
 */
function slowUploadPack(port: number, sessionId: string, auth: string, byteEveryMs?: number) {
  const req = http.request({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path: `/git/${sessionId}.git/git-upload-pack`,
    headers: {
      authorization: auth,
      'content-type': 'application/x-git-upload-pack-request',
      'transfer-encoding': 'chunked',
    },
  });
  let timer: NodeJS.Timeout | undefined;
  let ended = false;
  const finished = new Promise<void>((resolve) => {
    req.on('close', () => {
      ended = true;
      clearInterval(timer);
      resolve();
    });
  });
  const answered = new Promise<Outcome>((resolve) => {
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', () => resolve({ status: 0, headers: {}, body: '' }));
  });
  req.write('0');
  if (byteEveryMs) timer = setInterval(() => req.write('0'), byteEveryMs);
  return {
    answered,
    finished,
    get ended() {
      return ended;
    },
    destroy() {
      clearInterval(timer);
      req.destroy();
    },
  };
}

/** Resolves with `p`, or with `fallback` after `ms` (a bound, never an assertion on time). */
function within<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  return Promise.race([p, new Promise<T>((resolve) => setTimeout(() => resolve(fallback), ms))]);
}

describe('security: git slots, limits, headers, links and names (HTTP)', function () {
  this.timeout(60_000);
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  describe('git transfer slots', () => {
    let t: TestServer;
    let attacker: TestUser;
    let victim: TestUser;
    let sessionId: string;
    before(async () => {
      // The shipped slot defaults: 8 on the server, 2 per account. The rate window is long here, so
      // the held requests stay held however slowly a loaded machine runs the test.
      t = await startServer({ env: { GIT_MIN_RATE_WINDOW_MS: '120000' } });
      [attacker, victim] = (await Promise.all([registerUser(t.url), registerUser(t.url)])) as [
        TestUser,
        TestUser,
      ];
      sessionId = (
        await createSession(t.url, victim, { members: [[attacker, 'viewer']], files: { 'a.txt': 'hello\n' } })
      ).id;
      expect(
        (await api(t.url, 'POST', `/api/sessions/${sessionId}/versions`, { token: victim.token })).status,
      ).to.equal(201);
    });
    after(() => t.close());

    it('8 slow requests from one account hold 2 slots, the other 6 get 429, and another account still clones', async () => {
      const held = Array.from({ length: 8 }, () => slowUploadPack(t.port, sessionId, basic(attacker)));
      try {
        // Six answers come back at once: refused. The two that hold a slot get nothing yet.
        const refused: Outcome[] = [];
        for (const h of held) void h.answered.then((o) => refused.push(o));
        const deadline = Date.now() + 15_000;
        while (refused.length < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        expect(refused.map((o) => o.status)).to.deep.equal([429, 429, 429, 429, 429, 429]);
        for (const o of refused) {
          expect(o.headers['retry-after']).to.equal('5');
          expect(o.body).to.match(/You already have 2 git transfers running/);
        }
        // git itself tells the attacker why.
        const third = await git([
          'ls-remote',
          cloneUrl(t.url, sessionId, attacker.username, 'correct horse'),
        ]);
        expect(third.code).to.not.equal(0);
        expect(third.stderr).to.match(/remote: You already have 2 git transfers running/);

        const clone = await git([
          'clone',
          cloneUrl(t.url, sessionId, victim.username, 'correct horse'),
          path.join(tempDir(), 'c'),
        ]);
        expect(clone.code, clone.stderr).to.equal(0);
      } finally {
        for (const h of held) h.destroy();
      }
    });
  });

  describe('minimum transfer rate', () => {
    it('a request sending a byte every 100 ms is cut off after the window and frees its slot', async () => {
      const t = await startServer({
        env: {
          MAX_CLONES_PER_USER: '1',
          GIT_MIN_BYTES_PER_SECOND: '1024',
          GIT_MIN_RATE_WINDOW_MS: '600',
          // Bytes keep coming, so the stall timer alone would never fire.
          GIT_IDLE_TIMEOUT_MS: '60000',
        },
      });
      try {
        const u = await registerUser(t.url);
        const s = await createSession(t.url, u, { files: { 'a.txt': 'x\n' } });
        const slow = slowUploadPack(t.port, s.id, basic(u), 100);
        const outcome = await within(
          slow.finished.then(() => 'cut'),
          10_000,
          'still open',
        );
        slow.destroy();
        expect(outcome).to.equal('cut');
        const answer = await within(slow.answered, 1000, { status: -1, headers: {}, body: '' });
        // Cut before http-backend answered: a readable 408; after: the connection is closed.
        if (answer.status === 408) expect(answer.body).to.match(/slower than 1024 bytes per second/);
        // Its one slot is free again.
        const ls = await git(['ls-remote', cloneUrl(t.url, s.id, u.username, 'correct horse')]);
        expect(ls.code, ls.stderr).to.equal(0);
      } finally {
        await t.close();
      }
    });
  });

  describe('a client that never reads', () => {
    it('a fetch whose answer is never read is cut off once nothing moves, and its slot is free', async function () {
      this.timeout(90_000);
      const t = await startServer({
        env: {
          MAX_CONCURRENT_CLONES: '1',
          GIT_MIN_BYTES_PER_SECOND: '1024',
          GIT_MIN_RATE_WINDOW_MS: '1000',
          GIT_IDLE_TIMEOUT_MS: '60000',
        },
      });
      let sock: net.Socket | undefined;
      try {
        const u = await registerUser(t.url);
        // A pack larger than what loopback socket buffers can hold: random text hardly compresses.
        const files: Record<string, string> = {};
        for (let i = 0; i < 4; i++)
          files[`big${i}.txt`] = crypto.randomBytes(3 * 1024 * 1024).toString('base64');
        const s = await createSession(t.url, u, { files });
        const saved = await api(t.url, 'POST', `/api/sessions/${s.id}/versions`, { token: u.token });
        expect(saved.status).to.equal(201);
        const want = `want ${saved.body.sha}\n`;
        const body = `${(want.length + 4).toString(16).padStart(4, '0')}${want}00000009done\n`;
        // A raw socket that sends the whole request and then never reads a byte of the answer.
        sock = net.connect(t.port, '127.0.0.1');
        sock.on('error', () => {});
        await new Promise((r) => sock!.once('connect', r));
        sock.pause();
        sock.write(
          `POST /git/${s.id}.git/git-upload-pack HTTP/1.1\r\nHost: x\r\nAuthorization: ${basic(u)}\r\n` +
            `Content-Type: application/x-git-upload-pack-request\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
        );
        // While it holds the only slot, others wait; once it is cut off, they get through.
        const url = cloneUrl(t.url, s.id, u.username, 'correct horse');
        let ok = false;
        const deadline = Date.now() + 30_000;
        while (!ok && Date.now() < deadline) {
          ok = (await git(['ls-remote', url])).code === 0;
          if (!ok) await new Promise((r) => setTimeout(r, 250));
        }
        expect(ok, 'the slot was freed').to.equal(true);
        expect(sock.readableLength + sock.bytesRead, 'the answer was being sent').to.be.greaterThan(0);
      } finally {
        sock?.destroy();
        await t.close();
      }
    });
  });

  describe('sessions per account', () => {
    it('an account owns at most MAX_SESSIONS_PER_USER sessions, even when it asks in parallel', async () => {
      const t = await startServer({ env: { MAX_SESSIONS_PER_USER: '3' } });
      try {
        const [greedy, other] = await Promise.all([registerUser(t.url), registerUser(t.url)]);
        const results = await Promise.all(
          Array.from({ length: 6 }, (_, i) =>
            api(t.url, 'POST', '/api/sessions', { token: greedy!.token, body: { name: `s${i}` } }),
          ),
        );
        const statuses = results.map((r) => r.status).sort();
        expect(statuses).to.deep.equal([201, 201, 201, 409, 409, 409]);
        const refused = results.find((r) => r.status === 409)!;
        expect(refused.body.error.code).to.equal('ERR_LIMIT_REACHED');
        expect(refused.body.error.message).to.match(/own 3 sessions/);
        const list = await api(t.url, 'GET', '/api/sessions', { token: greedy!.token });
        expect(list.body.sessions).to.have.length(3);
        // Others are not affected, and deleting one frees a place.
        expect(
          (await api(t.url, 'POST', '/api/sessions', { token: other!.token, body: { name: 'x' } })).status,
        ).to.equal(201);
        const gone = list.body.sessions[0].id;
        expect(
          (await api(t.url, 'DELETE', `/api/sessions/${gone}`, { token: greedy!.token })).status,
        ).to.equal(204);
        expect(
          (await api(t.url, 'POST', '/api/sessions', { token: greedy!.token, body: { name: 'again' } }))
            .status,
        ).to.equal(201);
      } finally {
        await t.close();
      }
    });
  });

  describe('security headers', () => {
    let t: TestServer;
    let owner: TestUser;
    let sessionId: string;
    let clientDir: string;
    before(async () => {
      // A stand-in for the built client, with the placeholder Vite's html.cspNonce writes.
      clientDir = tempDir('gitpad-fake-client-');
      dirs.push(clientDir);
      fs.mkdirSync(path.join(clientDir, 'assets'));
      fs.writeFileSync(
        path.join(clientDir, 'index.html'),
        `<!doctype html><html><head><meta property="csp-nonce" nonce="${CSP_NONCE_PLACEHOLDER}">` +
          `<script type="module" nonce="${CSP_NONCE_PLACEHOLDER}" src="/assets/app.js"></script></head>` +
          '<body><div id="app"></div></body></html>',
      );
      fs.writeFileSync(path.join(clientDir, 'assets', 'app.js'), 'console.log(1)');
      t = await startServer({ env: { CLIENT_DIR: clientDir } });
      owner = await registerUser(t.url);
      sessionId = (await createSession(t.url, owner)).id;
    });
    after(() => t.close());

    const common = (h: http.IncomingHttpHeaders, what: string) => {
      expect(h['content-security-policy'], what).to.be.a('string');
      expect(h['content-security-policy'], what).to.include("frame-ancestors 'none'");
      expect(h['x-frame-options'], what).to.equal('DENY');
      expect(h['x-content-type-options'], what).to.equal('nosniff');
      expect(h['referrer-policy'], what).to.equal('no-referrer');
      expect(h['strict-transport-security'], `${what}: no HSTS over plain http`).to.equal(undefined);
    };

    it('every kind of response carries them: API, errors, git, the client page and its assets', async () => {
      const auth = { authorization: `Bearer ${owner.token}` };
      const responses: Array<[string, Outcome]> = [
        ['health', await raw(t.port, { path: '/api/health' })],
        ['API', await raw(t.port, { path: `/api/sessions/${sessionId}`, headers: auth })],
        ['API 404', await raw(t.port, { path: '/api/nope', headers: auth })],
        ['API 401', await raw(t.port, { path: '/api/sessions' })],
        ['git 401', await raw(t.port, { path: `/git/${sessionId}.git/info/refs?service=git-upload-pack` })],
        [
          'git 200',
          await raw(t.port, {
            path: `/git/${sessionId}.git/info/refs?service=git-upload-pack`,
            headers: { authorization: basic(owner) },
          }),
        ],
        ['page', await raw(t.port, { path: '/s/some-session' })],
        ['asset', await raw(t.port, { path: '/assets/app.js' })],
      ];
      for (const [what, r] of responses) common(r.headers, what);
      expect(responses.find(([w]) => w === 'git 200')![1].status).to.equal(200);
      // Anything that is not the page may load nothing at all.
      expect(responses.find(([w]) => w === 'API')![1].headers['content-security-policy']).to.match(
        /^default-src 'none'/,
      );
    });

    it("the page's policy names a fresh nonce per load, written into the page; no 'unsafe-inline'", async () => {
      const nonces: string[] = [];
      for (let i = 0; i < 2; i++) {
        const page = await raw(t.port, { path: '/' });
        const csp = page.headers['content-security-policy'] as string;
        expect(csp).to.include("default-src 'self'");
        expect(csp).to.include("script-src 'self'");
        expect(csp).to.include("connect-src 'self'");
        expect(csp).to.include("object-src 'none'");
        expect(csp).to.not.include('unsafe-inline');
        expect(csp).to.not.include('unsafe-eval');
        const nonce = /style-src 'self' 'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)?.[1];
        expect(nonce, csp).to.be.a('string');
        expect(page.body).to.include(`<meta property="csp-nonce" nonce="${nonce}">`);
        expect(page.body).to.not.include(CSP_NONCE_PLACEHOLDER);
        nonces.push(nonce!);
      }
      expect(nonces[0]).to.not.equal(nonces[1]);
    });

    it('HSTS is sent when the server speaks TLS', async () => {
      const tls = tempDir('gitpad-tls-');
      dirs.push(tls);
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-subj',
          '/CN=localhost',
          '-days',
          '1',
          '-keyout',
          path.join(tls, 'key.pem'),
          '-out',
          path.join(tls, 'cert.pem'),
        ],
        { stdio: 'ignore' },
      );
      const s = await startServer({
        env: { TLS_CERT_FILE: path.join(tls, 'cert.pem'), TLS_KEY_FILE: path.join(tls, 'key.pem') },
      });
      try {
        const headers = await new Promise<http.IncomingHttpHeaders>((resolve, reject) => {
          https
            .get(
              { host: '127.0.0.1', port: s.port, path: '/api/health', rejectUnauthorized: false },
              (res) => {
                res.resume();
                resolve(res.headers);
              },
            )
            .on('error', reject);
        });
        expect(headers['strict-transport-security']).to.match(/^max-age=\d{7,}/);
        expect(headers['x-frame-options']).to.equal('DENY');
      } finally {
        await s.close();
      }
    });
  });

  describe('links never carry the Host header', () => {
    const forged = { host: 'evil.example:666' };

    it('invite links: from the address the request reached when PUBLIC_URL is unset', async () => {
      const t = await startServer();
      try {
        const owner = await registerUser(t.url);
        const s = await createSession(t.url, owner);
        const headers = {
          ...forged,
          authorization: `Bearer ${owner.token}`,
          'content-type': 'application/json',
        };
        const created = await raw(t.port, {
          method: 'POST',
          path: `/api/sessions/${s.id}/invites`,
          headers,
          body: JSON.stringify({ role: 'viewer' }),
        });
        expect(created.status).to.equal(201);
        const invite = JSON.parse(created.body);
        expect(invite.url).to.equal(`${t.url}/join/${invite.token}`);
        const list = await raw(t.port, { path: `/api/sessions/${s.id}/invites`, headers });
        expect(list.body).to.not.include('evil');
        expect(JSON.parse(list.body).invites[0].url).to.equal(invite.url);
        const info = await raw(t.port, { path: '/api/server-info', headers });
        expect(info.status).to.equal(200);
        expect(info.body).to.not.include('evil');
        expect(info.body).to.not.include('666');
        expect(JSON.parse(info.body)).to.include({ port: String(t.port), publicUrl: null });
      } finally {
        await t.close();
      }
    });

    it('invite links and the clone hint: PUBLIC_URL when configured', async () => {
      const t = await startServer({ env: { PUBLIC_URL: 'https://gitpad.example.lan/' } });
      try {
        const owner = await registerUser(t.url);
        const s = await createSession(t.url, owner);
        const headers = {
          ...forged,
          authorization: `Bearer ${owner.token}`,
          'content-type': 'application/json',
        };
        const created = await raw(t.port, {
          method: 'POST',
          path: `/api/sessions/${s.id}/invites`,
          headers,
          body: JSON.stringify({ role: 'editor' }),
        });
        const invite = JSON.parse(created.body);
        expect(invite.url).to.equal(`https://gitpad.example.lan/join/${invite.token}`);
        const info = JSON.parse((await raw(t.port, { path: '/api/server-info', headers })).body);
        expect(info.publicUrl).to.equal('https://gitpad.example.lan');
      } finally {
        await t.close();
      }
    });

    it('PUBLIC_URL must be an absolute http(s) origin', () => {
      const env = (v: string) => ({ PUBLIC_URL: v });
      expect(loadConfig(env('http://10.0.0.5:3000')).publicUrl).to.equal('http://10.0.0.5:3000');
      expect(loadConfig(env('https://gitpad.lan:443/')).publicUrl).to.equal('https://gitpad.lan');
      for (const bad of [
        'gitpad.lan',
        '/join',
        'ftp://gitpad.lan',
        'https://gitpad.lan/pad',
        'https://a@b.lan',
        'http://x/?q',
      ]) {
        expect(() => loadConfig(env(bad)), bad).to.throw(ConfigError, /PUBLIC_URL/);
      }
    });
  });

  describe('names git fsck --strict rejects, and .gitmodules, are refused at the door', () => {
    let t: TestServer;
    let owner: TestUser;
    let sessionId: string;
    let fileId: string;
    before(async () => {
      t = await startServer();
      owner = await registerUser(t.url);
      const s = await createSession(t.url, owner, { files: { 'ok.txt': 'fine\n' } });
      sessionId = s.id;
      fileId = s.files['ok.txt']!.id;
    });
    after(() => t.close());

    const hostileModules =
      '[submodule "../../../hooks"]\n\tpath = x\n\turl = --upload-pack=touch /tmp/pwned\n';
    const gitmodules = [
      '.gitmodules',
      '.GITMODULES',
      '.GitModules',
      '.gitmodules.',
      '.gitmodules ',
      '.gitmodules...  ',
      '.gitmodules::$DATA',
      'GITMOD~1',
      'gitmod~4',
      'gi7eba~1',
      '.g\u200citmodules',
      '.gitmodules\ufeff',
      'sub/.gitmodules',
      '.gitmodules/inner.txt',
    ];
    const dotgit = [
      '.git',
      '.GIT',
      '.Git',
      '.git.',
      '.git ',
      '.git. . ',
      '.git::$INDEX_ALLOCATION',
      'git~1',
      'GIT~1',
      'git~1.',
      'git~1 ',
      '.g\u200cit',
      '.gi\u200dt',
      '\u200e.git',
      '.git\u206f',
      '.gIt\ufeff',
      'a/.git/config',
      '.GIT/hooks/post-checkout',
      'git~1/config',
      '..',
      '.',
      'a/../b',
      './a',
      '',
      'a//b',
      '/abs',
      'dir/',
      'back\\slash',
      'nul\u0000byte',
    ];

    it('create: each gets 400 ERR_INVALID_PATH, and .gitmodules says why', async () => {
      for (const p of [...gitmodules, ...dotgit]) {
        const r = await api(t.url, 'POST', `/api/sessions/${sessionId}/files`, {
          token: owner.token,
          body: { path: p, content: hostileModules },
        });
        expect(r.status, JSON.stringify(p)).to.equal(400);
        expect(r.body.error.code, JSON.stringify(p)).to.equal('ERR_INVALID_PATH');
        // (Leading or trailing white space is refused first, for its own reason.)
        if (gitmodules.includes(p) && p === p.trim())
          expect(r.body.error.message, p).to.match(/cannot hold submodules/);
      }
    });

    it('rename: each gets 400 ERR_INVALID_PATH and the file keeps its name', async () => {
      // A rename resolves `./` and `../` from the file's folder, so `./a` is a valid move to `a`
      // there (move-and-download.test.ts); every other name is refused as at create.
      for (const p of [...gitmodules, ...dotgit].filter((p) => p !== './a')) {
        const r = await api(t.url, 'PATCH', `/api/sessions/${sessionId}/files/${fileId}`, {
          token: owner.token,
          body: { path: p },
        });
        expect(r.status, JSON.stringify(p)).to.equal(400);
        expect(r.body.error.code, JSON.stringify(p)).to.equal('ERR_INVALID_PATH');
      }
      const s = await api(t.url, 'GET', `/api/sessions/${sessionId}`, { token: owner.token });
      expect(s.body.files.map((f: { path: string }) => f.path)).to.deep.equal(['ok.txt']);
    });

    it('names that merely look alike still work, and the saved repo passes git fsck --strict', async () => {
      for (const p of [
        '.github/workflows/ci.yml',
        '.gitignore',
        'gitmodules',
        '.gitmodules-notes.md',
        'git~2',
        '.gitx',
      ]) {
        const r = await api(t.url, 'POST', `/api/sessions/${sessionId}/files`, {
          token: owner.token,
          body: { path: p, content: hostileModules },
        });
        expect(r.status, p).to.equal(201);
      }
      const saved = await api(t.url, 'POST', `/api/sessions/${sessionId}/versions`, {
        token: owner.token,
        body: { message: 'after the refusals' },
      });
      expect(saved.status).to.equal(201);
      const repo = path.join(t.reposDir, `${sessionId}.git`);
      const fsck = await git(['--git-dir', repo, 'fsck', '--strict', '--no-dangling']);
      expect(fsck.code, fsck.stdout + fsck.stderr).to.equal(0);
      expect(fsck.stdout + fsck.stderr).to.not.match(/error|warning/i);
      const ls = await git(['--git-dir', repo, 'ls-tree', '-r', '--name-only', 'HEAD']);
      expect(ls.stdout).to.not.match(/(^|\/)\.gitmodules$/im);
    });
  });
});
