/**
 * Signing in with a directory account through the login form, in a real browser against a real
 * server and a real slapd (server/test/helpers/slapd.ts): the form says to use the directory
 * account, a wrong password is said in words, the right one lands on the session list with the
 * account made; the admin page shows each account's source and offers no password reset for a
 * directory account. With local passwords off, the register link and page say accounts come from
 * the directory.
 */
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import {
  LDAP_BASE,
  LDAP_ROOT_DN,
  LDAP_ROOT_PASSWORD,
  type Slapd,
  startSlapd,
} from '../../../server/test/helpers/slapd';
import { ARTIFACTS, browserSuite, hasChromium } from './harness';

const PEOPLE = `ou=people,${LDAP_BASE}`;
const DIRECTORY = `dn: ${PEOPLE}
objectClass: organizationalUnit
ou: people

dn: uid=ada,${PEOPLE}
objectClass: inetOrgPerson
uid: ada
cn: Ada Lovelace
sn: Lovelace
mail: ada@example.org
userPassword: ada-password

dn: uid=grace,${PEOPLE}
objectClass: inetOrgPerson
uid: grace
cn: Grace Hopper
sn: Hopper
userPassword: grace-password
`;

/** Signs in through the login form of a fresh browser context; returns its page. */
async function signIn(
  suite: ReturnType<typeof browserSuite>,
  username: string,
  password: string,
): Promise<Page> {
  const context = await suite.h.browser.newContext({ baseURL: suite.h.server.url });
  const page = await context.newPage();
  await page.goto('/login');
  await page.getByTestId('ldap-hint').waitFor();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  return page;
}

/** Settings shared by both suites; filled with the directory's address before the server starts. */
function ldapSettings(): Record<string, string> {
  // The directory lets no one search anonymously: the server searches as the directory's root.
  return { LDAP_SEARCH_BASE: PEOPLE, LDAP_BIND_DN: LDAP_ROOT_DN, LDAP_BIND_PASSWORD: LDAP_ROOT_PASSWORD };
}

(hasChromium ? describe : describe.skip)('browser: LDAP sign-in', function () {
  this.timeout(120_000);
  let slapd: Slapd;
  const env = ldapSettings();
  // Registered before browserSuite's hooks, so the directory is up when the server starts.
  before(async function () {
    this.timeout(30_000);
    slapd = await startSlapd(DIRECTORY);
    env.LDAP_URL = slapd.url;
  });
  const suite = browserSuite({ env, expectedErrors: /status of 401/ });
  after(async () => {
    await slapd?.stop();
  });

  it('signs in with the directory account through the login form; the admin page shows the source', async () => {
    const wrong = await signIn(suite, 'ada', 'not-her-password');
    await wrong.getByTestId('auth-error').waitFor();
    expect(await wrong.getByTestId('auth-error').textContent()).to.equal('Wrong username or password.');
    expect(wrong.url()).to.match(/\/login/);
    // Local passwords are on here too: registering stays offered.
    expect(await wrong.getByTestId('register-link').count()).to.equal(1);
    await wrong.context().close();

    // The first account on the server: made at this sign-in, and its admin.
    const ada = await signIn(suite, 'ada', 'ada-password');
    await ada.waitForURL((url) => url.pathname === '/');
    const grace = await signIn(suite, 'grace', 'grace-password');
    await grace.waitForURL((url) => url.pathname === '/');
    await grace.context().close();

    await ada.getByTestId('admin-nav').click();
    await ada.waitForURL(/\/admin$/);
    const graceRow = ada.locator('[data-testid=user-row][data-username="grace"]');
    await graceRow.waitFor();
    expect(await graceRow.getByTestId('user-source').textContent()).to.equal('LDAP');
    expect(await graceRow.textContent()).to.include('Grace Hopper');
    // A directory account has no password here to reset; disabling is still offered.
    expect(await graceRow.getByTestId('user-reset').count()).to.equal(0);
    expect(await graceRow.getByTestId('user-disable').count()).to.equal(1);
    await ada.screenshot({ path: `${ARTIFACTS}admin-ldap.png`, fullPage: true });
    await ada.context().close();
  });
});

(hasChromium ? describe : describe.skip)('browser: LDAP only (AUTH_LOCAL_PASSWORDS=off)', function () {
  this.timeout(120_000);
  let slapd: Slapd;
  const env = { ...ldapSettings(), AUTH_LOCAL_PASSWORDS: 'off' };
  before(async function () {
    this.timeout(30_000);
    slapd = await startSlapd(DIRECTORY);
    env.LDAP_URL = slapd.url;
  });
  const suite = browserSuite({ env });
  after(async () => {
    await slapd?.stop();
  });

  it('offers no registration, and the directory account signs in', async () => {
    const context = await suite.h.browser.newContext({ baseURL: suite.h.server.url });
    const page = await context.newPage();
    await page.goto('/login');
    await page.getByTestId('ldap-hint').waitFor();
    expect(await page.getByTestId('register-link').count()).to.equal(0);
    await page.goto('/register');
    await page.getByTestId('registration-off').waitFor();
    expect(await page.getByRole('button', { name: 'Create account' }).count()).to.equal(0);
    await page.screenshot({ path: `${ARTIFACTS}register-ldap-only.png` });
    await context.close();

    const ada = await signIn(suite, 'ada', 'ada-password');
    await ada.waitForURL((url) => url.pathname === '/');
    await ada.context().close();
  });
});
