/**
 * History you can read, in a real browser against a real server, with two people (issue 15,
 * item 3): autosaves grouped into one row beside a named save, the "Named only" filter, one file's
 * versions, and the blame gutter naming both authors with a line not saved yet in the colour of
 * the person who typed it.
 */
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { ARTIFACTS, api, browserSuite, editorText, eventually, hasChromium, type Person } from './harness';

async function open(p: Person, sessionId: string, file: string, text: string) {
  await p.page.goto(`/s/${sessionId}?file=${file}`);
  await eventually(
    () => editorText(p.page),
    (t) => t === text,
  );
}

async function typeAtEnd(page: Page, text: string) {
  await page.locator('.cm-content').click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type(text);
}

async function versionCount(page: Page, sessionId: string): Promise<number> {
  return (JSON.parse((await api(page, 'GET', `/api/sessions/${sessionId}/versions`)).body) as unknown[])
    .length;
}

async function newSession(owner: Person, other: Person, file: string, content: string): Promise<string> {
  const created = JSON.parse(
    (await api(owner.page, 'POST', '/api/sessions', { name: `History of ${owner.username}` })).body,
  ) as { id: string };
  await api(owner.page, 'POST', `/api/sessions/${created.id}/files`, { path: file, content });
  await api(owner.page, 'PUT', `/api/sessions/${created.id}/members/${other.username}`, { role: 'editor' });
  return created.id;
}

(hasChromium ? describe : describe.skip)(
  'browser: readable history (autosave groups, named only, file versions)',
  function () {
    this.timeout(90_000);
    // Autosaves a moment after typing stops, so the test can make several.
    const { person } = browserSuite({ env: { COMMIT_IDLE_MS: '1500', COMMIT_MAX_MS: '600000' } });

    it('groups autosaves by two people into one row beside a named save; Named only; this file’s versions', async () => {
      const ana = await person('ana');
      const bo = await person('bo');
      const sessionId = await newSession(ana, bo, 'notes.txt', 'alpha\n');
      await open(ana, sessionId, 'notes.txt', 'alpha\n');
      await open(bo, sessionId, 'notes.txt', 'alpha\n');

      // Three autosaves: Ana, Bo, Ana, each waited for.
      const typists: Array<[Person, string]> = [
        [ana, 'one\n'],
        [bo, 'two\n'],
        [ana, 'three\n'],
      ];
      for (const [i, [who, text]] of typists.entries()) {
        await typeAtEnd(who.page, text);
        await eventually(
          () => versionCount(ana.page, sessionId),
          (n) => n === i + 1,
          15_000,
        );
      }
      // A named save, as soon as the server has the new line (before the idle commit would take it).
      await typeAtEnd(ana.page, 'four\n');
      await eventually(
        () => editorText(bo.page),
        (t) => t.includes('four'),
      );
      const saved = await api(ana.page, 'POST', `/api/sessions/${sessionId}/versions`, {
        message: 'Named save',
      });
      expect(JSON.parse(saved.body).unchanged).to.equal(undefined);
      await eventually(
        () => versionCount(ana.page, sessionId),
        (n) => n === 4,
      );

      await bo.page.getByRole('button', { name: 'History', exact: true }).click();
      const groups = bo.page.getByTestId('autosave-group');
      await groups.first().waitFor();
      expect(await groups.count()).to.equal(1);
      expect(await bo.page.getByTestId('autosave-group-label').textContent()).to.match(
        /^3 autosaves, \d{1,2}:\d{2}(\s?[AP]M)?(–\d{1,2}:\d{2}(\s?[AP]M)?)?$/,
      );
      // Both people are on the group row.
      const people = await groups.first().getByTestId('version-people').getAttribute('aria-label');
      expect(people).to.include(ana.username).and.to.include(bo.username);
      // Collapsed: only the named save is a version row, marked as saved.
      expect(await bo.page.getByTestId('version-subject').allTextContents()).to.deep.equal(['Named save']);
      expect(await bo.page.getByTestId('version-kind').allTextContents()).to.deep.equal(['Saved']);
      // Expanded: the three autosaves, newest first.
      await bo.page.getByTestId('autosave-group-toggle').click();
      await eventually(
        () => bo.page.getByTestId('version-row').count(),
        (n) => n === 4,
      );
      expect(await bo.page.getByTestId('autosave-group-toggle').getAttribute('aria-expanded')).to.equal(
        'true',
      );
      await bo.page.screenshot({ path: `${ARTIFACTS}history-grouped.png` });

      // Named only: the autosaves are gone.
      await bo.page.getByTestId('named-only').check();
      await eventually(
        () => bo.page.getByTestId('version-subject').allTextContents(),
        (s) => s.length === 1 && s[0] === 'Named save',
      );
      expect(await bo.page.getByTestId('autosave-group').count()).to.equal(0);
      await bo.page.getByTestId('named-only').uncheck();
      await bo.page.getByTestId('autosave-group').waitFor();

      // This file's versions, from the editor's toolbar: all four, and one opens.
      await bo.page.getByTestId('file-versions').click();
      await bo.page.getByTestId('file-history').waitFor();
      await eventually(
        () => bo.page.getByTestId('file-version-row').count(),
        (n) => n === 4,
      );
      await bo.page.getByTestId('file-version-row').first().click();
      await bo.page.getByTestId('version-view').waitFor();
      await bo.page.getByTestId('close-version').click();
      await bo.page.getByTestId('file-history-back').click();
      await bo.page.getByTestId('autosave-group').waitFor();

      // The same list from the command palette.
      await bo.page.locator('.cm-content').click();
      await bo.page.keyboard.press('F1');
      await bo.page.keyboard.type("This file's versions");
      await bo.page.keyboard.press('Enter');
      await bo.page.getByTestId('file-history').waitFor();
    });
  },
);

