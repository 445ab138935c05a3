/**
 * OpenID Connect sign-in against a real provider (oidc-provider) running in the test, driven over
 * HTTP by a cookie-keeping client that follows every redirect by hand and fills in the provider's
 * login form. Covers the account made at first sign-in, PKCE, nonce and state checks, the
 * one-time hand-off code, refusals at the provider, disabled accounts, `next`, git over HTTP with
 * a personal token, and a provider that is down.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import { FLOW_TTL_MS, HANDOFF_TTL_MS } from '../../src/auth/oidc.js';
import { cloneUrl, git, tempDir } from '../helpers/git-cli.js';
import { CookieBrowser } from '../helpers/oidc-browser.js';
import { type ProviderAccount, startProvider, type TestProvider } from '../helpers/oidc-provider.js';
import { api, registerUser, startServer, type TestServer, type TestUser } from '../helpers/server.js';

const alice: ProviderAccount = {
  sub: 'sub-alice-0001',
  username: 'alice',
  password: 'alice at the provider',
  name: 'Alice Liddell',
  email: 'alice@idp.example',
};
const bob: ProviderAccount = {
  sub: 'sub-bob-0002',
  username: 'bob',
  password: 'bob at the provider',
  name: 'Bob Builder',
  email: 'bob@idp.example',
};
const carol: ProviderAccount = {
  sub: 'sub-carol-0003',
  username: 'carol',
  password: 'carol at the provider',
  name: 'Carol',
  email: 'carol@idp.example',
};

/** What the login page's fragment says after a callback: `oidc` (a hand-off code) or `oidc_error`. */
function fragment(location: string | null): Record<string, string> {
  expect(location, 'callback redirect').to.be.a('string');
  const url = new URL(location!);
  expect(url.pathname).to.equal('/login');
  expect(url.search).to.equal('');
  return Object.fromEntries(new URLSearchParams(url.hash.slice(1)));
}

interface Flow {
  gitpad: TestServer;
  provider: TestProvider;
}

/** `GET /start` in `b`: the provider URL it redirects to. */
async function start(f: Flow, b: CookieBrowser, next?: string): Promise<URL> {
  const query = next === undefined ? '' : `?next=${encodeURIComponent(next)}`;
  const hop = await b.request(`${f.gitpad.url}/api/auth/oidc/start${query}`);
  expect(hop.status, hop.body).to.equal(302);
  expect(hop.location!.startsWith(`${f.provider.issuer}/`), hop.location!).to.equal(true);
  return new URL(hop.location!);
}

/** At the provider: signs in as `account` (or cancels) and returns the callback URL it sends the browser to. */
async function atProvider(
  f: Flow,
  b: CookieBrowser,
  authUrl: URL,
  account: ProviderAccount | 'cancel',
): Promise<URL> {
  const callback = `${f.gitpad.url}/api/auth/oidc/callback`;
  const isCallback = (u: string) => u.startsWith(callback);
  const form = await b.walk(authUrl.href, isCallback);
  expect(form.status, form.body).to.equal(200);
  const uid = /action="\/interaction\/([^/"]+)\/login"/.exec(form.body)?.[1];
  expect(uid, form.body).to.be.a('string');
  let hop =
    account === 'cancel'
      ? await b.request(`${f.provider.issuer}/interaction/${uid}/abort`)
      : await b.request(`${f.provider.issuer}/interaction/${uid}/login`, {
          form: { login: account.username, password: account.password },
        });
  while (hop.location && !isCallback(hop.location)) hop = await b.request(hop.location);
  expect(hop.location, hop.body).to.be.a('string');
  return new URL(hop.location!);
}

/** The whole flow in a fresh browser: the hand-off code, or the error the login page is given. */
async function signIn(f: Flow, account: ProviderAccount | 'cancel', next?: string) {
  const b = new CookieBrowser();
  const authUrl = await start(f, b, next);
  const callbackUrl = await atProvider(f, b, authUrl, account);
  return fragment((await b.request(callbackUrl.href)).location);
}

async function exchange(f: Flow, code: string | undefined) {
  return api(f.gitpad.url, 'POST', '/api/auth/oidc/exchange', { body: { code } });
}

/** The whole flow and the exchange: the Gitpad token and user. */
async function signedIn(f: Flow, account: ProviderAccount, next?: string) {
  const { oidc } = await signIn(f, account, next);
  expect(oidc, 'hand-off code').to.be.a('string');
  const res = await exchange(f, oidc);
  expect(res.status, JSON.stringify(res.body)).to.equal(200);
  return res.body as {
    token: string;
    user: { id: string; username: string; displayName: string };
    next: string;
  };
}

