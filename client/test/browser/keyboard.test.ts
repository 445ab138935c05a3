/**
 * Issue 15, item 6 in a real browser, without the mouse: sign in, open a session, walk the file
 * tree with the arrow keys (one Tab stop, folders, an empty folder, a binary file, type-ahead, F2
 * and Delete), open and edit a file, find with a match count, leave the editor with Escape then
 * Tab, and reload into the same tabs; tabs remembered by file id (renames followed, deleted files
 * dropped) and kept in view; the editor named for screen readers, read-only said for viewers.
 */
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import {
  ARTIFACTS,
  api,
  browserSuite,
  editorText,
  eventually,
  expectNoSeriousA11yViolations,
  hasChromium,
} from './harness';

(hasChromium ? describe : describe.skip)('browser: the keyboard and screen readers', function () {
  this.timeout(90_000);
  const suite = browserSuite({ env: { COMMIT_IDLE_MS: '600000', COMMIT_MAX_MS: '600000' } });
  const { person } = suite;

  const PNG = [
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
  ];

  /** A session with nested files, an empty folder and a binary file; returns its id and file ids. */
  async function project(page: Page): Promise<{ id: string; files: Record<string, string> }> {
    const id = JSON.parse((await api(page, 'POST', '/api/sessions', { name: 'Keys only' })).body)
      .id as string;
    const files: Record<string, string> = {};
    for (const [path, content] of [
      ['README.md', '# Keys\n'],
      ['src/util.ts', 'export const util = 1;\n'],
      ['src/app/main.ts', 'const a = 1;\nconst b = a + a;\n'],
    ] as const) {
      const r = await api(page, 'POST', `/api/sessions/${id}/files`, { path, content });
      expect(r.status, r.body).to.equal(201);
      files[path] = JSON.parse(r.body).id;
    }
    expect((await api(page, 'POST', `/api/sessions/${id}/folders`, { path: 'docs' })).status).to.equal(201);
    const png = await page.evaluate(
      async ([id, bytes]) => {
        const r = await fetch(`/api/sessions/${id}/files?path=logo.png`, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/octet-stream',
            Authorization: `Bearer ${localStorage.getItem('gitpad.token')}`,
          },
          body: new Uint8Array(bytes as number[]),
        });
        return { status: r.status, body: await r.text() };
      },
      [id, PNG] as const,
    );
    expect(png.status, png.body).to.equal(201);
    files['logo.png'] = JSON.parse(png.body).id;
    return { id, files };
  }

  /** What has focus: a tree row's path, a tab's path, the editor, or a description. */
  const focused = (page: Page) =>
    page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el) return 'nothing';
      if (el.getAttribute('role') === 'treeitem') return `tree:${el.dataset.path}`;
      if (el.getAttribute('role') === 'tab') return `tab:${el.dataset.path}`;
      if (el.classList.contains('cm-content')) return 'editor';
      if (el.tagName === 'A') return `a[href=${el.getAttribute('href')}]`;
      return `${el.tagName.toLowerCase()}${el.getAttribute('name') ? `[name=${el.getAttribute('name')}]` : ''}${el.dataset.testid ? `#${el.dataset.testid}` : ''}`;
    });

  /** Presses Tab (or Shift+Tab) until `want` has focus; fails after `max` presses, saying where focus went. */
  async function tabTo(page: Page, want: (f: string) => boolean, max = 40, back = false): Promise<string> {
    const seen: string[] = [];
    for (let i = 0; i < max; i++) {
      await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
      const f = await focused(page);
      if (want(f)) return f;
      seen.push(f);
    }
    throw new Error(`never reached by ${back ? 'Shift+Tab' : 'Tab'}; focus went: ${seen.join(' → ')}`);
  }

  const tabs = (page: Page) =>
    page
      .getByTestId('editor-tabs')
      .getByRole('tab')
      .evaluateAll((els) =>
        els.map(
          (el) =>
            `${(el as HTMLElement).dataset.path}${el.getAttribute('aria-selected') === 'true' ? '*' : ''}`,
        ),
      );
  const expanded = (page: Page, path: string) =>
    page.locator(`[role=treeitem][data-path="${path}"]`).getAttribute('aria-expanded');

  it('signs in, walks the tree, edits, finds with a count and reloads into the same tabs, all from the keyboard', async () => {
    const ana = await person('ana');
    const { id } = await project(ana.page);
    const page = ana.page;
    await page.evaluate(() => localStorage.removeItem('gitpad.token'));
    await page.goto('/login');

    // Sign in.
    await eventually(
      () => focused(page),
      (f) => f === 'input[name=username]',
    );
    await page.keyboard.type(ana.username);
    await page.keyboard.press('Tab');
    await page.keyboard.type('correct horse battery staple');
    await page.keyboard.press('Enter');
    await page.waitForURL((url) => url.pathname === '/');

    // The session, from the list.
    await page.getByTestId('session-list').getByRole('link').first().waitFor();
    await tabTo(page, (f) => f === `a[href=/s/${id}]`);
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`/s/${id}`));
    await page.getByTestId('file-tree').waitFor();

    // One Tab stop in the tree: the first row.
    expect(await page.locator('[role=treeitem][tabindex="0"]').count()).to.equal(1);
    expect(await tabTo(page, (f) => f.startsWith('tree:'))).to.equal('tree:docs');
    // The next Tab leaves the tree (no stop on each row or its buttons).
    await page.keyboard.press('Tab');
    expect(await focused(page)).to.not.match(/^tree:/);
    await page.keyboard.press('Shift+Tab');
    expect(await focused(page)).to.equal('tree:docs');

    // An empty folder: Right has no child to go to, Left collapses it, Right opens it again.
    expect(await expanded(page, 'docs')).to.equal('true');
    await page.keyboard.press('ArrowRight');
    expect(await focused(page)).to.equal('tree:docs');
    await page.keyboard.press('ArrowLeft');
    expect(await expanded(page, 'docs')).to.equal('false');
    await page.keyboard.press('ArrowRight');
    expect(await expanded(page, 'docs')).to.equal('true');

    // Down to src; Left collapses it (its rows go), Right opens it, Right again goes in.
    await page.keyboard.press('ArrowDown');
    expect(await focused(page)).to.equal('tree:src');
    await page.keyboard.press('ArrowLeft');
    expect(await expanded(page, 'src')).to.equal('false');
    expect(await page.locator('[role=treeitem][data-path="src/util.ts"]').count()).to.equal(0);
    await page.keyboard.press('ArrowDown');
    expect(await focused(page)).to.equal('tree:logo.png');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowRight');
    expect(await expanded(page, 'src')).to.equal('true');
    await page.keyboard.press('ArrowRight');
    expect(await focused(page)).to.equal('tree:src/app');
    await page.keyboard.press('ArrowRight');
    expect(await focused(page)).to.equal('tree:src/app/main.ts');
    // Left from a file goes to its folder; Home and End; type-ahead by first letters.
    await page.keyboard.press('ArrowLeft');
    expect(await focused(page)).to.equal('tree:src/app');
    await page.keyboard.press('End');
    expect(await focused(page)).to.equal('tree:README.md');
    await page.keyboard.press('Home');
    expect(await focused(page)).to.equal('tree:docs');
    await page.keyboard.type('ut');
    expect(await focused(page)).to.equal('tree:src/util.ts');
    await new Promise((r) => setTimeout(r, 700));
    await page.keyboard.type('m');
    expect(await focused(page)).to.equal('tree:src/app/main.ts');
    const row = page.locator('[role=treeitem][data-path="src/app/main.ts"]');
    expect(await row.getAttribute('aria-level')).to.equal('3');
    expect(await row.getAttribute('aria-setsize')).to.equal('1');
    const readme = page.locator('[role=treeitem][data-path="README.md"]');
    expect([
      await readme.getAttribute('aria-posinset'),
      await readme.getAttribute('aria-setsize'),
    ]).to.deep.equal(['4', '4']);

    // Enter opens it, and the editor has focus: typing goes in.
    await page.keyboard.press('Enter');
    await eventually(
      () => focused(page),
      (f) => f === 'editor',
    );
    expect(await page.locator('.cm-content').getAttribute('aria-label')).to.equal('Editing src/app/main.ts');
    expect(await page.locator('[role=treeitem][tabindex="0"]').getAttribute('data-path')).to.equal(
      'src/app/main.ts',
    );
    await page.keyboard.type('// by keys\n');
    await eventually(
      () => editorText(page),
      (t) => t.startsWith('// by keys\nconst a = 1;'),
    );

    // Find: the count says where we are; Enter and Shift+Enter move; Escape goes back to the text.
    await page.keyboard.press('Control+f');
    await eventually(
      () => focused(page),
      (f) => f === 'input#find-field',
    );
    await page.keyboard.type('a');
    const count = page.getByTestId('find-count');
    await eventually(
      () => count.textContent(),
      (t) => /^\d+ matches$|^\d+ of \d+$/.test(t ?? ''),
    );
    await page.keyboard.press('Control+a');
    await page.keyboard.type('a + a');
    await eventually(
      () => count.textContent(),
      (t) => t === '1 match',
    );
    await page.keyboard.press('Control+a');
    await page.keyboard.type('const');
    await eventually(
      () => count.textContent(),
      (t) => t === '2 matches',
    );
    await page.keyboard.press('Enter');
    await eventually(
      () => count.textContent(),
      (t) => t === '1 of 2',
    );
    await page.keyboard.press('Enter');
    await eventually(
      () => count.textContent(),
      (t) => t === '2 of 2',
    );
    await page.keyboard.press('Shift+Enter');
    await eventually(
      () => count.textContent(),
      (t) => t === '1 of 2',
    );
    await page.keyboard.press('Control+a');
    await page.keyboard.type('nothing like this');
    await eventually(
      () => count.textContent(),
      (t) => t === 'No matches',
    );
    await page.screenshot({ path: `${ARTIFACTS}keyboard-find.png` });
    await page.keyboard.press('Escape');
    expect(await page.getByTestId('find-box').count()).to.equal(0);
    expect(await focused(page)).to.equal('editor');

    // Escape, then Shift+Tab: out of the editor to the file's toolbar above it (blame, its
    // versions), on to its tab, then back to the tree.
    await page.keyboard.press('Escape');
    await page.keyboard.press('Shift+Tab');
    expect(await focused(page)).to.equal('button#file-versions');
    await tabTo(page, (f) => f.startsWith('tab:'), 5, true);
    expect(await focused(page)).to.equal('tab:src/app/main.ts');
    await tabTo(page, (f) => f.startsWith('tree:'), 10, true);
    expect(await focused(page)).to.equal('tree:src/app/main.ts');
    // README.md too, then the binary file shows its preview (no tab).
    await page.keyboard.press('End');
    await page.keyboard.press('Enter');
    await eventually(
      () => tabs(page),
      (t) => t.join() === 'src/app/main.ts,README.md*',
    );
    await eventually(
      () => focused(page),
      (f) => f === 'editor',
    );
    expect(await page.locator('.cm-content').getAttribute('aria-label')).to.equal('Editing README.md');

    // Reload: the same tabs, the same one active, the same text.
    await page.reload();
    await eventually(
      () => tabs(page),
      (t) => t.join() === 'src/app/main.ts,README.md*',
    );
    await eventually(
      () => editorText(page),
      (t) => t === '# Keys\n'.trimEnd() || t === '# Keys\n',
    );

    // The tabs by keyboard: one Tab stop, Left shows the other file, Delete closes it.
    await page.locator('.cm-content').waitFor();
    await tabTo(page, (f) => f.startsWith('tab:'));
    expect(await focused(page)).to.equal('tab:README.md');
    await page.keyboard.press('ArrowLeft');
    expect(await focused(page)).to.equal('tab:src/app/main.ts');
    await eventually(
      () => tabs(page),
      (t) => t.join() === 'src/app/main.ts*,README.md',
    );
    await eventually(
      () => editorText(page),
      (t) => t.startsWith('// by keys'),
    );
    await page.keyboard.press('Delete');
    await eventually(
      () => tabs(page),
      (t) => t.join() === 'README.md*',
    );
    expect(await focused(page)).to.equal('tab:README.md');
    await page.screenshot({ path: `${ARTIFACTS}keyboard-tabs.png` });
  });

  it('F2 renames and Delete asks first, from the tree; a binary file opens with Enter', async () => {
    const ana = await person('ana');
    const { id } = await project(ana.page);
    const page = ana.page;
    await page.goto(`/s/${id}`);
    await page.getByTestId('file-tree').waitFor();
    await tabTo(page, (f) => f.startsWith('tree:'));
    await page.keyboard.type('lo');
    expect(await focused(page)).to.equal('tree:logo.png');
    expect(await page.locator('[role=treeitem][data-path="logo.png"]').getAttribute('aria-label')).to.match(
      /^logo\.png \d+ B$/,
    );
    await page.keyboard.press('Enter');
    await page.getByTestId('binary-pane').waitFor();

    await tabTo(page, (f) => f.startsWith('tree:'), 40, true);
    await page.keyboard.press('Home');
    await page.keyboard.type('r');
    expect(await focused(page)).to.equal('tree:README.md');
    await page.keyboard.press('F2');
    const rename = page.getByLabel('New name for README.md');
    await eventually(
      () => rename.evaluate((el) => el === document.activeElement),
      (v) => v,
    );
    // Backspace in the name field is typing, not "delete this file".
    await page.keyboard.press('Backspace');
    expect(await page.getByRole('dialog').count()).to.equal(0);
    await page.keyboard.press('Control+a');
    await page.keyboard.type('docs/INTRO.md');
    await page.keyboard.press('Enter');
    await page.locator('[role=treeitem][data-path="docs/INTRO.md"]').waitFor();
    // Focus follows the renamed row.
    await eventually(
      () => focused(page),
      (f) => f === 'tree:docs/INTRO.md',
    );
    // F2 then Escape: nothing renamed, focus back on the row.
    await page.keyboard.press('F2');
    await page.keyboard.type('x');
    await page.keyboard.press('Escape');
    await eventually(
      () => focused(page),
      (f) => f === 'tree:docs/INTRO.md',
    );

    // Delete asks in the usual dialog; Escape keeps the file.
    await page.keyboard.press('Delete');
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    expect(await dialog.textContent()).to.contain('docs/INTRO.md');
    await page.keyboard.press('Escape');
    await eventually(
      () => dialog.count(),
      (n) => n === 0,
    );
    expect(await page.locator('[role=treeitem][data-path="docs/INTRO.md"]').count()).to.equal(1);

    // Again, and confirm from the keyboard: the file goes, focus moves to the row in its place.
    if ((await focused(page)) !== 'tree:docs/INTRO.md') {
      await tabTo(page, (f) => f.startsWith('tree:'), 40, true);
      expect(await focused(page)).to.equal('tree:docs/INTRO.md');
    }
    await page.keyboard.press('Delete');
    await dialog.waitFor();
    await tabTo(page, (f) => f === 'button#confirm', 5);
    await page.keyboard.press('Enter');
    await eventually(
      () => page.locator('[role=treeitem][data-path="docs/INTRO.md"]').count(),
      (n) => n === 0,
    );
    await eventually(
      () => focused(page),
      (f) => f === 'tree:src',
    );
    expect(await page.locator('[role=treeitem][tabindex="0"]').count()).to.equal(1);
  });

  it('remembered tabs follow a renamed file, drop a deleted one, and the active tab scrolls into view', async () => {
    const ana = await person('ana');
    const page = ana.page;
    const id = JSON.parse((await api(page, 'POST', '/api/sessions', { name: 'Many tabs' })).body)
      .id as string;
    const ids: string[] = [];
    for (let i = 1; i <= 24; i++) {
      const r = await api(page, 'POST', `/api/sessions/${id}/files`, {
        path: `file-with-a-long-name-${String(i).padStart(2, '0')}.txt`,
        content: `file ${i}\n`,
      });
      ids.push(JSON.parse(r.body).id);
    }
    // Yesterday's tabs, as this browser remembered them: all 24, the last active, plus a stranger.
    await page.evaluate(
      ([id, ids]) =>
        localStorage.setItem(
          `gitpad.tabs.${id}`,
          JSON.stringify({ open: [...(ids as string[]), 'no-such-file'], active: (ids as string[])[23] }),
        ),
      [id, ids] as const,
    );
    // Meanwhile someone renamed the first and deleted the second.
    expect(
      (await api(page, 'PATCH', `/api/sessions/${id}/files/${ids[0]}`, { path: 'renamed.txt' })).status,
    ).to.equal(200);
    expect((await api(page, 'DELETE', `/api/sessions/${id}/files/${ids[1]}`)).status).to.equal(204);

    await page.goto(`/s/${id}`);
    const expected = [
      'renamed.txt',
      ...Array.from({ length: 22 }, (_, i) => `file-with-a-long-name-${String(i + 3).padStart(2, '0')}.txt`),
    ];
    const open = await eventually(
      () => tabs(page),
      (t) => t.length === 23,
    );
    expect(open.map((t) => t.replace('*', ''))).to.deep.equal(expected);
    expect(open[22]).to.equal('file-with-a-long-name-24.txt*');
    await page.waitForURL(/file=file-with-a-long-name-24\.txt/);

    const inView = (path: string) =>
      page.locator(`[role=tab][data-path="${path}"]`).evaluate((el) => {
        const r = el.getBoundingClientRect();
        const box = el.parentElement!.getBoundingClientRect();
        return r.left >= box.left - 1 && r.right <= box.right + 1;
      });
    await eventually(
      () => inView('file-with-a-long-name-24.txt'),
      (v) => v,
    );
    expect(await inView('renamed.txt')).to.equal(false);
    // Quick open the first: its tab comes into view.
    await page.keyboard.press('Control+p');
    await page.getByTestId('quick-open').waitFor();
    await page.keyboard.type('renamed');
    await page.keyboard.press('Enter');
    await eventually(
      () => inView('renamed.txt'),
      (v) => v,
    );
    // A `?file=` link still decides the active file; the remembered ones open beside it.
    await page.goto(`/s/${id}?file=file-with-a-long-name-10.txt`);
    await eventually(
      () => tabs(page),
      (t) => t.length === 23 && t.includes('file-with-a-long-name-10.txt*'),
    );
  });

  it('a viewer’s editor says it is read-only; the find box offers no replace to them', async () => {
    const ana = await person('ana');
    const bo = await person('bo');
    const { id } = await project(ana.page);
    expect(
      (await api(ana.page, 'PUT', `/api/sessions/${id}/members/${bo.username}`, { role: 'viewer' })).status,
    ).to.equal(200);
    await bo.page.goto(`/s/${id}?file=README.md`);
    const content = bo.page.locator('.cm-content');
    await content.waitFor();
    expect(await content.getAttribute('aria-readonly')).to.equal('true');
    expect(await content.getAttribute('aria-label')).to.equal('Editing README.md');
    await bo.page.getByTestId('read-only-banner').waitFor();
    await expectNoSeriousA11yViolations(bo.page, 'a viewer’s session');
    await content.click();
    await bo.page.keyboard.press('Control+f');
    await bo.page.getByTestId('find-box').waitFor();
    expect(await bo.page.getByTestId('replace-field').isVisible()).to.equal(false);
    await ana.page.goto(`/s/${id}?file=README.md`);
    await ana.page.locator('.cm-content').waitFor();
    expect(await ana.page.locator('.cm-content').getAttribute('aria-readonly')).to.equal(null);
  });
});
