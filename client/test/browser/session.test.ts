/** The browser client against a real server, in headless Chromium. */
import { expect } from 'chai';
import { ARTIFACTS, api, browserSuite, editorText, eventually, hasChromium, type Person } from './harness';

(hasChromium ? describe : describe.skip)('browser: editing a session together', function () {
  this.timeout(60_000);
  const suite = browserSuite();
  const { person } = suite;

  async function sessionWithFile(owner: Person, file: string): Promise<string> {
    await owner.page.getByLabel('New session name').fill(`Session of ${owner.username}`);
    await owner.page.getByRole('button', { name: 'New session' }).click();
    await owner.page.waitForURL(/\/s\//);
    await owner.page.getByTestId('file-tree').waitFor({ state: 'attached' });
    // On a phone the tree is a drawer behind a button.
    if (await owner.page.getByTestId('files-toggle').isVisible())
      await owner.page.getByTestId('files-toggle').click();
    await owner.page.getByTestId('new-file').click();
    await owner.page.getByLabel('New file name').fill(file);
    await owner.page.keyboard.press('Enter');
    await owner.page.locator('.cm-content').waitFor();
    expect(new URL(owner.page.url()).searchParams.get('file')).to.equal(file);
    return new URL(owner.page.url()).pathname.split('/')[2]!;
  }

  it('signing in with a wrong password says so in words, and a right one lands on the list', async () => {
    const ana = await person('ana');
    await ana.page.getByRole('button', { name: 'Sign out' }).click();
    await ana.page.waitForURL(/\/login/);
    await ana.page.getByLabel('Username').fill(ana.username);
    await ana.page.getByLabel('Password').fill('wrong password!!');
    await ana.page.getByRole('button', { name: 'Sign in' }).click();
    expect(await ana.page.getByTestId('auth-error').textContent()).to.equal('Wrong username or password.');
    await ana.page.getByLabel('Password').fill('correct horse battery staple');
    await ana.page.getByRole('button', { name: 'Sign in' }).click();
    await ana.page.waitForURL((url) => url.pathname === '/');
  });

  it('two editors type into one file and see the same text and each other', async () => {
    const ana = await person('ana');
    const bo = await person('bo');
    const sessionId = await sessionWithFile(ana, 'main.py');
    expect(
      (await api(ana.page, 'PUT', `/api/sessions/${sessionId}/members/${bo.username}`, { role: 'editor' }))
        .status,
    ).to.equal(200);

    await ana.page.locator('.cm-content').click();
    await ana.page.keyboard.type('print("hi")\n');
    await bo.page.goto(`/s/${sessionId}?file=main.py`);
    await bo.page.locator('.cm-content').click();
    await bo.page.keyboard.press('Control+End');
    await bo.page.keyboard.type('# 中文 😀 e\u0301\n');
    await ana.page.keyboard.type('x = 1\n');

    const expected = 'print("hi")\nx = 1\n# 中文 😀 e\u0301\n';
    const final = await eventually(
      async () => [await editorText(ana.page), await editorText(bo.page)],
      ([a, b]) => a === b && a!.length === expected.split('\n').join('\n').length,
    );
    expect(final[0]!.split('\n').sort()).to.deep.equal(expected.split('\n').sort());
    await eventually(
      () => ana.page.locator('.cm-remote-flag').allTextContents(),
      (names) => names.some((n) => n.startsWith('bo')),
    );
    await eventually(
      () => ana.page.getByTestId('presence-avatars').locator('button').count(),
      (n) => n === 2,
    );
    expect(await ana.page.getByTestId('people-in-file').textContent()).to.contain('2 people');
  });

  it('two people type into the same line at once, with emoji; both match the server; undo removes only mine', async () => {
    const ana = await person('ana');
    const bo = await person('bo');
    const sessionId = await sessionWithFile(ana, 'same.js');
    expect(
      (await api(ana.page, 'PUT', `/api/sessions/${sessionId}/members/${bo.username}`, { role: 'editor' }))
        .status,
    ).to.equal(200);
    await ana.page.locator('.cm-content').click();
    await ana.page.keyboard.type('let s = "";');
    await bo.page.goto(`/s/${sessionId}?file=same.js`);
    await eventually(
      () => editorText(bo.page),
      (t) => t === 'let s = "";',
    );
    // Both put the caret inside the quotes, then type at the same time.
    for (const p of [ana.page, bo.page]) {
      await p.locator('.cm-content').click();
      await p.keyboard.press('End');
      await p.keyboard.press('ArrowLeft');
      await p.keyboard.press('ArrowLeft');
    }
    await Promise.all([
      ana.page.keyboard.type('ana😀', { delay: 15 }),
      bo.page.keyboard.type('bo🎉', { delay: 15 }),
    ]);
    const [a] = await eventually(
      async () => [await editorText(ana.page), await editorText(bo.page)],
      ([x, y]) => x === y && x!.length === 'let s = "";'.length + 'ana😀bo🎉'.length,
    );
    expect(a).to.match(/^let s = ".*";$/);
    for (const piece of ['ana😀', 'bo🎉']) expect(a).to.include(piece);
    const session = JSON.parse((await api(ana.page, 'GET', `/api/sessions/${sessionId}`)).body);
    const fileId = session.files.find((f: { path: string }) => f.path === 'same.js').id;
    const serverText = async () =>
      JSON.parse((await api(bo.page, 'GET', `/api/sessions/${sessionId}/files/${fileId}`)).body)
        .content as string;
    await eventually(serverText, (t) => t === a);

    // Each sees the other's named cursor.
    await eventually(
      () => ana.page.locator('.cm-remote-flag').allTextContents(),
      (names) => names.some((n) => n.startsWith('bo')),
    );
    await eventually(
      () => bo.page.locator('.cm-remote-flag').allTextContents(),
      (names) => names.some((n) => n.startsWith('ana')),
    );
    await ana.page.screenshot({ path: `${ARTIFACTS}two-editors-ana.png` });
    await bo.page.screenshot({ path: `${ARTIFACTS}two-editors-bo.png` });

    // Undo in ana's browser takes back ana's typing only, in both editors and on the server.
    await ana.page.locator('.cm-content').focus();
    for (let i = 0; i < 5 && (await editorText(ana.page)).includes('ana'); i++) {
      await ana.page.keyboard.press('Control+z');
      await new Promise((r) => setTimeout(r, 150));
    }
    const undone = 'let s = "bo🎉";';
    await eventually(
      async () => [await editorText(ana.page), await editorText(bo.page), await serverText()],
      (texts) => texts.every((t) => t === undone),
    );
  });

  it('a viewer gets a read-only banner and cannot change the text', async () => {
    const ana = await person('ana');
    const vi = await person('vi');
    const sessionId = await sessionWithFile(ana, 'notes.md');
    await ana.page.locator('.cm-content').click();
    await ana.page.keyboard.type('# Notes');
    await api(ana.page, 'PUT', `/api/sessions/${sessionId}/members/${vi.username}`, { role: 'viewer' });
    await vi.page.goto(`/s/${sessionId}?file=notes.md`);
    await vi.page.getByTestId('read-only-banner').waitFor();
    expect(await vi.page.getByTestId('new-file').count()).to.equal(0);
    await eventually(
      () => editorText(vi.page),
      (t) => t === '# Notes',
    );
    await vi.page.locator('.cm-content').click();
    await vi.page.keyboard.type('scribble');
    await vi.page.waitForTimeout(300);
    expect(await editorText(vi.page)).to.equal('# Notes');
  });

  it('a role change takes effect at once: an editor made viewer can no longer type', async () => {
    const ana = await person('ana');
    const bo = await person('bo');
    const sessionId = await sessionWithFile(ana, 'plan.md');
    await api(ana.page, 'PUT', `/api/sessions/${sessionId}/members/${bo.username}`, { role: 'editor' });
    await bo.page.goto(`/s/${sessionId}?file=plan.md`);
    await bo.page.locator('.cm-content').click();
    await bo.page.keyboard.type('one');
    await eventually(
      () => editorText(ana.page),
      (t) => t === 'one',
    );
    await api(ana.page, 'PUT', `/api/sessions/${sessionId}/members/${bo.username}`, { role: 'viewer' });
    await bo.page.getByTestId('read-only-banner').waitFor();
    expect(await bo.page.getByTestId('my-role').textContent()).to.equal('viewer');
    await bo.page.locator('.cm-content').click();
    await bo.page.keyboard.type('two');
    await bo.page.waitForTimeout(300);
    expect(await editorText(bo.page)).to.equal('one');
    expect(await editorText(ana.page)).to.equal('one');
  });

  it('edits made offline are counted, kept, and delivered after reconnecting', async () => {
    const ana = await person('ana');
    const bo = await person('bo');
    const sessionId = await sessionWithFile(ana, 'a.txt');
    await api(ana.page, 'PUT', `/api/sessions/${sessionId}/members/${bo.username}`, { role: 'editor' });
    await bo.page.goto(`/s/${sessionId}?file=a.txt`);
    await bo.page.locator('.cm-content').click();
    await bo.context.setOffline(true);
    await bo.page.evaluate(() => window.dispatchEvent(new Event('offline')));
    await bo.page.keyboard.type('abc');
    const state = bo.page.getByTestId('connection-state');
    await eventually(
      () => state.textContent(),
      (t) => t === 'Offline — 3 unconfirmed edits',
    );
    await bo.context.setOffline(false);
    await bo.page.evaluate(() => window.dispatchEvent(new Event('online')));
    await eventually(
      () => state.textContent(),
      (t) => t === 'Connected',
      15_000,
    );
    await eventually(
      () => editorText(ana.page),
      (t) => t === 'abc',
    );
  });

  it('files and folders made by one person appear, move and vanish in the other tree', async () => {
    const ana = await person('ana');
    const bo = await person('bo');
    const sessionId = await sessionWithFile(ana, 'README.md');
    await api(ana.page, 'PUT', `/api/sessions/${sessionId}/members/${bo.username}`, { role: 'editor' });
    await bo.page.goto(`/s/${sessionId}`);
    const boTree = bo.page.getByTestId('file-tree');
    await ana.page.getByTestId('new-folder').click();
    await ana.page.getByLabel('New folder name').fill('src');
    await ana.page.keyboard.press('Enter');
    await ana.page.getByTestId('new-file').click();
    await ana.page.getByLabel('New file name').fill('app.ts');
    await ana.page.keyboard.press('Enter');
    await boTree.locator('[data-path="src/app.ts"]').waitFor();
    const anaTree = ana.page.getByTestId('file-tree');
    await anaTree.locator('[data-path="src/app.ts"]').hover();
    await ana.page.getByRole('button', { name: 'Rename app.ts' }).click();
    await ana.page.getByLabel('New name for app.ts').fill('main.ts');
    await ana.page.keyboard.press('Enter');
    await boTree.locator('[data-path="src/main.ts"]').waitFor();
    await anaTree.locator('[data-path="README.md"]').hover();
    await ana.page.getByRole('button', { name: 'Delete README.md' }).click();
    await ana.page.getByTestId('confirm').click();
    await boTree.locator('[data-path="README.md"]').waitFor({ state: 'detached' });
  });

  it('a revoked sign-in sends the person to the login page and back where they were', async () => {
    const ana = await person('ana');
    const sessionId = await sessionWithFile(ana, 'x.js');
    const token = await ana.page.evaluate(() => localStorage.getItem('gitpad.token'));
    // Signing out elsewhere revokes the token this tab holds.
    const response = await fetch(`${suite.h.server.url}/api/auth/logout`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(response.status).to.equal(204);
    await ana.page.waitForURL(/\/login\?next=/);
    expect(await ana.page.getByTestId('auth-error').textContent()).to.contain('expired');
    await ana.page.getByLabel('Username').fill(ana.username);
    await ana.page.getByLabel('Password').fill('correct horse battery staple');
    await ana.page.getByRole('button', { name: 'Sign in' }).click();
    await ana.page.waitForURL((url) => url.pathname === `/s/${sessionId}`);
  });

  it('fits a phone screen: no sideways scrolling, the file tree opens as a drawer', async () => {
    const ana = await person('ana', { width: 390, height: 844 });
    await sessionWithFile(ana, 'main.go');
    const overflow = await ana.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).to.be.at.most(0);
    // Opening the file closed the drawer: the tree waits off-screen, the editor has the width.
    const tree = ana.page.getByTestId('file-tree');
    await eventually(
      async () => (await tree.boundingBox())!,
      (box) => box.x + box.width <= 1,
    );
    const editor = (await ana.page.locator('.cm-editor').boundingBox())!;
    expect(editor.width).to.be.greaterThan(380);
    await ana.page.getByTestId('files-toggle').click();
    await eventually(
      async () => (await tree.boundingBox())!.x,
      (x) => x >= 0,
    );
  });
});
