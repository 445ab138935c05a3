/**
 * Comments on the live text with two people in real browsers: Ana comments on lines 3–4 (select,
 * Ctrl+Alt+M), Bo sees the gutter marker, Bo types lines above and the marker moves for both, Bo
 * opens the thread from the marker and replies, Ana resolves and the marker goes for both.
 */
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { ARTIFACTS, api, browserSuite, editorText, eventually, hasChromium, type Person } from './harness';

const TEXT = 'one\ntwo\nthree\nfour\nfive\nsix\n';

(hasChromium ? describe : describe.skip)('browser: comments on the live text', function () {
  this.timeout(90_000);
  const { person } = browserSuite({ env: { COMMIT_IDLE_MS: '600000', COMMIT_MAX_MS: '600000' } });

  async function open(p: Person, sessionId: string) {
    await p.page.goto(`/s/${sessionId}?file=notes.txt`);
    await eventually(
      () => editorText(p.page),
      (t) => t === TEXT,
    );
  }
  /** The lines of the gutter markers shown. */
  const markerLines = (page: Page) =>
    page
      .getByTestId('comment-marker')
      .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-line'))));
  const highlighted = (page: Page) =>
    page
      .locator('.cm-live-comment')
      .allTextContents()
      .then((parts) => parts.join(''));

  it('A comments on lines 3–4, B sees it, B types above, the marker moves for both, B replies, A resolves', async () => {
    const ana = await person('ana');
    const bo = await person('bo');
    const created = JSON.parse(
      (await api(ana.page, 'POST', '/api/sessions', { name: `Comments of ${ana.username}` })).body,
    ) as { id: string };
    const sessionId = created.id;
    await api(ana.page, 'POST', `/api/sessions/${sessionId}/files`, { path: 'notes.txt', content: TEXT });
    await api(ana.page, 'PUT', `/api/sessions/${sessionId}/members/${bo.username}`, { role: 'editor' });
    await open(ana, sessionId);
    await open(bo, sessionId);

    // The palette offers it, with its shortcut.
    await ana.page.locator('.cm-content').click();
    await ana.page.keyboard.press('Control+Shift+P');
    const options = await ana.page.getByTestId('command-palette').getByRole('option').allTextContents();
    expect(options.find((o) => o.includes('Comment on the selection'))).to.contain('Ctrl+Alt+M');
    expect(options.some((o) => o.includes('Toggle Comments'))).to.equal(true);
    await ana.page.keyboard.press('Escape');

    // Ana selects lines 3–4 and comments with the shortcut.
    await ana.page.locator('.cm-content').click();
    await ana.page.keyboard.press('Control+Home');
    await ana.page.keyboard.press('ArrowDown');
    await ana.page.keyboard.press('ArrowDown');
    await ana.page.keyboard.press('Shift+ArrowDown');
    await ana.page.keyboard.press('Shift+End');
    await ana.page.keyboard.press('Control+Alt+m');
    await ana.page.getByTestId('comment-draft').waitFor();
    expect(await ana.page.getByTestId('comment-draft').locator('blockquote').textContent()).to.equal(
      'three\nfour',
    );
    await ana.page.getByTestId('comment-draft').getByTestId('comment-input').fill('Merge these two?');
    await ana.page.getByTestId('comment-draft').getByTestId('comment-submit').click();
    await ana.page.getByTestId('live-thread').waitFor();
    expect(await ana.page.getByTestId('thread-body').textContent()).to.equal('Merge these two?');
    await eventually(
      () => markerLines(ana.page),
      (lines) => lines.join() === '3',
    );
    expect(await highlighted(ana.page)).to.equal('threefour');

    // Bo sees the marker live, on line 3.
    await eventually(
      () => markerLines(bo.page),
      (lines) => lines.join() === '3',
    );

    // Bo types two lines at the top: the marker moves to line 5 for both, the range with it.
    await bo.page.locator('.cm-content').click();
    await bo.page.keyboard.press('Control+Home');
    await bo.page.keyboard.type('new a\nnew b\n');
    await eventually(
      () => markerLines(bo.page),
      (lines) => lines.join() === '5',
    );
    await eventually(
      () => markerLines(ana.page),
      (lines) => lines.join() === '5',
    );
    expect(await highlighted(ana.page)).to.equal('threefour');
    expect(await highlighted(bo.page)).to.equal('threefour');

    // Bo clicks the marker: the Comments panel opens on the thread; Bo replies.
    await bo.page.locator('[data-testid="comment-marker"][data-line="5"]').click();
    const boThread = bo.page.getByTestId('live-thread');
    await boThread.waitFor();
    expect(await boThread.getAttribute('class')).to.contain('focused');
    await boThread.getByTestId('comment-input').fill('Yes, into one line.');
    await boThread.getByTestId('comment-submit').click();
    await eventually(
      () => ana.page.getByTestId('thread-reply').allTextContents(),
      (replies) => replies.some((r) => r.includes('Yes, into one line.')),
    );

    // Ana edits her comment; Bo sees the new text.
    await ana.page.getByTestId('edit-thread').click();
    await ana.page.getByRole('textbox', { name: 'Edit comment' }).fill('Merge these two lines?');
    await ana.page.getByTestId('live-thread').getByRole('button', { name: 'Save', exact: true }).click();
    await eventually(
      () => bo.page.getByTestId('thread-body').textContent(),
      (t) => t === 'Merge these two lines?',
    );

    // Ana resolves: the marker and highlight go for both; "Show resolved" brings it back in the list.
    await ana.page.getByTestId('resolve-thread').click();
    await eventually(
      () => markerLines(ana.page),
      (lines) => lines.length === 0,
    );
    await eventually(
      () => markerLines(bo.page),
      (lines) => lines.length === 0,
    );
    expect(await highlighted(bo.page)).to.equal('');
    // Bo's open thread stays in his panel, marked resolved, with Reopen instead of Resolve.
    await bo.page.getByTestId('thread-resolved').waitFor();
    expect(await bo.page.getByTestId('reopen-thread').count()).to.equal(1);
    // A reload lists open threads only, until "Show resolved".
    await bo.page.reload();
    await bo.page.getByRole('button', { name: 'Comments', exact: true }).click();
    await bo.page.getByTestId('no-comments').waitFor();
    await bo.page.getByTestId('show-resolved').check();
    await bo.page.getByTestId('thread-resolved').waitFor();
    expect(await bo.page.getByTestId('thread-reply').textContent()).to.contain('Yes, into one line.');
    await bo.page.screenshot({ path: `${ARTIFACTS}live-comments.png` });

    // The next version carries the thread: in History it is a comment on lines 5–6 of notes.txt.
    const saved = await api(ana.page, 'POST', `/api/sessions/${sessionId}/versions`, {
      message: 'With comment',
    });
    expect(saved.status).to.equal(201);
    await ana.page.getByRole('button', { name: 'History', exact: true }).click();
    await ana.page.getByTestId('version-row').filter({ hasText: 'With comment' }).click();
    const view = ana.page.getByTestId('version-view');
    // Resolved, so folded until shown.
    const thread = view.getByTestId('comment-thread').filter({ hasText: 'Resolved:' });
    await thread.getByRole('button', { name: 'Show' }).click();
    await view.getByTestId('comment-body').filter({ hasText: 'Merge these two lines?' }).waitFor();
    await view.getByTestId('comment-body').filter({ hasText: 'Yes, into one line.' }).waitFor();
  });
});
