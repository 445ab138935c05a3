/**
 * The path rule in the browser: the file tree refuses what the server would refuse, inline and
 * before sending; and a session whose versions cannot be saved says so in the status bar, with
 * the cause, until a commit succeeds.
 */
import { expect } from 'chai';
import { submitOp, withDoc } from '../../../server/src/ot/docs';
import { api, browserSuite, eventually, hasChromium, type Person } from './harness';

(hasChromium ? describe : describe.skip)('browser: file paths and failing commits', function () {
  this.timeout(60_000);
  // Quick commits, and retries that stay a few seconds apart.
  const suite = browserSuite({
    env: { COMMIT_IDLE_MS: '100', COMMIT_MAX_MS: '500', COMMIT_RETRY_MAX_MS: '30000' },
    // While a path git cannot hold is in the session, the status bar's live diff (built as a git
    // tree) is refused too, with 400 ERR_INVALID_PATH: the failure line shows instead.
    expectedErrors: /status of 400/,
  });
  const { person } = suite;

  async function session(p: Person, files: string[]): Promise<{ id: string; files: Record<string, string> }> {
    const created = JSON.parse((await api(p.page, 'POST', '/api/sessions', { name: 'Paths' })).body);
    const ids: Record<string, string> = {};
    for (const path of files) {
      const f = await api(p.page, 'POST', `/api/sessions/${created.id}/files`, { path, content: 'x\n' });
      ids[path] = JSON.parse(f.body).id;
    }
    await p.page.goto(`/s/${created.id}`);
    await p.page.getByTestId('file-tree').waitFor({ state: 'attached' });
    return { id: created.id, files: ids };
  }

  async function tryNewFile(p: Person, name: string): Promise<string> {
    await p.page.getByTestId('new-file').click();
    await p.page.getByLabel('New file name').fill(name);
    await p.page.keyboard.press('Enter');
    const error = p.page.locator('.edit-error');
    await error.waitFor();
    const text = (await error.textContent()) ?? '';
    await p.page.keyboard.press('Escape');
    return text;
  }

  it('the new-file box shows the server’s own reason, inline, without asking the server', async () => {
    const ana = await person('ana');
    const s = await session(ana, ['src/a.js']);
    const requests: string[] = [];
    ana.page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().includes('/files')) requests.push(r.url());
    });
    expect(await tryNewFile(ana, 'git~1')).to.match(/reserved by git/);
    expect(await tryNewFile(ana, 'notes.')).to.match(/cannot end with "\."/);
    expect(await tryNewFile(ana, 'é'.repeat(200))).to.match(/400 bytes in UTF-8, at most 255/);
    expect(await tryNewFile(ana, 'SRC')).to.match(/"SRC" differs from "src" only in case/);
    expect(requests).to.deep.equal([]);
    const files = JSON.parse((await api(ana.page, 'GET', `/api/sessions/${s.id}`)).body).files;
    expect(files.map((f: { path: string }) => f.path)).to.deep.equal(['src/a.js']);
  });

  it('the status bar says why versions are not being saved, and stops once a rename fixes it', async () => {
    const ana = await person('ana');
    const s = await session(ana, ['a.txt']);
    // A name an older create rule let in: straight into the manifest, as it was stored then.
    const bad = 'é'.repeat(200);
    await withDoc(suite.h.server.server.services.conn, 'sessions', s.id, (doc) =>
      submitOp(doc, [{ p: ['files', s.files['a.txt']!, 'path'], od: 'a.txt', oi: bad }]),
    );
    suite.h.server.server.services.worker.noteEdit(s.id, null, 1);
    const failure = ana.page.getByTestId('version-failure');
    const text = await eventually(
      async () => ((await failure.isVisible()) ? ((await failure.textContent()) ?? '') : ''),
      (t) => /retrying in \d+ s/.test(t),
    );
    expect(text).to.match(/^Versions are not being saved: ".*" cannot be saved in git: .*400 bytes/);

    // A tab opened now is told too.
    const later = await ana.context.newPage();
    await later.goto(`/s/${s.id}`);
    await later.getByTestId('version-failure').waitFor();

    const renamed = await api(ana.page, 'PATCH', `/api/sessions/${s.id}/files/${s.files['a.txt']}`, {
      path: 'fixed.txt',
    });
    expect(renamed.status).to.equal(200);
    await failure.waitFor({ state: 'detached' });
    await later.getByTestId('version-failure').waitFor({ state: 'detached' });
    await ana.page.getByTestId('version-status').waitFor();
    await later.close();
  });
});
