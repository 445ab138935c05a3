/**
 * OpenID Connect sign-in in headless Chromium against a real provider (oidc-provider) running in
 * the test: the login page's button goes to the provider, the person signs in there, and lands in
 * Gitpad signed in, where they were going, with nothing left in the address bar; a cancel at the
 * provider comes back as a sentence; with local passwords off, only the button is offered.
 */
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import {
  type ProviderAccount,
  startProvider,
  type TestProvider,
} from '../../../server/test/helpers/oidc-provider';
import { registerUser } from '../../../server/test/helpers/server';
import { ARTIFACTS, api, type Harness, hasChromium, startHarness } from './harness';

const dana: ProviderAccount = {
  sub: 'sub-dana-1',
  username: 'dana',
  password: 'dana at the provider',
  name: 'Dana Scully',
  email: 'dana@idp.example',
};

/** A provider and a Gitpad (serving the built client) that trust each other. */
async function startPair(env: Record<string, string> = {}): Promise<{ provider: TestProvider; h: Harness }> {
  const provider = await startProvider([dana]);
  const h = await startHarness({
    env: {
      OIDC_ISSUER: provider.issuer,
      OIDC_CLIENT_ID: 'gitpad-browser',
      OIDC_BUTTON_LABEL: 'Test IdP',
      ...env,
    },
  });
  provider.configure({ clientId: 'gitpad-browser', redirectUri: `${h.server.url}/api/auth/oidc/callback` });
  return { provider, h };
}

async function newPage(browser: Browser, baseURL: string): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ baseURL, viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return { page, errors };
}

/** At the provider's login page: signs in as `account`. */
async function signInAtProvider(page: Page, account: ProviderAccount): Promise<void> {
  await page.getByLabel('Provider username').fill(account.username);
  await page.getByLabel('Provider password').fill(account.password);
  await page.getByRole('button', { name: 'Sign in at provider' }).click();
}

(hasChromium ? describe : describe.skip)('browser: sign in with OpenID Connect', function () {
  this.timeout(180_000);
  let provider: TestProvider;
  let h: Harness;

  before(async function () {
    this.timeout(180_000);
    ({ provider, h } = await startPair());
    // The server's first account (its admin) is a local one.
    await registerUser(h.server.url, 'admin');
  });

  after(async () => {
    await h?.close();
    await provider?.close();
  });

  it('clicks the button, signs in at the provider and lands in Gitpad signed in, where they were going', async () => {
    const { page, errors } = await newPage(h.browser, h.server.url);
    await page.goto('/settings');
    await page.waitForURL((url) => url.pathname === '/login' && url.searchParams.get('next') === '/settings');
    const button = page.getByRole('link', { name: 'Sign in with Test IdP' });
    await button.waitFor();
    // Both ways in are offered.
    expect(await page.getByLabel('Password').count()).to.equal(1);
    await page.screenshot({ path: `${ARTIFACTS}login-oidc.png` });
    await button.click();
    await page.waitForURL((url) => url.origin === provider.issuer);
    await signInAtProvider(page, dana);
    await page.waitForURL((url) => url.origin === h.server.url && url.pathname === '/settings');
    // Nothing of the hand-off stays in the address bar or the history entry.
    expect(new URL(page.url()).hash).to.equal('');
    const me = JSON.parse((await api(page, 'GET', '/api/auth/me')).body).user;
    expect(me).to.include({ username: 'dana', displayName: 'Dana Scully' });
    // The token is kept as a password sign-in's is: a reload stays signed in.
    await page.reload();
    await page.waitForURL((url) => url.pathname === '/settings');
    expect(errors).to.deep.equal([]);
    await page.context().close();
  });

  it('shows a cancel at the provider as a readable message on the login page', async () => {
    const { page, errors } = await newPage(h.browser, h.server.url);
    await page.goto('/login');
    await page.getByRole('link', { name: 'Sign in with Test IdP' }).click();
    await page.waitForURL((url) => url.origin === provider.issuer);
    await page.getByRole('link', { name: 'Cancel' }).click();
    await page.waitForURL((url) => url.origin === h.server.url && url.pathname === '/login');
    const alert = page.getByTestId('auth-error');
    await alert.waitFor();
    expect(await alert.textContent()).to.equal('Sign-in was cancelled or refused at the identity provider.');
    expect(new URL(page.url()).hash).to.equal('');
    expect(await page.evaluate(() => localStorage.getItem('gitpad.token'))).to.equal(null);
    expect(errors).to.deep.equal([]);
    await page.context().close();
  });
});

(hasChromium ? describe : describe.skip)('browser: OpenID Connect with local passwords off', function () {
  this.timeout(180_000);
  let provider: TestProvider;
  let h: Harness;

  before(async function () {
    this.timeout(180_000);
    ({ provider, h } = await startPair({ AUTH_LOCAL_PASSWORDS: 'off' }));
  });

  after(async () => {
    await h?.close();
    await provider?.close();
  });

  it('offers only the button, and signs in through it', async () => {
    const { page, errors } = await newPage(h.browser, h.server.url);
    await page.goto('/login');
    const button = page.getByRole('link', { name: 'Sign in with Test IdP' });
    await button.waitFor();
    expect(await page.getByLabel('Password').count()).to.equal(0);
    expect(await page.getByTestId('register-link').count()).to.equal(0);
    await page.screenshot({ path: `${ARTIFACTS}login-oidc-only.png` });
    await button.click();
    await signInAtProvider(page, dana);
    await page.waitForURL((url) => url.origin === h.server.url && url.pathname === '/');
    const me = JSON.parse((await api(page, 'GET', '/api/auth/me')).body).user;
    expect(me.username).to.equal('dana');
    expect(errors).to.deep.equal([]);
    await page.context().close();
  });
});
