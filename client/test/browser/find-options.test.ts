/**
 * Issue 15, items 1–2, what find.test.ts leaves out: search across files with its case, whole-word
 * and regex switches and a bad pattern, driven from the keyboard, and no replace for a viewer;
 * following someone picked in the palette's Follow… list, and following ending when they leave.
 */
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { api, browserSuite, eventually, hasChromium } from './harness';

(hasChromium ? describe : describe.skip)(
  'browser: search options and following from the palette',
  function () {
    this.timeout(90_000);
    const suite = browserSuite({
      env: { COMMIT_IDLE_MS: '600000', COMMIT_MAX_MS: '600000' },
      // The server answers a bad regex with 400 (shown in words); the browser logs the response.
      expectedErrors: /status of 400/,
    });
    const { person } = suite;

    async function session(page: Page, files: Record<string, string>): Promise<string> {
      const id = JSON.parse((await api(page, 'POST', '/api/sessions', { name: 'Options' })).body)
        .id as string;
      for (const [path, content] of Object.entries(files)) {
        const r = await api(page, 'POST', `/api/sessions/${id}/files`, { path, content });
        expect(r.status, r.body).to.equal(201);
      }
      return id;
    }

    const hitTexts = (page: Page) => page.getByTestId('search-hit').allTextContents();

    it('case, whole word and regex narrow the results; a bad pattern is explained; a viewer cannot replace', async () => {
      const ana = await person('ana');
      const bo = await person('bo');
      const id = await session(ana.page, {
        'a.txt': 'Value one\nvalue two\nvalues three\n',
        'b.txt': 'the value 42\nVALUE 7\n',
      });
      await ana.page.goto(`/s/${id}?file=a.txt`);
      await ana.page.locator('.cm-content').waitFor();
      await ana.page.keyboard.press('Control+Shift+F');
      await eventually(
        () => ana.page.evaluate(() => document.activeElement?.id ?? ''),
        (el) => el === 'search-query',
      );
      await ana.page.keyboard.type('value');
      await eventually(
        () => hitTexts(ana.page),
        (t) => t.length === 5,
      );

      // Match case: only the lower-case ones.
      await ana.page.getByTestId('search-case').check();
      await eventually(
        () => hitTexts(ana.page),
        (t) => t.length === 3 && t.every((x) => x.includes('value')),
      );
      // Whole word too: "values" goes.
      await ana.page.getByTestId('search-word').check();
      await eventually(
        () => hitTexts(ana.page),
        (t) => t.length === 2 && !t.some((x) => x.includes('values')),
      );
      await ana.page.getByTestId('search-case').uncheck();
      await ana.page.getByTestId('search-word').uncheck();

      // A regex: a word followed by a number.
      await ana.page.getByTestId('search-regex').check();
      await ana.page.getByTestId('search-query').fill('value \\d+');
      await eventually(
        () => hitTexts(ana.page),
        (t) =>
          t.length === 2 && t.some((x) => x.includes('value 42')) && t.some((x) => x.includes('VALUE 7')),
      );
      expect(await ana.page.getByTestId('search-summary').textContent()).to.contain('2 results in 1 file');
      // A pattern that is no regex says so, in words.
      await ana.page.getByTestId('search-query').fill('value (');
      const error = await eventually(
        async () => (await ana.page.getByTestId('search-error').count()) > 0,
        (shown) => shown,
      );
      expect(error).to.equal(true);
      expect(await ana.page.getByTestId('search-error').textContent()).to.not.match(/ERR_|\{/);
      expect(await ana.page.getByTestId('search-hit').count()).to.equal(0);

      // A viewer searches but is offered no replace.
      expect(
        (await api(ana.page, 'PUT', `/api/sessions/${id}/members/${bo.username}`, { role: 'viewer' })).status,
      ).to.equal(200);
      await bo.page.goto(`/s/${id}?file=b.txt`);
      await bo.page.locator('.cm-content').waitFor();
      await bo.page.keyboard.press('Control+Shift+F');
      await bo.page.getByTestId('search-query').fill('value');
      await eventually(
        () => hitTexts(bo.page),
        (t) => t.length === 5,
      );
      expect(await bo.page.getByTestId('search-toggle-replace').count()).to.equal(0);
    });

    it('Follow… in the palette lists the others; picking one follows them until they leave', async () => {
      const ana = await person('ana');
      const bo = await person('bo');
      const id = await session(ana.page, { 'one.txt': 'one\n', 'two.txt': 'two\n' });
      expect(
        (await api(ana.page, 'PUT', `/api/sessions/${id}/members/${bo.username}`, { role: 'editor' })).status,
      ).to.equal(200);
      await ana.page.goto(`/s/${id}?file=one.txt`);
      await ana.page.locator('.cm-content').waitFor();

      // Alone: the list says so.
      await ana.page.keyboard.press('Control+Shift+P');
      await ana.page.getByTestId('command-palette').waitFor();
      await ana.page.keyboard.type('follow');
      await ana.page.keyboard.press('Enter');
      const picker = ana.page.getByTestId('follow-picker');
      await picker.waitFor();
      expect(await picker.textContent()).to.contain('Nobody else is here');
      await ana.page.keyboard.press('Escape');

      await bo.page.goto(`/s/${id}?file=two.txt`);
      await bo.page.locator('.cm-content').waitFor();
      await ana.page.keyboard.press('Control+Shift+P');
      await ana.page.keyboard.type('follow');
      await ana.page.keyboard.press('Enter');
      await picker.waitFor();
      const option = picker.getByRole('option').first();
      await eventually(
        async () => (await option.count()) > 0 && ((await option.textContent()) ?? ''),
        (t) => typeof t === 'string' && t.includes(bo.username) && t.includes('two.txt'),
      );
      await ana.page.keyboard.press('Enter');
      await ana.page.getByTestId('follow-banner').waitFor();
      await ana.page.waitForURL(/file=two\.txt/);

      // Bo leaves: following ends, and Ana is told.
      await bo.page.goto('/');
      await eventually(
        () => ana.page.getByTestId('follow-banner').isVisible(),
        (v) => !v,
        15_000,
      );
      await eventually(
        () => ana.page.getByTestId('notice').allTextContents(),
        (t) => t.some((x) => x.includes('left; you stopped following')),
      );
    });
  },
);
