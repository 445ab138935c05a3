/**
 * The name and e-mail on one's versions, set in Settings in a real browser against a real server:
 * the defaults show as placeholders, the preview follows the fields, the server's rule is said
 * before sending, a saved identity signs the next version, and "Use the defaults" goes back.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';
import { ARTIFACTS, api, browserSuite, eventually, hasChromium } from './harness';

(hasChromium ? describe : describe.skip)('browser: git identity in Settings', function () {
  this.timeout(120_000);
  const suite = browserSuite({
    env: { GIT_EMAIL_DOMAIN: 'team.lan', COMMIT_IDLE_MS: '600000', COMMIT_MAX_MS: '600000' },
  });

  it('sets, previews, refuses and resets the name and e-mail on versions', async () => {
    const gia = await suite.person('gia');
    const { page, username } = gia;
    await page.goto('/settings');
    const name = page.getByTestId('git-name');
    const email = page.getByTestId('git-email');
    const preview = page.getByTestId('git-preview');
    await name.waitFor();
    expect(await name.getAttribute('placeholder')).to.equal(username);
    expect(await email.getAttribute('placeholder')).to.equal(`${username}@team.lan`);
    expect(await preview.textContent()).to.equal(`${username} <${username}@team.lan>`);
    expect(await page.getByTestId('git-save').isDisabled()).to.equal(true);

    // Refused before sending, with the server's sentence; nothing is saved.
    await email.fill('not an email');
    await page.getByTestId('git-save').click();
    await page.getByRole('alert').filter({ hasText: 'one @' }).waitFor();
    const me = async () => JSON.parse((await api(page, 'GET', '/api/auth/me')).body).user.git;
    expect(await me()).to.include({ name: null, email: null });

    await name.fill('Gia Rossi');
    await email.fill('gia@rossi.example');
    expect(await preview.textContent()).to.equal('Gia Rossi <gia@rossi.example>');
    await page.getByTestId('git-save').click();
    await page.getByTestId('git-reset').waitFor();
    expect(await me()).to.include({ name: 'Gia Rossi', email: 'gia@rossi.example' });
    await page.screenshot({ path: `${ARTIFACTS}settings-git-identity.png` });

    // The next version is signed that way.
    const session = JSON.parse((await api(page, 'POST', '/api/sessions', { name: 'signed' })).body) as {
      id: string;
    };
    expect(
      (await api(page, 'POST', `/api/sessions/${session.id}/files`, { path: 'a.txt', content: 'hi\n' }))
        .status,
    ).to.equal(201);
    const saved = await api(page, 'POST', `/api/sessions/${session.id}/versions`, { message: 'mine' });
    expect(saved.status).to.equal(201);
    const author = execFileSync(
      'git',
      [
        '--git-dir',
        path.join(suite.h.server.reposDir, `${session.id}.git`),
        'log',
        '-1',
        '--format=%an <%ae>',
        'main',
      ],
      { encoding: 'utf8' },
    ).trim();
    expect(author).to.equal('Gia Rossi <gia@rossi.example>');

    // After a reload the form shows what was saved; "Use the defaults" empties it.
    await page.reload();
    await eventually(
      () => name.inputValue(),
      (v) => v === 'Gia Rossi',
    );
    expect(await email.inputValue()).to.equal('gia@rossi.example');
    await page.getByTestId('git-reset').click();
    await eventually(
      () => me(),
      (g) => g.name === null && g.email === null,
    );
    expect(await name.inputValue()).to.equal('');
    expect(await preview.textContent()).to.equal(`${username} <${username}@team.lan>`);
  });
});
