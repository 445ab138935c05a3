/**
 * Issue 15, item 1 in a real browser: Ctrl+P is quick open (never the print dialog), the command
 * palette and the shortcut sheet read one registry, and search across files finds unsaved typing
 * and opens a result with the match selected.
 */
import { expect } from 'chai';
import { ARTIFACTS, api, browserSuite, editorText, eventually, hasChromium } from './harness';

(hasChromium ? describe : describe.skip)('browser: finding your way around a session', function () {
  this.timeout(90_000);
  const suite = browserSuite({ env: { COMMIT_IDLE_MS: '600000', COMMIT_MAX_MS: '600000' } });
  const { person } = suite;

  const FILES: Record<string, string> = {
    'README.md': '# Project\n',
    'src/server/main.ts': 'export function start() {\n  listen(3000);\n}\n',
    'src/client/app.ts': 'import { start } from "../server/main";\n',
    'docs/notes.md': 'nothing here\nsecond line\n',
  };

  async function sessionWithFiles(page: import('playwright-core').Page): Promise<string> {
    const s = await api(page, 'POST', '/api/sessions', { name: 'Find things' });
    const id = JSON.parse(s.body).id as string;
    for (const [path, content] of Object.entries(FILES)) {
      const f = await api(page, 'POST', `/api/sessions/${id}/files`, { path, content });
      expect(f.status, f.body).to.equal(201);
    }
    return id;
  }

  it('Ctrl+P opens quick open, not the print dialog; a fuzzy query and Enter open the file, recent files first next time', async () => {
    const ana = await person('ana');
    const id = await sessionWithFiles(ana.page);
    await ana.page.goto(`/s/${id}?file=README.md`);
    await ana.page.locator('.cm-content').waitFor();
    // Whoever sees the key after us: the browser's default (print) must have been prevented.
    // (A listener on the same target after ours still runs, and sees what ours did.)
    await ana.page.evaluate(() => {
      const w = window as unknown as { seen: boolean[] };
      w.seen = [];
      window.addEventListener(
        'keydown',
        (e) => {
          if (e.ctrlKey && e.key.toLowerCase() === 'p') w.seen.push(e.defaultPrevented);
        },
        { capture: true },
      );
    });
    // From inside the editor, too.
    await ana.page.locator('.cm-content').click();
    await ana.page.keyboard.press('Control+p');
    const quick = ana.page.getByTestId('quick-open');
    await quick.waitFor();
    await ana.page.keyboard.type('srvmain');
    const first = quick.getByRole('option').first();
    expect(await first.textContent()).to.contain('main.ts');
    await ana.page.keyboard.press('Enter');
    await ana.page.waitForURL(/file=src%2Fserver%2Fmain\.ts|file=src\/server\/main\.ts/);
    await eventually(
      () => editorText(ana.page),
      (t) => t.startsWith('export function start()'),
    );
    expect(await quick.isVisible()).to.equal(false);
    // The editor takes focus: typing goes into the file.
    await eventually(
      () => ana.page.evaluate(() => document.activeElement?.classList.contains('cm-content') ?? false),
      (focused) => focused,
    );
    await ana.page.keyboard.type('// hi\n');
    await eventually(
      () => editorText(ana.page),
      (t) => t.startsWith('// hi'),
    );

    // Recent files first: the file seen before this one is on top of an empty query.
    await ana.page.keyboard.press('Control+p');
    await quick.waitFor();
    expect(await quick.getByRole('option').first().textContent()).to.contain('README.md');
    await ana.page.keyboard.press('ArrowDown');
    await ana.page.keyboard.press('Escape');
    await eventually(
      () => quick.isVisible(),
      (v) => !v,
    );
    const seen = await ana.page.evaluate(() => (window as unknown as { seen: boolean[] }).seen);
    expect(seen).to.deep.equal([true, true]);

    // `name:line` goes to the line.
    await ana.page.keyboard.press('Control+p');
    await quick.waitFor();
    await ana.page.keyboard.type('notes:2');
    expect(await quick.getByRole('option').first().textContent()).to.contain('notes.md');
    await ana.page.keyboard.press('Enter');
    await ana.page.waitForURL(/file=docs%2Fnotes\.md|file=docs\/notes\.md/);
    await eventually(
      () => ana.page.getByTestId('cursor-position').textContent(),
      (t) => (t ?? '').includes('Ln 2, Col 1'),
    );
    await eventually(
      () => ana.page.evaluate(() => document.activeElement?.classList.contains('cm-content') ?? false),
      (focused) => focused,
    );
    await ana.page.screenshot({ path: `${ARTIFACTS}find-quick-open.png` });
  });

  it('the palette lists every command with the shortcut that is bound; ? shows the sheet', async () => {
    const ana = await person('ana');
    const id = await sessionWithFiles(ana.page);
    await ana.page.goto(`/s/${id}?file=README.md`);
    await ana.page.locator('.cm-content').waitFor();
    await ana.page.keyboard.press('Control+Shift+P');
    const palette = ana.page.getByTestId('command-palette');
    await palette.waitFor();
    const options = await palette.getByRole('option').allTextContents();
    await ana.page.screenshot({ path: `${ARTIFACTS}find-palette.png` });
    for (const [title, keys] of [
      ['Save version', 'Ctrl+S'],
      ['Go to file', 'Ctrl+P'],
      ['Search in files', 'Ctrl+Shift+F'],
      ['Keyboard shortcuts', '?'],
    ] as const) {
      const row = options.find((o) => o.includes(title));
      expect(row, title).to.not.equal(undefined);
      expect(row).to.contain(keys);
    }
    for (const title of [
      'New file',
      'Follow',
      'Toggle Chat',
      'Toggle History',
      'Toggle Members',
      'Toggle Search',
    ]) {
      expect(
        options.some((o) => o.includes(title)),
        title,
      ).to.equal(true);
    }
    // Run one from the palette: History opens.
    await ana.page.keyboard.type('toggle hist');
    await ana.page.keyboard.press('Enter');
    await ana.page.getByTestId('history-panel').waitFor();

    // `?` outside the editor shows the sheet; inside the editor it is typed.
    await ana.page.locator('.cm-content').click();
    await ana.page.keyboard.press('Control+Home');
    await ana.page.keyboard.press('End');
    await ana.page.keyboard.type('?');
    await eventually(
      () => editorText(ana.page),
      (t) => t.startsWith('# Project?'),
    );
    expect(await ana.page.getByTestId('shortcut-sheet').isVisible()).to.equal(false);
    await ana.page.getByTestId('session-name').click();
    await ana.page.keyboard.press('?');
    const sheet = ana.page.getByTestId('shortcut-sheet');
    await sheet.waitFor();
    expect(await sheet.textContent()).to.contain('Ctrl+Shift+F');
    expect(await sheet.textContent()).to.contain('Ctrl+Shift+P or F1');
    await ana.page.keyboard.press('Escape');
  });

  it('Ctrl+Shift+F finds unsaved typing across files; a result opens its file with the match selected', async () => {
    const ana = await person('ana');
    const id = await sessionWithFiles(ana.page);
    await ana.page.goto(`/s/${id}?file=docs/notes.md`);
    await ana.page.locator('.cm-content').click();
    await ana.page.keyboard.press('Control+End');
    await ana.page.keyboard.type('the 😀 needle is here\n');
    await eventually(
      () => editorText(ana.page),
      (t) => t.includes('needle'),
    );
    await ana.page.keyboard.press('Control+Shift+F');
    const panel = ana.page.getByTestId('search-panel');
    await panel.waitFor();
    await ana.page.keyboard.type('start');
    const hits = panel.getByTestId('search-hit');
    await eventually(
      () => hits.count(),
      (n) => n === 2,
    );
    expect(await panel.getByTestId('search-summary').textContent()).to.contain('2 results in 2 files');
    // The unsaved line, found and marked.
    await ana.page.getByTestId('search-query').fill('needle');
    await eventually(
      () => hits.count(),
      (n) => n === 1,
    );
    expect(await hits.first().locator('mark').textContent()).to.equal('needle');
    await ana.page.screenshot({ path: `${ARTIFACTS}find-search-results.png` });

    // A result in another file: it opens there, the match selected.
    await ana.page.getByTestId('search-query').fill('listen');
    await eventually(
      () => hits.allTextContents(),
      (t) => t.length === 1 && t[0]!.includes('listen(3000)'),
    );
    await hits.first().click();
    await ana.page.waitForURL(/file=src%2Fserver%2Fmain\.ts|file=src\/server\/main\.ts/);
    await eventually(
      () => ana.page.getByTestId('cursor-position').textContent(),
      (t) => /Ln 2, Col (3|9)\b.*\(6 selected\)/.test(t ?? ''),
    );
    expect(new URL(ana.page.url()).searchParams.get('line')).to.equal(null);

    // A selection in the editor is what Ctrl+Shift+F searches for; an editor replaces it across files.
    await ana.page.locator('.cm-content').click();
    await ana.page.keyboard.press('Control+Home');
    await ana.page.keyboard.press('Shift+End');
    await ana.page.keyboard.press('Control+Shift+F');
    await eventually(
      () => ana.page.getByTestId('search-query').inputValue(),
      (v) => v === 'export function start() {',
    );
    await ana.page.getByTestId('search-query').fill('start');
    await eventually(
      () => hits.count(),
      (n) => n === 2,
    );
    await ana.page.getByTestId('search-toggle-replace').click();
    await ana.page.getByTestId('search-replacement').fill('boot');
    await ana.page.getByTestId('search-replace-all').click();
    await ana.page.getByTestId('search-panel').getByTestId('confirm').click();
    await eventually(
      () => ana.page.getByTestId('notice').allTextContents(),
      (t) => t.some((x) => /Replaced 2 matches in 2 files; saved as [0-9a-f]{7}/.test(x)),
    );
    await eventually(
      () => editorText(ana.page),
      (t) => t.startsWith('export function boot() {'),
    );
    await eventually(
      () => hits.count(),
      (n) => n === 0,
    );
    await ana.page.screenshot({ path: `${ARTIFACTS}find-search.png` });
  });
});

