/**
 * The admin page in a real browser against a real server: only admins reach it; it lists accounts,
 * sessions with their size, and disk use; disabling an account signs it out and enabling lets it
 * back; a reset password is shown once and works; the registration policy is set here.
 */
import { expect } from 'chai';
import { ARTIFACTS, api, browserSuite, eventually, hasChromium, type Person, register } from './harness';

(hasChromium ? describe : describe.skip)('browser: admin page', function () {
  this.timeout(90_000);
  // A signed-out account's requests answer 401 on purpose; the browser logs them.
  const suite = browserSuite({ expectedErrors: /status of 401/ });
  /** The server's first account: its admin (its browser closes with the harness). */
  let root: Person;

  before(async () => {
    root = await register(suite.h, 'root');
  });

  it('is for admins only: others have no link and are sent back from /admin', async () => {
    const bea = await suite.person('bea');
    expect(await bea.page.getByTestId('admin-nav').count()).to.equal(0);
    await bea.page.goto('/admin');
    await bea.page.waitForURL((url) => url.pathname === '/');
    expect(await bea.page.getByText('Server admin').count()).to.equal(0);
  });

  it('lists accounts, sessions and disk use; disables, enables, resets and sets the registration policy', async () => {
    const kim = await suite.person('kim');
    const created = JSON.parse(
      (await api(kim.page, 'POST', '/api/sessions', { name: 'Kim’s work' })).body,
    ) as {
      id: string;
    };
    for (const path of ['a.py', 'b.py'])
      expect(
        (await api(kim.page, 'POST', `/api/sessions/${created.id}/files`, { path, content: 'print(1)\n' }))
          .status,
      ).to.equal(201);
    expect(
      (await api(kim.page, 'POST', `/api/sessions/${created.id}/versions`, { message: 'v1' })).status,
    ).to.equal(201);

    const page = root.page;
    await page.goto('/');
    await page.getByTestId('admin-nav').click();
    await page.waitForURL(/\/admin$/);
    const kimRow = page.locator(`[data-testid=user-row][data-username="${kim.username}"]`);
    await kimRow.waitFor();
    const sessionRow = page.locator(`[data-testid=session-row][data-session="${created.id}"]`);
    await sessionRow.waitFor();
    expect(await sessionRow.getByTestId('session-files').textContent()).to.equal('2');
    expect(await sessionRow.getByTestId('session-bytes').textContent()).to.match(/^\d+(\.\d)? (KiB|MiB)$/);
    expect(await sessionRow.textContent()).to.include(kim.username);
    expect(await page.getByTestId('disk').textContent())
      .to.include(suite.h.server.dataDir)
      .and.include(suite.h.server.reposDir);
    await page.screenshot({ path: `${ARTIFACTS}admin.png`, fullPage: true });

    // Disable: asked first, then Kim is signed out and cannot sign in.
    await kimRow.getByTestId('user-disable').click();
    await page.getByTestId('confirm').click();
    await kimRow.getByTestId('user-disabled').waitFor();
    expect((await api(kim.page, 'GET', '/api/auth/me')).status).to.equal(401);
    const login = (password: string) =>
      page.evaluate(
        async ([username, password]) =>
          (
            await fetch('/api/auth/login', {
              method: 'POST',
              headers: { 'Content-Type': 'application/json' },
              body: JSON.stringify({ username, password }),
            })
          ).status,
        [kim.username, password] as const,
      );
    expect(await login('correct horse battery staple')).to.equal(403);

    // Enable, then reset the password: the new one is shown once and works; the old one does not.
    await kimRow.getByTestId('user-enable').click();
    await eventually(
      () => kimRow.getByTestId('user-disabled').count(),
      (n) => n === 0,
    );
    expect(await login('correct horse battery staple')).to.equal(200);
    await kimRow.getByTestId('user-reset').click();
    await page.getByTestId('confirm').click();
    const fresh = await page.getByTestId('reset-password-value').inputValue();
    expect(fresh).to.match(/^[A-Za-z0-9_-]{20}$/);
    expect(await login('correct horse battery staple')).to.equal(401);
    expect(await login(fresh)).to.equal(200);
    await page.getByRole('button', { name: 'Done' }).click();
    expect(await page.getByTestId('fresh-password').count()).to.equal(0);

    // Make Kim an admin.
    await kimRow.getByTestId('user-admin').click();
    await page.getByTestId('confirm').click();
    await eventually(
      () => kimRow.getByTestId('user-admin').textContent(),
      (t) => t?.trim() === 'Remove admin',
    );

    // Registration: invitation only, then open again.
    const policy = async () => JSON.parse((await api(page, 'GET', '/api/auth/policy')).body).registration;
    await page.locator('input[name=registration][value=invite]').check();
    await eventually(policy, (r) => r === 'invite');
    await page.locator('input[name=registration][value=open]').check();
    await eventually(policy, (r) => r === 'open');
    // The admin's own row has no buttons: nobody locks themselves out.
    const own = page.locator(`[data-testid=user-row][data-username="${root.username}"]`);
    expect(await own.getByRole('button').count()).to.equal(0);
  });
});