(hasChromium ? describe : describe.skip)('browser: blame gutter with the live overlay', function () {
  this.timeout(90_000);
  // No commit worker timers: the unsaved line stays unsaved.
  const { person } = browserSuite({ env: { COMMIT_IDLE_MS: '600000', COMMIT_MAX_MS: '600000' } });

  it("shows both authors' versions, and a line not saved yet in the typist's colour", async () => {
    const ana = await person('ana');
    const bo = await person('bo');
    const sessionId = await newSession(ana, bo, 'app.js', 'const a = 1;\n');
    await api(ana.page, 'POST', `/api/sessions/${sessionId}/versions`, { message: 'Start' });
    await open(bo, sessionId, 'app.js', 'const a = 1;\n');
    await typeAtEnd(bo.page, 'const b = 2;\n');
    await eventually(
      () => editorText(bo.page),
      (t) => t === 'const a = 1;\nconst b = 2;\n',
    );
    // Bo's edit is saved as Bo's version once the server has it.
    await eventually(
      async () => JSON.parse((await api(bo.page, 'POST', `/api/sessions/${sessionId}/versions`, {})).body),
      (r: { unchanged?: boolean }) => !r.unchanged,
    );
    await typeAtEnd(bo.page, 'const c = 3; // not saved\n');

    await open(ana, sessionId, 'app.js', 'const a = 1;\nconst b = 2;\nconst c = 3; // not saved\n');
    await ana.page.getByTestId('blame-toggle').click();
    await ana.page.locator('[data-testid="blame-run"]').first().waitFor();
    const runs = await eventually(
      () => ana.page.locator('.cm-blame-first').allTextContents(),
      (t) => t.length === 3,
    );
    expect(runs[0]).to.match(new RegExp(`^[0-9a-f]{7} ${ana.username} `));
    expect(runs[1]).to.match(new RegExp(`^[0-9a-f]{7} ${bo.username} `));
    expect(runs[2]).to.equal(`Not saved · ${bo.username}`);
    // The unsaved line is in Bo's presence colour, as Ana's top bar shows Bo.
    const boColor = await ana.page
      .locator(`[data-testid="presence-avatars"] [data-username="${bo.username}"]`)
      .evaluate((el) => getComputedStyle(el).getPropertyValue('--ring').trim());
    const liveColor = await ana.page
      .getByTestId('blame-live')
      .evaluate((el) => getComputedStyle(el).getPropertyValue('--blame-color').trim());
    expect(boColor).to.not.equal('');
    expect(liveColor).to.equal(boColor);
    await ana.page.screenshot({ path: `${ARTIFACTS}blame.png` });
    // Hover says the message; a click opens that version.
    expect(await ana.page.locator('[data-testid="blame-run"]').first().getAttribute('title')).to.match(
      /^Start\n/,
    );
    await ana.page.locator('[data-testid="blame-run"]').first().click();
    await ana.page.getByTestId('version-view').waitFor();
    await eventually(
      () => ana.page.locator('#version-title').textContent(),
      (t) => (t ?? '').includes('Start'),
    );
    await ana.page.getByTestId('close-version').click();

    // Ana types too: her new line shows as hers after the refresh; turning blame off clears the gutter.
    await typeAtEnd(ana.page, 'const d = 4;\n');
    await eventually(
      () => ana.page.locator('.cm-blame-first').allTextContents(),
      (t) => t.length === 4 && t[3] === `Not saved · ${ana.username}`,
      10_000,
    );
    await ana.page.getByTestId('blame-toggle').click();
    await eventually(
      () => ana.page.locator('[data-testid="blame-run"], [data-testid="blame-live"]').count(),
      (n) => n === 0,
    );
  });
});
