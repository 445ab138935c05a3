/**
 * Issue 14 item 1 and issue 13 item 3 in the browser: a folder with nested files and a PNG is
 * uploaded and both people's trees fill in; the PNG opens as an image preview, not as text; a zip
 * that clashes with existing files lists the clashes before anything is written, and "Keep both"
 * imports them beside the old ones.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { api, browserSuite, eventually, hasChromium, type Person } from './harness';

const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5f1f9a40000000049454e44ae426082',
  'hex',
);

(hasChromium ? describe : describe.skip)(
  'browser: importing files, folders and zips; binary files',
  function () {
    this.timeout(90_000);
    // The clashing zip is answered 409 on purpose (nothing written, the clashes listed).
    const suite = browserSuite({
      env: { COMMIT_IDLE_MS: '600000', COMMIT_MAX_MS: '600000' },
      expectedErrors: /409 \(Conflict\)/,
    });
    const { person } = suite;

    async function newSession(owner: Person, name: string): Promise<string> {
      await owner.page.getByLabel('New session name').fill(name);
      await owner.page.getByRole('button', { name: 'New session' }).click();
      await owner.page.waitForURL(/\/s\//);
      await owner.page.getByTestId('file-tree').waitFor({ state: 'attached' });
      return new URL(owner.page.url()).pathname.split('/')[2]!;
    }
    const treePaths = (p: Person) =>
      p.page
        .locator('[data-testid="tree-file"]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-path')).sort());

    it('Ana uploads a folder with nested files and a PNG: both trees fill in, the PNG previews; a clashing zip asks first', async () => {
      const ana = await person('ana');
      const bo = await person('bo');
      const sessionId = await newSession(ana, 'Imports');
      expect(
        (await api(ana.page, 'PUT', `/api/sessions/${sessionId}/members/${bo.username}`, { role: 'editor' }))
          .status,
      ).to.equal(200);
      await bo.page.goto(`/s/${sessionId}`);
      await bo.page.getByTestId('file-tree').waitFor();

      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitpad-drop-'));
      fs.mkdirSync(path.join(dir, 'proj/src/lib'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'proj/src/main.py'), 'print("hi")\n');
      fs.writeFileSync(path.join(dir, 'proj/src/lib/util.py'), 'x = 1\n');
      fs.writeFileSync(path.join(dir, 'proj/logo.png'), PNG);
      await ana.page.getByTestId('upload-folder-input').setInputFiles(path.join(dir, 'proj'));
      await ana.page.getByTestId('import-done').waitFor();
      await ana.page.getByTestId('import-dialog').getByRole('button', { name: 'Close' }).last().click();

      const expected = ['proj/logo.png', 'proj/src/lib/util.py', 'proj/src/main.py'];
      for (const p of [ana, bo])
        await eventually(
          () => treePaths(p),
          (paths) => JSON.stringify(paths) === JSON.stringify(expected),
        );
      // A size beside the binary file, and an image preview when Bo opens it.
      await bo.page
        .locator('[data-testid="tree-file"][data-path="proj/logo.png"]')
        .getByTestId('file-size')
        .waitFor();
      await bo.page.locator('[data-testid="tree-file"][data-path="proj/logo.png"] .name').click();
      const img = bo.page.getByTestId('image-preview');
      await img.waitFor();
      await eventually(
        () => img.evaluate((el) => (el as HTMLImageElement).naturalWidth),
        (w) => w === 1,
      );
      expect(await bo.page.getByTestId('editor').isVisible()).to.equal(false);

      // A zip that clashes: listed, nothing written, then kept both.
      const zipDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitpad-zip-'));
      const zipFile = path.join(zipDir, 'more.zip');
      execFileSync('python3', [
        '-c',
        'import sys,zipfile\nz=zipfile.ZipFile(sys.argv[1],"w")\nz.writestr("proj/src/main.py","print(2)\\n")\nz.writestr("extra.txt","x\\n")\nz.close()',
        zipFile,
      ]);
      await ana.page.getByTestId('upload-input').setInputFiles(zipFile);
      const conflicts = ana.page.getByTestId('import-conflicts');
      await conflicts.waitFor();
      expect(await conflicts.textContent()).to.contain('proj/src/main.py');
      expect(await treePaths(bo)).to.deep.equal(expected);
      await ana.page.getByTestId('import-keep-both').click();
      await ana.page.getByTestId('import-done').waitFor();
      const after = ['extra.txt', ...expected, 'proj/src/main (1).py'].sort();
      for (const p of [ana, bo])
        await eventually(
          () => treePaths(p),
          (paths) => JSON.stringify(paths) === JSON.stringify(after),
        );

      await ana.page.getByTestId('import-dialog').getByRole('button', { name: 'Close' }).last().click();
      await ana.page.getByTestId('import-done').waitFor({ state: 'detached' });
      // A drop from outside the page onto the tree (here a synthetic one: Chromium gives such
      // files no folder entries, so they arrive by name).
      const dt = await ana.page.evaluateHandle(() => {
        const data = new DataTransfer();
        data.items.add(new File(['dropped\n'], 'dropped.txt', { type: 'text/plain' }));
        return data;
      });
      await ana.page.locator('.root-drop').dispatchEvent('dragover', { dataTransfer: dt });
      await ana.page.locator('.root-drop').dispatchEvent('drop', { dataTransfer: dt });
      await ana.page.getByTestId('import-done').waitFor();
      for (const p of [ana, bo])
        await eventually(
          () => treePaths(p),
          (paths) => paths.includes('dropped.txt'),
        );

      // An SVG is text (edited live) with a Preview that shows it as an image, where it cannot run script.
      const svg =
        '<svg xmlns="http://www.w3.org/2000/svg" width="3" height="2"><script>window.pwned=1</script><rect width="3" height="2"/></svg>\n';
      expect(
        (await api(ana.page, 'POST', `/api/sessions/${sessionId}/files`, { path: 'icon.svg', content: svg }))
          .status,
      ).to.equal(201);
      await eventually(
        () => treePaths(bo),
        (paths) => paths.includes('icon.svg'),
      );
      await bo.page.locator('[data-testid="tree-file"][data-path="icon.svg"] .name').click();
      await bo.page.getByTestId('svg-preview-toggle').click();
      const svgImg = bo.page.getByTestId('image-preview');
      await eventually(
        () => svgImg.evaluate((el) => (el as HTMLImageElement).naturalWidth),
        (w) => w === 3,
      );
      expect(await bo.page.evaluate(() => (window as { pwned?: number }).pwned)).to.equal(undefined);
    });
  },
);
