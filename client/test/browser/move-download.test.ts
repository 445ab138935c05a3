/**
 * Issue 14, items 3 and 4, in the browser: dragging a file into a folder (and a folder into
 * another) moves it for everyone, with the other person's tree and open tab following, and a
 * version downloaded from the history panel is byte for byte what `git archive` makes.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ARTIFACTS, api, browserSuite, editorText, eventually, hasChromium, type Person } from './harness';

(hasChromium ? describe : describe.skip)(
  'browser: moving files and folders, and taking versions out',
  function () {
    this.timeout(90_000);
    // Versions are made by the test (Save version, a folder move), not by the idle timer.
    const suite = browserSuite({ env: { COMMIT_IDLE_MS: '600000', COMMIT_MAX_MS: '600000' } });
    const { person } = suite;

    async function newSession(owner: Person, name: string): Promise<string> {
      await owner.page.getByLabel('New session name').fill(name);
      await owner.page.getByRole('button', { name: 'New session' }).click();
      await owner.page.waitForURL(/\/s\//);
      await owner.page.getByTestId('file-tree').waitFor({ state: 'attached' });
      return new URL(owner.page.url()).pathname.split('/')[2]!;
    }

    const row = (p: Person, kind: 'file' | 'folder', at: string) =>
      p.page.locator(`[data-testid="tree-${kind}"][data-path="${at}"]`);
    const treePaths = (p: Person) =>
      p.page
        .locator('[data-testid="tree-file"]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-path')));
    const tabPaths = (p: Person) =>
      p.page
        .getByTestId('editor-tabs')
        .locator('[role="tab"]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-path')));

    it('Ana drags a file into a folder, then that folder into another: Bo’s tree and open tab follow, and he is told', async () => {
      const ana = await person('ana');
      const bo = await person('bo');
      const sessionId = await newSession(ana, 'Moves');
      expect(
        (
          await api(ana.page, 'POST', `/api/sessions/${sessionId}/files`, {
            path: 'main.py',
            content: 'print(1)\n',
          })
        ).status,
      ).to.equal(201);
      expect(
        (await api(ana.page, 'PUT', `/api/sessions/${sessionId}/members/${bo.username}`, { role: 'editor' }))
          .status,
      ).to.equal(200);
      await bo.page.goto(`/s/${sessionId}?file=main.py`);
      await eventually(
        () => editorText(bo.page),
        (t) => t === 'print(1)\n',
      );

      // An empty folder made by Ana reaches Bo.
      await ana.page.getByTestId('new-folder').click();
      await ana.page.getByLabel('New folder name').fill('lib');
      await ana.page.keyboard.press('Enter');
      await row(bo, 'folder', 'lib').waitFor();
      // "New file" with a path makes the folders on its way (a leading `/` starts at the top: the
      // new file would otherwise go into lib, the folder just made).
      await ana.page.getByTestId('new-file').click();
      await ana.page.getByLabel('New file name').fill('/src/app.py');
      await ana.page.keyboard.press('Enter');
      await row(bo, 'file', 'src/app.py').waitFor();

      await row(ana, 'file', 'main.py').dragTo(row(ana, 'folder', 'lib'));
      await eventually(
        () => treePaths(bo),
        (paths) => paths.includes('lib/main.py') && !paths.includes('main.py'),
      );
      await eventually(
        () => tabPaths(bo),
        (paths) => paths.includes('lib/main.py'),
      );
      await eventually(
        () => bo.page.getByTestId('notice').allTextContents(),
        (texts) => texts.some((t) => t.includes(`${ana.username} moved main.py to lib/main.py`)),
      );

      // The whole folder, into another: one move for everyone, the tab still bound to the file.
      await row(ana, 'folder', 'lib').dragTo(row(ana, 'folder', 'src'));
      await eventually(
        () => treePaths(bo),
        (paths) => paths.includes('src/lib/main.py') && !paths.includes('lib/main.py'),
      );
      await eventually(
        () => tabPaths(bo),
        (paths) => JSON.stringify(paths) === JSON.stringify(['src/lib/main.py']),
      );
      await eventually(
        () => bo.page.getByTestId('notice').allTextContents(),
        (texts) => texts.some((t) => t.includes(`${ana.username} moved lib/ to src/lib/`)),
      );
      await bo.page.locator('.cm-content').click();
      await bo.page.keyboard.press('Control+End');
      await bo.page.keyboard.type('print(2)\n');
      const serverText = async () => {
        const files = JSON.parse((await api(ana.page, 'GET', `/api/sessions/${sessionId}`)).body)
          .files as Array<{
          id: string;
          path: string;
        }>;
        const id = files.find((f) => f.path === 'src/lib/main.py')!.id;
        return JSON.parse((await api(ana.page, 'GET', `/api/sessions/${sessionId}/files/${id}`)).body)
          .content;
      };
      await eventually(serverText, (t) => t === 'print(1)\nprint(2)\n');
      const history = JSON.parse((await api(ana.page, 'GET', `/api/sessions/${sessionId}/versions`)).body);
      expect(history[0].subject).to.equal('Move lib/ to src/lib/');

      // Rename takes a path relative to the file's folder.
      await row(ana, 'file', 'src/lib/main.py').click();
      await row(ana, 'file', 'src/lib/main.py').press('F2');
      await ana.page.getByLabel('New name for main.py').fill('../../main.py');
      await ana.page.keyboard.press('Enter');
      await eventually(
        () => tabPaths(bo),
        (paths) => JSON.stringify(paths) === JSON.stringify(['main.py']),
      );
      await bo.page.screenshot({ path: `${ARTIFACTS}move-followed.png` });
    });

    it('a version downloaded from the history panel is byte for byte what git archive makes of it', async () => {
      const ana = await person('ana');
      const sessionId = await newSession(ana, 'Zips');
      for (const [p, content] of [
        ['README.md', '# Zips ☕\n'],
        ['src/main.py', 'print("hi")\n'],
      ]) {
        expect(
          (await api(ana.page, 'POST', `/api/sessions/${sessionId}/files`, { path: p, content })).status,
        ).to.equal(201);
      }
      const saved = JSON.parse((await api(ana.page, 'POST', `/api/sessions/${sessionId}/versions`, {})).body);
      const sha = saved.sha as string;
      await ana.page.getByRole('button', { name: 'History', exact: true }).click();
      const zipButton = ana.page.locator(
        `[data-testid="version-row"][data-sha="${sha}"] + [data-testid="version-zip"]`,
      );
      await zipButton.waitFor({ state: 'attached' });
      const [download] = await Promise.all([
        ana.page.waitForEvent('download'),
        zipButton.click({ force: true }),
      ]);
      expect(download.suggestedFilename()).to.equal(`${sessionId}-${sha.slice(0, 7)}.zip`);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitpad-zip-'));
      const got = path.join(dir, 'got.zip');
      await download.saveAs(got);
      const expected = path.join(dir, 'expected.zip');
      await new Promise<void>((resolve, reject) =>
        execFile(
          'git',
          [
            '--git-dir',
            path.join(suite.h.server.reposDir, `${sessionId}.git`),
            'archive',
            '--format=zip',
            '-o',
            expected,
            sha,
          ],
          { env: { PATH: process.env.PATH, HOME: dir, GIT_CONFIG_NOSYSTEM: '1' } },
          (err) => (err ? reject(err) : resolve()),
        ),
      );
      expect(fs.readFileSync(got).equals(fs.readFileSync(expected))).to.equal(true);

      // The live project too, from the file tree.
      const [live] = await Promise.all([
        ana.page.waitForEvent('download'),
        ana.page.getByTestId('download-project').click(),
      ]);
      expect(live.suggestedFilename()).to.equal(`${sessionId}-live.zip`);
      fs.rmSync(dir, { recursive: true, force: true });
    });
  },
);
