/**
 * Versions in a real browser against a real server: Save version (Ctrl+S) with a message, the
 * History panel updating live with authors and co-authors, the diff in both layouts, line
 * comments reaching the other browser, tags, revert updating every open editor, the status
 * bar's version line, and what a viewer (on a phone) may and may not do.
 */
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { ARTIFACTS, api, browserSuite, editorText, eventually, hasChromium, type Person } from './harness';

const FIRST = 'alpha\nbeta\ngamma\n';

(hasChromium ? describe : describe.skip)('browser: versions, history, diff, comments, revert', function () {
  this.timeout(60_000);
  // Versions are made only when the test asks: no commit worker timers firing mid-test.
  const { person } = browserSuite({ env: { COMMIT_IDLE_MS: '600000', COMMIT_MAX_MS: '600000' } });

  async function open(p: Person, sessionId: string, text: string) {
    await p.page.goto(`/s/${sessionId}?file=notes.txt`);
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

  const notices = (page: Page) => page.getByTestId('notice').locator('span').allTextContents();

  /** Ctrl+S, a message, Enter; resolves with the new notice's text. */
  async function saveVersion(page: Page, message: string): Promise<string> {
    const before = new Set(await notices(page));
    await page.keyboard.press('Control+s');
    await page.getByTestId('save-version-message').fill(message);
    await page.getByTestId('save-version-message').press('Enter');
    const after = await eventually(
      () => notices(page),
      (texts) => texts.some((t) => !before.has(t) && /Saved as|Nothing changed/.test(t)),
    );
    return after.find((t) => !before.has(t) && /Saved as|Nothing changed/.test(t))!;
  }

  async function openHistory(page: Page) {
    await page.getByRole('button', { name: 'History', exact: true }).click();
    await page.getByTestId('version-row').first().waitFor();
  }

  const subjects = (page: Page) => page.getByTestId('version-subject').allTextContents();
  const row = (page: Page, subject: string) => page.getByTestId('version-row').filter({ hasText: subject });
  const diffTexts = (page: Page, selector: string) =>
    page.locator(selector).locator('[data-testid="diff-text"]').allTextContents();

  it('saves with Ctrl+S; the other history shows it live with author and co-author; diff, comments, tags and revert reach both', async () => {
    const ana = await person('ana');
    const bo = await person('bo');
    const created = JSON.parse(
      (await api(ana.page, 'POST', '/api/sessions', { name: `Versions of ${ana.username}` })).body,
    ) as { id: string };
    const sessionId = created.id;
    await api(ana.page, 'POST', `/api/sessions/${sessionId}/files`, { path: 'notes.txt', content: FIRST });
    await api(ana.page, 'PUT', `/api/sessions/${sessionId}/members/${bo.username}`, { role: 'editor' });
    await open(ana, sessionId, FIRST);
    await open(bo, sessionId, FIRST);

    // The first version, with Ctrl+S from the editor.
    await ana.page.locator('.cm-content').click();
    expect(await saveVersion(ana.page, 'First draft')).to.match(/^Saved as [0-9a-f]{7}$/);
    await eventually(
      () => ana.page.getByTestId('version-status').textContent(),
      (t) => /^Saved as version [0-9a-f]{7} /.test(t ?? ''),
    );
    await openHistory(bo.page);
    expect(await subjects(bo.page)).to.deep.equal(['First draft']);

    // Both type (Ana more), and the status bar notices.
    await ana.page.locator('.cm-content').click();
    await ana.page.keyboard.press('Control+Home');
    await ana.page.keyboard.press('ArrowDown');
    await ana.page.keyboard.press('Shift+End');
    await ana.page.keyboard.type('beta two');
    await typeAtEnd(ana.page, 'ana was here');
    await eventually(
      () => editorText(bo.page),
      (t) => t.endsWith('ana was here'),
    );
    await typeAtEnd(bo.page, '\nbo');
    const second = 'alpha\nbeta two\ngamma\nana was here\nbo';
    await eventually(
      () => editorText(ana.page),
      (t) => t === second,
    );
    await eventually(
      () => ana.page.getByTestId('version-status').textContent(),
      (t) => t === '1 file changed since the last version',
    );

    // Ana saves; Bo's open panel gets it live, Ana as author, Bo as co-author.
    expect(await saveVersion(ana.page, 'Second pass')).to.match(/^Saved as [0-9a-f]{7}$/);
    await eventually(
      () => subjects(bo.page),
      (s) => s.join() === 'Second pass,First draft',
    );
    const people = row(bo.page, 'Second pass').getByTestId('version-people');
    expect(await people.locator('[data-role="author"]').getAttribute('data-username')).to.equal(ana.username);
    expect(await people.locator('[data-role="co-author"]').getAttribute('data-username')).to.equal(
      bo.username,
    );

    // The diff, unified then side by side.
    await row(bo.page, 'Second pass').click();
    await bo.page.getByTestId('mode-unified').click();
    const file = bo.page.getByTestId('diff-file');
    await file.first().waitFor();
    expect(await file.getAttribute('data-path')).to.equal('notes.txt');
    expect(await diffTexts(bo.page, '[data-type="add"]')).to.deep.equal(['beta two', 'ana was here', 'bo']);
    expect(await diffTexts(bo.page, '[data-type="del"]')).to.deep.equal(['beta']);
    const lineNumbers = await bo.page
      .locator('[data-testid="diff-line"] td[data-side="new"]')
      .allTextContents();
    expect(lineNumbers.map((n) => n.trim())).to.deep.equal(['1', '', '2', '3', '4', '5']);
    await bo.page.screenshot({ path: `${ARTIFACTS}versions-diff-unified.png` });
    await bo.page.getByTestId('mode-split').click();
    const pair = bo.page.getByTestId('diff-pair').filter({ hasText: 'beta two' });
    expect(await diffTexts(bo.page, '[data-testid="diff-pair"] td.code[data-side="old"]')).to.deep.equal([
      'alpha',
      'beta',
      'gamma',
    ]);
    expect(await pair.locator('td.code[data-side="old"]').textContent()).to.contain('beta');
    expect(await pair.locator('td.code[data-side="new"] [data-testid="diff-text"]').textContent()).to.equal(
      'beta two',
    );
    await bo.page.screenshot({ path: `${ARTIFACTS}versions-diff-split.png` });

    // A line comment from Bo appears in Ana's open view of the same version (Ana works in the dark).
    await ana.page.emulateMedia({ colorScheme: 'dark' });
    await openHistory(ana.page);
    await row(ana.page, 'Second pass').click();
    await ana.page.getByTestId('diff-file').first().waitFor();
    await bo.page.getByRole('button', { name: 'Comment on line 2 of notes.txt' }).click();
    await bo.page.getByRole('textbox', { name: 'Comment on line 2 of notes.txt' }).fill('Why two?');
    await bo.page.getByTestId('diff-file').getByTestId('comment-submit').click();
    await ana.page
      .getByTestId('diff-file')
      .getByTestId('comment-body')
      .filter({ hasText: 'Why two?' })
      .waitFor();
    await eventually(
      () => row(ana.page, 'Second pass').getByTestId('comment-count').textContent(),
      (t) => t?.trim() === '1',
    );
    await ana.page.screenshot({ path: `${ARTIFACTS}versions-comment-dark.png` });

    // Ana names the version; Bo's list shows the name.
    await ana.page.getByTestId('add-tag').click();
    await ana.page.getByTestId('tag-name').fill('v2-draft');
    await ana.page.getByTestId('tag-name').press('Enter');
    await row(bo.page, 'Second pass').getByText('v2-draft').waitFor();

    // The file as it was, read-only with the language's view.
    await bo.page.getByTestId('view-file').click();
    const viewer = bo.page.getByTestId('file-at-version');
    await eventually(
      () => viewer.locator('.cm-line').allTextContents(),
      (lines) => lines.join('\n') === second,
    );
    await bo.page.getByTestId('back-to-diff').click();

    // Ana reverts to the first version: both editors go back, and a new version says so.
    await bo.page.getByTestId('close-version').click();
    await row(ana.page, 'First draft').click();
    await ana.page.getByTestId('revert').click();
    await ana.page.getByRole('button', { name: 'Revert', exact: true }).click();
    await eventually(
      async () => [await editorText(ana.page), await editorText(bo.page)],
      ([a, b]) => a === FIRST && b === FIRST,
    );
    await eventually(
      () => subjects(bo.page),
      (s) => /^Revert to [0-9a-f]{7}: First draft$/.test(s[0] ?? '') && s.length === 3,
    );
    await bo.page.screenshot({ path: `${ARTIFACTS}versions-history.png` });
  });

  it('a viewer on a phone reads history and comments but sees no Save, Revert, name or comment box', async () => {
    const ana = await person('ana');
    const vi = await person('vi', { width: 390, height: 844 });
    const created = JSON.parse(
      (await api(ana.page, 'POST', '/api/sessions', { name: `Read-only of ${ana.username}` })).body,
    ) as { id: string };
    const sessionId = created.id;
    await api(ana.page, 'POST', `/api/sessions/${sessionId}/files`, { path: 'notes.txt', content: FIRST });
    const saved = JSON.parse(
      (await api(ana.page, 'POST', `/api/sessions/${sessionId}/versions`, { message: 'Start' })).body,
    ) as { sha: string };
    await api(ana.page, 'POST', `/api/sessions/${sessionId}/versions/${saved.sha}/comments`, {
      body: 'Looks good',
    });
    await api(ana.page, 'PUT', `/api/sessions/${sessionId}/members/${vi.username}`, { role: 'viewer' });

    await open(vi, sessionId, FIRST);
    expect(await vi.page.getByTestId('save-version').count()).to.equal(0);
    await vi.page.locator('.cm-content').click();
    await vi.page.keyboard.press('Control+s');
    expect(await vi.page.locator('dialog[open]').count()).to.equal(0);

    await openHistory(vi.page);
    await row(vi.page, 'Start').click();
    const view = vi.page.getByTestId('version-view');
    await view.getByTestId('comment-body').filter({ hasText: 'Looks good' }).waitFor();
    await view.getByTestId('diff-file').waitFor();
    expect(await view.getByTestId('revert').count()).to.equal(0);
    expect(await view.getByTestId('add-tag').count()).to.equal(0);
    expect(await view.getByTestId('comment-input').count()).to.equal(0);
    expect(await view.getByRole('button', { name: /Comment on line/ }).count()).to.equal(0);
    // The version covers the screen without sideways scrolling.
    const box = (await view.boundingBox())!;
    expect(box.width).to.equal(390);
    const overflow = await vi.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).to.be.at.most(0);
    await vi.page.screenshot({ path: `${ARTIFACTS}versions-phone.png` });
  });
});