describe('OpenID Connect sign-in (confidential client, real provider)', function () {
  this.timeout(30_000);
  const f = {} as Flow;
  let admin: TestUser;

  before(async () => {
    f.provider = await startProvider([alice, bob, carol]);
    f.gitpad = await startServer({
      env: {
        OIDC_ISSUER: f.provider.issuer,
        OIDC_CLIENT_ID: 'gitpad-test',
        OIDC_CLIENT_SECRET: 'a client secret only the two servers know',
        OIDC_BUTTON_LABEL: 'Test IdP',
      },
    });
    f.provider.configure({
      clientId: 'gitpad-test',
      clientSecret: 'a client secret only the two servers know',
      redirectUri: `${f.gitpad.url}/api/auth/oidc/callback`,
    });
    // The store's first account is its admin: a local one, so OIDC accounts are ordinary.
    admin = await registerUser(f.gitpad.url, 'admin');
  });

  after(async () => {
    await f.gitpad?.close();
    await f.provider?.close();
  });

  const userCount = () => f.gitpad.server.services.store.users.count();

  it('the sign-in policy offers the provider’s button, beside local passwords', async () => {
    const policy = await api(f.gitpad.url, 'GET', '/api/auth/policy');
    expect(policy.body.methods).to.deep.include({ password: true, oidc: { label: 'Test IdP' } });
  });

  it('first sign-in creates the account from the provider’s claims; the next one signs into the same account', async () => {
    const before = await userCount();
    const first = await signedIn(f, alice);
    expect(first.user).to.include({ username: 'alice', displayName: 'Alice Liddell' });
    expect(first.next).to.equal('/');
    const me = await api(f.gitpad.url, 'GET', '/api/auth/me', { token: first.token });
    expect(me.status).to.equal(200);
    expect(me.body.user).to.include({ id: first.user.id, username: 'alice' });
    const record = await f.gitpad.server.services.store.users.byId(first.user.id);
    expect(record).to.include({
      source: 'oidc',
      externalId: `${f.provider.issuer} ${alice.sub}`,
      isAdmin: false,
    });
    expect(await userCount()).to.equal(before + 1);

    const second = await signedIn(f, alice);
    expect(second.user.id).to.equal(first.user.id);
    expect(second.token).to.not.equal(first.token);
    expect(await userCount()).to.equal(before + 1);
  });

  it('sends a PKCE S256 challenge, and the code exchange carries the verifier the provider checks', async () => {
    const b = new CookieBrowser();
    const authUrl = await start(f, b);
    expect(authUrl.searchParams.get('code_challenge_method')).to.equal('S256');
    expect(authUrl.searchParams.get('code_challenge')).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(authUrl.searchParams.get('nonce')).to.be.a('string');
    expect(authUrl.searchParams.get('state')).to.be.a('string');
    const seen = f.provider.tokenRequests.length;
    const callbackUrl = await atProvider(f, b, authUrl, bob);
    const { oidc } = fragment((await b.request(callbackUrl.href)).location);
    expect(oidc).to.be.a('string');
    const sent = f.provider.tokenRequests.slice(seen);
    expect(sent).to.have.length(1);
    expect(sent[0]!.codeVerifier).to.match(/^[A-Za-z0-9_-]{43,128}$/);

    // A challenge swapped on the way (an attacker's): the verifier no longer matches, no sign-in.
    const b2 = new CookieBrowser();
    const tampered = await start(f, b2);
    tampered.searchParams.set('code_challenge', 'A'.repeat(43));
    const cb = await atProvider(f, b2, tampered, bob);
    expect(fragment((await b2.request(cb.href)).location)).to.deep.equal({ oidc_error: 'ERR_OIDC_INVALID' });

    // Without any challenge the provider (which requires PKCE) refuses before anyone signs in.
    const b3 = new CookieBrowser();
    const bare = await start(f, b3);
    bare.searchParams.delete('code_challenge');
    bare.searchParams.delete('code_challenge_method');
    const refused = await b3.walk(bare.href, (u) => u.startsWith(`${f.gitpad.url}/api/auth/oidc/callback`));
    expect(new URL(refused.location!).searchParams.get('error')).to.equal('invalid_request');
    expect(fragment((await b3.request(refused.location!)).location)).to.deep.equal({
      oidc_error: 'ERR_OIDC_DENIED',
    });
  });

  it('refuses an ID token whose nonce is not the one this sign-in sent', async () => {
    const before = await userCount();
    const b = new CookieBrowser();
    const authUrl = await start(f, b);
    authUrl.searchParams.set('nonce', 'a-nonce-the-attacker-chose');
    const cb = await atProvider(f, b, authUrl, carol);
    expect(fragment((await b.request(cb.href)).location)).to.deep.equal({ oidc_error: 'ERR_OIDC_INVALID' });
    expect(await userCount()).to.equal(before);
  });

  it('refuses a tampered callback: another code, another issuer', async () => {
    for (const [param, value] of [
      ['code', 'not-the-code-the-provider-gave'],
      ['iss', 'http://evil.example'],
    ] as const) {
      const b = new CookieBrowser();
      const cb = await atProvider(f, b, await start(f, b), carol);
      cb.searchParams.set(param, value);
      expect(fragment((await b.request(cb.href)).location), param).to.deep.equal({
        oidc_error: 'ERR_OIDC_INVALID',
      });
    }
    expect(await f.gitpad.server.services.store.users.byUsername('carol')).to.equal(null);
  });

  it('refuses a wrong state, a replayed callback, and a callback finished in another browser', async () => {
    // State altered.
    const b1 = new CookieBrowser();
    const cb1 = await atProvider(f, b1, await start(f, b1), alice);
    const genuine = cb1.href;
    cb1.searchParams.set('state', 'forged-state');
    expect(fragment((await b1.request(cb1.href)).location)).to.deep.equal({ oidc_error: 'ERR_OIDC_STATE' });
    // …and the pending sign-in is used up: the genuine callback no longer works either.
    expect(fragment((await b1.request(genuine)).location)).to.deep.equal({ oidc_error: 'ERR_OIDC_STATE' });

    // Replayed: the same callback with the same cookie, after it signed someone in.
    const b2 = new CookieBrowser();
    const cb2 = await atProvider(f, b2, await start(f, b2), alice);
    const stolen = b2.clone();
    expect(fragment((await b2.request(cb2.href)).location).oidc).to.be.a('string');
    expect(fragment((await stolen.request(cb2.href)).location)).to.deep.equal({
      oidc_error: 'ERR_OIDC_STATE',
    });

    // Login CSRF: an attacker's own callback URL opened in the victim's browser (no pending sign-in there).
    const attacker = new CookieBrowser();
    const cb3 = await atProvider(f, attacker, await start(f, attacker), bob);
    const victim = new CookieBrowser();
    expect(fragment((await victim.request(cb3.href)).location)).to.deep.equal({
      oidc_error: 'ERR_OIDC_STATE',
    });
    // Nor does a victim with a sign-in of their own pending accept the attacker's state.
    await start(f, victim);
    expect(fragment((await victim.request(cb3.href)).location)).to.deep.equal({
      oidc_error: 'ERR_OIDC_STATE',
    });
  });

  it('hands the token over once: a replayed, unknown or malformed hand-off code is refused', async () => {
    const { oidc } = await signIn(f, bob);
    const first = await exchange(f, oidc);
    expect(first.status).to.equal(200);
    expect(first.body.token).to.be.a('string');
    const again = await exchange(f, oidc);
    expect(again.status).to.equal(400);
    expect(again.body.error.code).to.equal('ERR_OIDC_STATE');
    expect((await exchange(f, 'x'.repeat(43))).body.error.code).to.equal('ERR_OIDC_STATE');
    const malformed = await exchange(f, undefined);
    expect(malformed.status).to.equal(400);
    expect(malformed.body.error.code).to.equal('ERR_VALIDATION');
  });

  it('never puts the Gitpad token in a URL: the callback redirect carries only a one-time code', async () => {
    const b = new CookieBrowser();
    const cb = await atProvider(f, b, await start(f, b), bob);
    const hop = await b.request(cb.href);
    expect(hop.status).to.equal(302);
    const { oidc } = fragment(hop.location);
    expect(oidc).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(hop.location).to.not.match(/eyJ/); // no JWT anywhere in it
    // The pending sign-in's cookie is HttpOnly, Lax, and scoped to these routes.
    const res = await fetch(`${f.gitpad.url}/api/auth/oidc/start`, { redirect: 'manual' });
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('gitpad_oidc='));
    expect(cookie).to.match(/httponly/i);
    expect(cookie).to.match(/samesite=lax/i);
    expect(cookie).to.match(/path=\/api\/auth\/oidc/i);
    expect(res.status).to.equal(302);
  });

  it('refuses a sign-in finished after 10 minutes, and a one-time code used after 60 seconds', async () => {
    const realNow = Date.now;
    /** Runs `fn` with this process's clock `ms` ahead (the server runs in this process). */
    const later = async <T>(ms: number, fn: () => Promise<T>): Promise<T> => {
      Date.now = () => realNow() + ms;
      try {
        return await fn();
      } finally {
        Date.now = realNow;
      }
    };
    const b = new CookieBrowser();
    const cb = await atProvider(f, b, await start(f, b), bob);
    const slow = await later(FLOW_TTL_MS + 1000, () => b.request(cb.href));
    expect(fragment(slow.location)).to.deep.equal({ oidc_error: 'ERR_OIDC_STATE' });

    const { oidc } = await signIn(f, bob);
    const stale = await later(HANDOFF_TTL_MS + 1000, () => exchange(f, oidc));
    expect(stale.status).to.equal(400);
    expect(stale.body.error.code).to.equal('ERR_OIDC_STATE');
    // Used up by that attempt too.
    expect((await exchange(f, oidc)).body.error.code).to.equal('ERR_OIDC_STATE');
  });

  it('shows a refusal at the provider (access_denied) on the login page', async () => {
    const before = await userCount();
    expect(await signIn(f, 'cancel')).to.deep.equal({ oidc_error: 'ERR_OIDC_DENIED' });
    expect(await userCount()).to.equal(before);
  });

  it('refuses a disabled account, at sign-in and at the hand-off', async () => {
    const carolIn = await signedIn(f, carol);
    // Disabled between the callback and the exchange.
    const { oidc } = await signIn(f, carol);
    const patch = await api(f.gitpad.url, 'PATCH', `/api/admin/users/${carolIn.user.id}`, {
      token: admin.token,
      body: { disabled: true },
    });
    expect(patch.status, JSON.stringify(patch.body)).to.equal(200);
    const late = await exchange(f, oidc);
    expect(late.status).to.equal(403);
    expect(late.body.error.code).to.equal('ERR_ACCOUNT_DISABLED');
    // Disabled before signing in.
    expect(await signIn(f, carol)).to.deep.equal({ oidc_error: 'ERR_ACCOUNT_DISABLED' });
    await api(f.gitpad.url, 'PATCH', `/api/admin/users/${carolIn.user.id}`, {
      token: admin.token,
      body: { disabled: false },
    });
    expect((await signedIn(f, carol)).user.id).to.equal(carolIn.user.id);
  });

  it('comes back to a `next` on this site, and never to another site', async () => {
    expect((await signedIn(f, alice, '/s/abc123?file=x#L3')).next).to.equal('/s/abc123?file=x#L3');
    for (const evil of [
      '//evil.example/x',
      '/\\evil.example',
      'https://evil.example/',
      'javascript:alert(1)',
      '/\t/evil',
    ]) {
      expect((await signedIn(f, alice, evil)).next, evil).to.equal('/');
    }
  });

  it('an OIDC account makes a personal token and clones a session over HTTP with it', async () => {
    const { token, user } = await signedIn(f, bob);
    const session = await api(f.gitpad.url, 'POST', '/api/sessions', { token, body: { name: 'from sso' } });
    expect(session.status).to.equal(201);
    const file = await api(f.gitpad.url, 'POST', `/api/sessions/${session.body.id}/files`, {
      token,
      body: { path: 'hello.txt', content: 'signed in with OIDC\n' },
    });
    expect(file.status).to.equal(201);
    expect(
      (
        await api(f.gitpad.url, 'POST', `/api/sessions/${session.body.id}/versions`, {
          token,
          body: { message: 'v1' },
        })
      ).status,
    ).to.equal(201);
    const pat = await api(f.gitpad.url, 'POST', '/api/tokens', { token, body: { name: 'laptop' } });
    expect(pat.status, JSON.stringify(pat.body)).to.equal(201);
    const dir = tempDir();
    try {
      const out = path.join(dir, 'c');
      const ok = await git([
        'clone',
        cloneUrl(f.gitpad.url, session.body.id, user.username, pat.body.token),
        out,
      ]);
      expect(ok.code, ok.stderr).to.equal(0);
      expect(fs.readFileSync(path.join(out, 'hello.txt'), 'utf8')).to.equal('signed in with OIDC\n');
      // The account has no password: nothing but the token gets in.
      const refused = await git([
        'clone',
        cloneUrl(f.gitpad.url, session.body.id, user.username, ''),
        path.join(dir, 'd'),
      ]);
      expect(refused.code).to.not.equal(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('OpenID Connect sign-in: provider down, public client', function () {
  this.timeout(30_000);

  it('boots with an unreachable issuer and answers ERR_DIRECTORY_UNAVAILABLE at sign-in', async () => {
    // A port nothing listens on.
    const probe = http.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((r) => probe.close(() => r()));
    const gitpad = await startServer({
      env: { OIDC_ISSUER: `http://127.0.0.1:${port}`, OIDC_CLIENT_ID: 'gitpad' },
    });
    try {
      const json = await api(gitpad.url, 'GET', '/api/auth/oidc/start', {
        headers: { accept: 'application/json' },
      });
      expect(json.status).to.equal(503);
      expect(json.body.error.code).to.equal('ERR_DIRECTORY_UNAVAILABLE');
      const page = await new CookieBrowser().request(`${gitpad.url}/api/auth/oidc/start`, {
        headers: { accept: 'text/html' },
      });
      expect(page.status).to.equal(302);
      expect(fragment(page.location)).to.deep.equal({ oidc_error: 'ERR_DIRECTORY_UNAVAILABLE' });
      expect((await api(gitpad.url, 'GET', '/api/health')).status).to.be.oneOf([200, 204]);
      // Starting sign-ins is rate limited per IP address (each keeps server memory until it expires).
      const codes: string[] = [];
      for (let i = 0; i < 130; i++) {
        const r = await api(gitpad.url, 'GET', '/api/auth/oidc/start', {
          headers: { accept: 'application/json' },
        });
        codes.push(r.body.error.code);
      }
      expect(codes).to.include('ERR_RATE_LIMITED');
    } finally {
      await gitpad.close();
    }
  });

  it('gives up on a provider that never answers within OIDC_DISCOVERY_TIMEOUT_MS', async () => {
    const silent = http.createServer(() => {}); // accepts, never answers
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as AddressInfo;
    const gitpad = await startServer({
      env: {
        OIDC_ISSUER: `http://127.0.0.1:${port}`,
        OIDC_CLIENT_ID: 'gitpad',
        OIDC_DISCOVERY_TIMEOUT_MS: '300',
      },
    });
    try {
      const t0 = Date.now();
      const res = await api(gitpad.url, 'GET', '/api/auth/oidc/start', {
        headers: { accept: 'application/json' },
      });
      expect(res.status).to.equal(503);
      expect(res.body.error.code).to.equal('ERR_DIRECTORY_UNAVAILABLE');
      expect(Date.now() - t0).to.be.below(3000);
    } finally {
      await gitpad.close();
      silent.closeAllConnections();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });

  it('tries discovery again once the provider is up, and signs a public client in with PKCE alone', async () => {
    const provider = await startProvider([alice]);
    const gitpad = await startServer({
      env: { OIDC_ISSUER: provider.issuer, OIDC_CLIENT_ID: 'gitpad-public' },
    });
    const f: Flow = { gitpad, provider };
    try {
      // Not configured yet: the provider answers 503 to discovery.
      const down = await api(gitpad.url, 'GET', '/api/auth/oidc/start', {
        headers: { accept: 'application/json' },
      });
      expect(down.body.error.code).to.equal('ERR_DIRECTORY_UNAVAILABLE');
      provider.configure({ clientId: 'gitpad-public', redirectUri: `${gitpad.url}/api/auth/oidc/callback` });
      const { user } = await signedIn(f, alice);
      expect(user.username).to.equal('alice');
    } finally {
      await gitpad.close();
      await provider.close();
    }
  });

  it('is absent when not configured', async () => {
    const gitpad = await startServer();
    try {
      const res = await api(gitpad.url, 'GET', '/api/auth/oidc/start', {
        headers: { accept: 'application/json' },
      });
      expect(res.status).to.equal(404);
      expect(res.body.error.code).to.equal('ERR_NOT_FOUND');
      expect((await api(gitpad.url, 'GET', '/api/auth/policy')).body.methods.oidc).to.equal(null);
    } finally {
      await gitpad.close();
    }
  });
});
