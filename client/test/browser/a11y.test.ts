/**
 * Issue 15, item 6: axe-core finds no serious or critical accessibility problem on the main
 * screens, in the light and the dark theme: sign-in, registration, the session list, a session
 * with a file open (and its find box), the history with a diff, search, chat and members panels,
 * settings, admin, and the command palette, quick open and shortcut sheet while they are open.
 */
import type { Page } from 'playwright-core';
import {
  api,
  browserSuite,
  expectNoSeriousA11yViolations,
  hasChromium,
  type Person,
  register,
} from './harness';

(hasChromium ? describe : describe.skip)(
  'browser: accessibility of the main screens (axe-core)',
  function () {
    this.timeout(120_000);
    const suite = browserSuite({ env: { COMMIT_IDLE_MS: '600000', COMMIT_MAX_MS: '600000' } });
    /** The server's first account, so an admin: it sees every screen. */
    let root: Person;
    let sessionId: string;

    before(async () => {
      root = await register(suite.h, 'root');
      sessionId = JSON.parse((await api(root.page, 'POST', '/api/sessions', { name: 'Accessible' })).body).id;
      for (const [path, content] of [
        ['src/main.ts', 'export const answer = 42;\n'],
        ['README.md', '# Accessible\n'],
      ] as const) {
        await api(root.page, 'POST', `/api/sessions/${sessionId}/files`, { path, content });
      }
      await api(root.page, 'POST', `/api/sessions/${sessionId}/versions`, { message: 'First version' });
    });

    after(async () => {
      await root.context.close();
    });

    async function setTheme(page: Page, theme: 'light' | 'dark'): Promise<void> {
      await page.evaluate((t) => localStorage.setItem('gitpad.theme', t), theme);
    }

    for (const theme of ['light', 'dark'] as const) {
      it(`sign-in and registration (${theme})`, async () => {
        const context = await suite.h.browser.newContext({ baseURL: suite.h.server.url });
        try {
          const page = await context.newPage();
          await page.goto('/login');
          await setTheme(page, theme);
          await page.reload();
          await page.getByLabel('Username').waitFor();
          await expectNoSeriousA11yViolations(page, `sign-in (${theme})`);
          await page.goto('/register');
          await page.getByRole('button', { name: 'Create account' }).waitFor();
          await expectNoSeriousA11yViolations(page, `registration (${theme})`);
        } finally {
          await context.close();
        }
      });

      it(`the session list, settings and admin (${theme})`, async () => {
        const page = root.page;
        await setTheme(page, theme);
        await page.goto('/');
        await page.getByText('Accessible').first().waitFor();
        await expectNoSeriousA11yViolations(page, `session list (${theme})`);
        await page.goto('/settings');
        await page.getByRole('heading').first().waitFor();
        await page.waitForLoadState('networkidle');
        await expectNoSeriousA11yViolations(page, `settings (${theme})`);
        await page.goto('/admin');
        await page.getByTestId('user-row').first().waitFor();
        await expectNoSeriousA11yViolations(page, `admin (${theme})`);
      });

      it(`a session with a file open, its history and diff, the palette and quick open (${theme})`, async () => {
        const page = root.page;
        await setTheme(page, theme);
        await page.goto(`/s/${sessionId}?file=src/main.ts`);
        await page.locator('.cm-content').waitFor();
        await page.getByTestId('connection-state').and(page.locator('[data-state="connected"]')).waitFor();
        await expectNoSeriousA11yViolations(page, `session workspace (${theme})`);

        // The in-file find box.
        await page.locator('.cm-content').click();
        await page.keyboard.press('Control+f');
        await page.getByTestId('find-box').waitFor();
        await page.keyboard.type('answer');
        await expectNoSeriousA11yViolations(page, `find box (${theme})`);
        await page.keyboard.press('Escape');

        await page.getByRole('button', { name: 'History', exact: true }).click();
        await page.getByTestId('version-row').first().click();
        await page.getByTestId('diff-file').first().waitFor();
        await expectNoSeriousA11yViolations(page, `history and diff (${theme})`);

        await page.keyboard.press('Control+Shift+P');
        await page.getByTestId('command-palette').getByRole('option').first().waitFor();
        await expectNoSeriousA11yViolations(page, `command palette (${theme})`);
        await page.keyboard.press('Escape');

        await page.keyboard.press('Control+p');
        await page.getByTestId('quick-open').getByRole('option').first().waitFor();
        await expectNoSeriousA11yViolations(page, `quick open (${theme})`);
        await page.keyboard.press('Escape');

        // The other side panels, and the shortcut sheet.
        await page.keyboard.press('Control+Shift+F');
        await page.getByTestId('search-query').fill('answer');
        await page.getByTestId('search-hit').first().waitFor();
        await expectNoSeriousA11yViolations(page, `search in files (${theme})`);
        for (const [panel, testid] of [
          ['Chat', 'chat-panel'],
          ['Members', 'members-panel'],
        ] as const) {
          await page.getByRole('button', { name: panel, exact: true }).click();
          await page.getByTestId(testid).waitFor();
          await expectNoSeriousA11yViolations(page, `${panel} panel (${theme})`);
        }
        await page.getByTestId('session-name').click();
        await page.keyboard.press('?');
        await page.getByTestId('shortcut-sheet').waitFor();
        await expectNoSeriousA11yViolations(page, `shortcut sheet (${theme})`);
        await page.keyboard.press('Escape');
      });
    }
  },
);
