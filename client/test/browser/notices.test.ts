/**
 * Issue 15 item 4 in the browser, two people: what Ana does to Bo's work reaches Bo as short
 * sentences naming her (revert with its version, delete with a working Restore, what happened
 * while he was away, his demotion with the editor going read-only), listed under the bell with
 * an unread count; and an @mention in chat while Bo's chat panel is closed shows on his badges,
 * which clear when he opens the chat.
 */
import { expect } from 'chai';
import type { Page } from 'playwright';
import { ARTIFACTS, api, browserSuite, eventually, hasChromium, type Person } from './harness';

(hasChromium ? describe : describe.skip)(
  'browser: notices of what happened to my work, and @mentions',
  function () {
    this.timeout(120_000);
    const suite = browserSuite({ env: { COMMIT_IDLE_MS: '600000', COMMIT_MAX_MS: '600000' } });
    const { person } = suite;

    const toasts = (p: Person) => p.page.getByTestId('notice').allTextContents();
    const treePaths = (p: Person) =>
      p.page
        .getByTestId('file-tree')
        .locator('[data-path]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-path')));
    const badge = async (page: Page, id: string) =>
      (await page.getByTestId(id).count()) === 0
        ? ''
        : ((await page.getByTestId(id).textContent()) ?? '').trim();

    async function sessionWith(ana: Person, bo: Person, files: Record<string, string>): Promise<string> {
      const created = await api(ana.page, 'POST', '/api/sessions', { name: 'Notices' });
      const sessionId = JSON.parse(created.body).id as string;
      for (const [path, content] of Object.entries(files))
        expect(
          (await api(ana.page, 'POST', `/api/sessions/${sessionId}/files`, { path, content })).status,
        ).to.equal(201);
      expect(
        (await api(ana.page, 'PUT', `/api/sessions/${sessionId}/members/${bo.username}`, { role: 'editor' }))
          .status,
      ).to.equal(200);
      return sessionId;
    }

    it('Bo is told who reverted, deleted (Restore works), changed things while he was away, and demoted him', async () => {
      const ana = await person('ana');
      const bo = await person('bo');
      const sessionId = await sessionWith(ana, bo, { 'a.txt': 'one\n', 'db.sql': 'select 1;\n' });
      const v1 = JSON.parse(
        (await api(ana.page, 'POST', `/api/sessions/${sessionId}/versions`, { message: 'v1' })).body,
      ).sha as string;
      await bo.page.goto(`/s/${sessionId}?file=a.txt`);
      await bo.page.getByTestId('notices-bell').waitFor();

      // Revert: the sentence names Ana and the version, and opens it.
      await api(ana.page, 'POST', `/api/sessions/${sessionId}/files`, { path: 'extra.txt', content: 'x' });
      expect((await api(ana.page, 'POST', `/api/sessions/${sessionId}/revert`, { sha: v1 })).status).to.equal(
        201,
      );
      const reverted = bo.page
        .getByTestId('notice')
        .filter({ hasText: `${ana.username} reverted to ${v1.slice(0, 7)}` });
      await reverted.waitFor();
      await reverted.getByTestId('notice-action').click();
      await bo.page.getByTestId('version-view').waitFor();
      expect(await bo.page.getByTestId('version-view').locator('code.sha').textContent()).to.equal(
        v1.slice(0, 7),
      );
      await bo.page.getByTestId('close-version').click();

      // Delete: "Ana deleted db.sql." with Restore, which brings it back for everyone.
      const dbId = JSON.parse((await api(ana.page, 'GET', `/api/sessions/${sessionId}`)).body).files.find(
        (f: { path: string }) => f.path === 'db.sql',
      ).id as string;
      expect((await api(ana.page, 'DELETE', `/api/sessions/${sessionId}/files/${dbId}`)).status).to.equal(
        204,
      );
      const deleted = bo.page.getByTestId('notice').filter({ hasText: `${ana.username} deleted db.sql.` });
      await deleted.waitFor();
      await bo.page.screenshot({ path: `${ARTIFACTS}notices-deleted.png` });
      await deleted.getByTestId('notice-action').click();
      await eventually(
        async () =>
          JSON.parse((await api(ana.page, 'GET', `/api/sessions/${sessionId}`)).body).files.map(
            (f: { path: string }) => f.path,
          ),
        (paths: string[]) => paths.includes('db.sql'),
      );
      await eventually(
        () => toasts(bo),
        (t) => t.some((s) => s.includes('You restored db.sql.')),
      );

      // The bell lists them, unread until opened.
      expect(Number(await badge(bo.page, 'notices-badge'))).to.be.at.least(2);
      await bo.page.getByTestId('notices-bell').click();
      const items = await bo.page.getByTestId('notices-item').allTextContents();
      expect(items.join('\n'))
        .to.contain(`${ana.username} deleted db.sql.`)
        .and.contain(`${ana.username} reverted to ${v1.slice(0, 7)}`);
      expect(await badge(bo.page, 'notices-badge')).to.equal('');
      await bo.page.keyboard.press('Escape');

      // While Bo is away, Ana moves a file: back in the session, the bell has it.
      await bo.page.goto('/');
      const aId = JSON.parse((await api(ana.page, 'GET', `/api/sessions/${sessionId}`)).body).files.find(
        (f: { path: string }) => f.path === 'a.txt',
      ).id as string;
      expect(
        (await api(ana.page, 'PATCH', `/api/sessions/${sessionId}/files/${aId}`, { path: 'docs/a.txt' }))
          .status,
      ).to.equal(200);
      await bo.page.goto(`/s/${sessionId}`);
      await eventually(
        () => badge(bo.page, 'notices-badge'),
        (b) => b === '1',
      );
      await eventually(
        () => toasts(bo),
        (t) => t.some((s) => s.includes('While you were away: 1 change')),
      );
      await bo.page.getByTestId('notices-bell').click();
      expect((await bo.page.getByTestId('notices-item').first().textContent()) ?? '').to.contain(
        `${ana.username} moved a.txt to docs/a.txt.`,
      );
      await bo.page.keyboard.press('Escape');

      // Demoted: the editor goes read-only at once, and the notice says who and why.
      await bo.page.goto(`/s/${sessionId}?file=docs/a.txt`);
      await bo.page.locator('.cm-content').waitFor();
      expect(await bo.page.getByTestId('read-only-banner').count()).to.equal(0);
      await api(ana.page, 'PUT', `/api/sessions/${sessionId}/members/${bo.username}`, { role: 'viewer' });
      await bo.page.getByTestId('read-only-banner').waitFor();
      await eventually(
        () => toasts(bo),
        (t) => t.some((s) => s.includes(`${ana.username} made you a viewer: your editor is read-only now.`)),
      );
      expect(await treePaths(bo)).to.include('docs/a.txt');
    });

    it('Ana @mentions Bo in chat while his chat is closed: both his badges count it, and opening the chat clears them', async () => {
      const ana = await person('ana');
      const bo = await person('bo');
      const sessionId = await sessionWith(ana, bo, { 'a.txt': 'a\n' });
      await bo.page.goto(`/s/${sessionId}`);
      await bo.page.getByTestId('notices-bell').waitFor();
      await ana.page.goto(`/s/${sessionId}`);
      await ana.page.getByRole('button', { name: 'Chat', exact: false }).first().click();
      await ana.page.getByTestId('chat-panel').waitFor();

      // Autocomplete: "@" and the start of Bo's name offers him; Enter picks him.
      const input = ana.page.getByTestId('chat-input');
      await input.click();
      await input.pressSequentially(`please @${bo.username.slice(0, 3)}`);
      const option = ana.page.getByTestId('mention-option');
      await eventually(
        () => option.allTextContents(),
        (t) => t.some((s) => s.includes(`@${bo.username}`)),
      );
      await ana.page.screenshot({ path: `${ARTIFACTS}notices-autocomplete.png` });
      await input.press('Enter');
      expect(await input.inputValue()).to.equal(`please @${bo.username} `);
      await input.pressSequentially('look at a.txt');
      await input.press('Enter');
      await eventually(
        () => input.inputValue(),
        (v) => v === '',
      );

      // Bo, chat closed: the chat tab counts the message, the bell the mention, and a toast says it.
      await eventually(
        () => badge(bo.page, 'chat-badge'),
        (b) => b.startsWith('1'),
      );
      await eventually(
        () => badge(bo.page, 'notices-badge'),
        (b) => b === '1',
      );
      await eventually(
        () => toasts(bo),
        (t) =>
          t.some((s) =>
            s.includes(`${ana.username} mentioned you in chat: please @${bo.username} look at a.txt`),
          ),
      );
      await bo.page.screenshot({ path: `${ARTIFACTS}notices-mention.png` });

      // He opens the chat: both badges clear, the mention is highlighted, and it is read on the server.
      await bo.page.getByRole('button', { name: 'Chat', exact: false }).first().click();
      await bo.page.getByTestId('chat-panel').waitFor();
      await eventually(
        async () => [await badge(bo.page, 'chat-badge'), await badge(bo.page, 'notices-badge')],
        (b) => b[0] === '' && b[1] === '',
      );
      expect(await bo.page.getByTestId('chat-mention').allTextContents()).to.deep.equal([`@${bo.username}`]);
      await eventually(
        async () => JSON.parse((await api(bo.page, 'GET', '/api/mentions?unread=1')).body).unread,
        (n) => n === 0,
      );
    });

    it('Ana @mentions Bo in a version comment: his bell lists it, and Open shows that version', async () => {
      const ana = await person('ana');
      const bo = await person('bo');
      const sessionId = await sessionWith(ana, bo, { 'a.txt': 'a\n' });
      const saved = await api(ana.page, 'POST', `/api/sessions/${sessionId}/versions`, { message: 'First' });
      const sha = JSON.parse(saved.body).sha as string;
      await bo.page.goto(`/s/${sessionId}`);
      await bo.page.getByTestId('notices-bell').waitFor();
      await ana.page.goto(`/s/${sessionId}`);
      await ana.page.getByRole('button', { name: 'History', exact: true }).click();
      await ana.page.getByTestId('version-row').first().click();
      const box = ana.page.getByRole('textbox', { name: 'Comment on this version' });
      await box.click();
      await box.pressSequentially(`@${bo.username.slice(0, 4)}`);
      await ana.page.getByTestId('mention-option').first().waitFor();
      await box.press('Tab');
      await box.pressSequentially('is this right?');
      await box.press('Control+Enter');
      await ana.page.getByTestId('comment-body').filter({ hasText: 'is this right?' }).waitFor();

      await eventually(
        () => badge(bo.page, 'notices-badge'),
        (b) => b === '1',
      );
      await bo.page.getByTestId('notices-bell').click();
      const item = bo.page.getByTestId('notices-item').first();
      expect(await item.textContent()).to.contain(
        `${ana.username} mentioned you in a comment on ${sha.slice(0, 7)}: @${bo.username} is this right?`,
      );
      await item.getByTestId('notices-item-action').click();
      await bo.page.getByTestId('version-view').waitFor();
      expect(await bo.page.getByTestId('version-view').locator('code.sha').textContent()).to.equal(
        sha.slice(0, 7),
      );
      expect(await badge(bo.page, 'notices-badge')).to.equal('');
      await eventually(
        async () => JSON.parse((await api(bo.page, 'GET', '/api/mentions?unread=1')).body).unread,
        (n) => n === 0,
      );
    });
  },
);