(hasChromium ? describe : describe.skip)('browser: following a collaborator', function () {
  this.timeout(90_000);
  const suite = browserSuite({ env: { COMMIT_IDLE_MS: '600000', COMMIT_MAX_MS: '600000' } });
  const { person } = suite;

  it('follows their file and cursor as they move, until Escape; avatars say who is in which file', async () => {
    const ana = await person('ana');
    const bo = await person('bo');
    const s = await api(ana.page, 'POST', '/api/sessions', { name: 'Follow me' });
    const id = JSON.parse(s.body).id as string;
    const long = Array.from({ length: 300 }, (_, i) => `line ${i + 1}`).join('\n');
    for (const [path, content] of [
      ['long.txt', long],
      ['other.txt', 'other file\n'],
      ['third.txt', 'third\n'],
    ] as const) {
      expect((await api(ana.page, 'POST', `/api/sessions/${id}/files`, { path, content })).status).to.equal(
        201,
      );
    }
    expect(
      (await api(ana.page, 'PUT', `/api/sessions/${id}/members/${bo.username}`, { role: 'editor' })).status,
    ).to.equal(200);
    await ana.page.goto(`/s/${id}?file=third.txt`);
    await ana.page.locator('.cm-content').waitFor();
    await bo.page.goto(`/s/${id}?file=long.txt`);
    await bo.page.locator('.cm-content').waitFor();

    const avatar = ana.page.locator(`[data-username="${bo.username}"]`);
    await eventually(
      async () => (await avatar.getAttribute('title')) ?? '',
      (t) => t.includes('in long.txt'),
    );
    await avatar.click();
    await ana.page.getByTestId('follow-banner').waitFor();
    expect(await avatar.getAttribute('aria-pressed')).to.equal('true');
    await ana.page.waitForURL(/file=long\.txt/);

    // Bo goes to the end of the long file and types: Ana's editor scrolls there.
    await bo.page.locator('.cm-content').click();
    await bo.page.keyboard.press('Control+End');
    await bo.page.keyboard.type(' — bo was here');
    await eventually(
      () => ana.page.locator('.cm-line', { hasText: 'bo was here' }).isVisible(),
      (v) => v,
    );
    const inView = await ana.page.locator('.cm-line', { hasText: 'bo was here' }).evaluate((el) => {
      const r = el.getBoundingClientRect();
      const box = el.closest('.cm-scroller')!.getBoundingClientRect();
      return r.top >= box.top && r.bottom <= box.bottom;
    });
    expect(inView).to.equal(true);

    // Bo switches files: so does Ana.
    await bo.page.keyboard.press('Control+p');
    await bo.page.keyboard.type('other');
    await bo.page.keyboard.press('Enter');
    await ana.page.waitForURL(/file=other\.txt/);
    await eventually(
      () => editorText(ana.page),
      (t) => t.startsWith('other file'),
    );

    // Escape stops following: Bo's next switch leaves Ana where she is.
    await ana.page.keyboard.press('Escape');
    await eventually(
      () => ana.page.getByTestId('follow-banner').isVisible(),
      (v) => !v,
    );
    expect(await avatar.getAttribute('aria-pressed')).to.equal('false');
    await bo.page.keyboard.press('Control+p');
    await bo.page.keyboard.type('third');
    await bo.page.keyboard.press('Enter');
    await eventually(
      async () => (await avatar.getAttribute('title')) ?? '',
      (t) => t.includes('in third.txt'),
    );
    expect(new URL(ana.page.url()).searchParams.get('file')).to.equal('other.txt');

    // Typing stops it too.
    await avatar.click();
    await ana.page.waitForURL(/file=third\.txt/);
    await ana.page.getByTestId('follow-banner').waitFor();
    await ana.page.locator('.cm-content').click();
    await ana.page.keyboard.type('x');
    await eventually(
      () => ana.page.getByTestId('follow-banner').isVisible(),
      (v) => !v,
    );
    await ana.page.screenshot({ path: `${ARTIFACTS}find-follow.png` });
  });
});
