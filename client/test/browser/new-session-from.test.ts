/**
 * Issue 14 item 2 in the browser: "New session from a zip" through the file chooser creates a
 * session named after the zip, imports its files and opens it; a bundle that is not one shows why
 * in words and leaves no empty session behind.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { api, browserSuite, eventually, hasChromium, type Person } from './harness';

(hasChromium ? describe : describe.skip)('browser: new session from a zip or a git bundle', function () {
  this.timeout(90_000);
  // The broken bundle is answered 400 on purpose.
  const suite = browserSuite({
    env: { COMMIT_IDLE_MS: '600000', COMMIT_MAX_MS: '600000' },
    expectedErrors: /400 \(Bad Request\)/,
  });
  const { person } = suite;
  const treePaths = (p: Person) =>
    p.page
      .locator('[data-testid="tree-file"]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-path')).sort());
  const sessionNames = async (p: Person) =>
    (
      JSON.parse((await api(p.page, 'GET', '/api/sessions')).body) as { sessions: Array<{ name: string }> }
    ).sessions.map((s) => s.name);

  it('"New session from a zip" creates a session named after it, imports the files and opens it', async () => {
    const ana = await person('ana');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitpad-newfrom-'));
    const zip = path.join(dir, 'webshop.zip');
    execFileSync('python3', [
      '-c',
      `import zipfile, sys
with zipfile.ZipFile(sys.argv[1], 'w') as z:
    z.writestr('README.md', '# shop\\n')
    z.writestr('src/app/main.ts', 'export const x = 1;\\n')`,
      zip,
    ]);
    const [chooser] = await Promise.all([
      ana.page.waitForEvent('filechooser'),
      ana.page.getByTestId('new-from-zip').click(),
    ]);
    await chooser.setFiles(zip);
    await ana.page.waitForURL(/\/s\//);
    await eventually(
      () => treePaths(ana),
      (paths) => JSON.stringify(paths) === JSON.stringify(['README.md', 'src/app/main.ts']),
    );
    expect(await sessionNames(ana)).to.deep.equal(['webshop']);
  });

  it('"New session from a folder" takes the folder\'s name; its contents are the top level', async () => {
    const cy = await person('cy');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitpad-newfrom-'));
    fs.mkdirSync(path.join(dir, 'garden/src'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'garden/src/main.py'), 'print("hi")\n');
    fs.writeFileSync(path.join(dir, 'garden/notes.md'), '# notes\n');
    await cy.page.getByTestId('new-from-folder-input').setInputFiles(path.join(dir, 'garden'));
    await cy.page.waitForURL(/\/s\//);
    await eventually(
      () => treePaths(cy),
      (paths) => JSON.stringify(paths) === JSON.stringify(['notes.md', 'src/main.py']),
    );
    expect(await sessionNames(cy)).to.deep.equal(['garden']);
  });

  it('a file that is no git bundle is explained in words and no empty session is left', async () => {
    const bo = await person('bo');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitpad-newfrom-'));
    const bundle = path.join(dir, 'broken.bundle');
    fs.writeFileSync(bundle, 'this is not a bundle\n');
    const [chooser] = await Promise.all([
      bo.page.waitForEvent('filechooser'),
      bo.page.getByTestId('new-from-bundle').click(),
    ]);
    await chooser.setFiles(bundle);
    const error = bo.page.getByTestId('new-from-error');
    await error.waitFor();
    expect(await error.textContent()).to.match(/"broken\.bundle".*not a usable git bundle/);
    expect(new URL(bo.page.url()).pathname).to.equal('/');
    expect(await sessionNames(bo)).to.deep.equal([]);
  });
});
