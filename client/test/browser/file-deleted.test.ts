/**
 * Issue 12, item 2, in the browser: a file deleted while someone types in it stays open for them
 * as an editable copy, under a banner naming who deleted it, and "Restore file" brings it back for
 * everyone with what they typed.
 */
import { expect } from 'chai';
import { ARTIFACTS, api, browserSuite, editorText, eventually, hasChromium } from './harness';

(hasChromium ? describe : describe.skip)('browser: a file deleted while someone types in it', function () {
  this.timeout(90_000);
  // Versions are made by the delete itself, not by the idle timer.
  const suite = browserSuite({ env: { COMMIT_IDLE_MS: '600000', COMMIT_MAX_MS: '600000' } });
  const { person } = suite;

  it('Bob keeps an editable copy under a banner naming Ana, and "Restore file" brings it back with his text', async () => {
    const ana = await person('ana');
    const bo = await person('bo');
    await ana.page.getByLabel('New session name').fill('Deletes');
    await ana.page.getByRole('button', { name: 'New session' }).click();
    await ana.page.waitForURL(/\/s\//);
    const sessionId = new URL(ana.page.url()).pathname.split('/')[2]!;
    const created = await api(ana.page, 'POST', `/api/sessions/${sessionId}/files`, {
      path: 'db.sql',
      content: 'select 1;\n',
    });
    expect(created.status).to.equal(201);
    expect(
      (await api(ana.page, 'PUT', `/api/sessions/${sessionId}/members/${bo.username}`, { role: 'editor' }))
        .status,
    ).to.equal(200);

    await bo.page.goto(`/s/${sessionId}?file=db.sql`);
    await eventually(
      () => editorText(bo.page),
      (t) => t === 'select 1;\n',
    );
    await bo.page.locator('.cm-content').click();
    await bo.page.keyboard.press('Control+End');
    await bo.page.keyboard.type('insert into t values (1);\n');
    const fileId = JSON.parse(created.body).id as string;
    const serverText = async (id: string) =>
      JSON.parse((await api(ana.page, 'GET', `/api/sessions/${sessionId}/files/${id}`)).body)
        .content as string;
    await eventually(
      () => serverText(fileId),
      (t) => t === 'select 1;\ninsert into t values (1);\n',
    );

    // Bob keeps typing while Ana deletes the file from her tree.
    const typing = bo.page.keyboard.type('-- bob was still typing here', { delay: 40 });
    await ana.page.getByTestId('file-tree').getByText('db.sql').hover();
    await ana.page.getByRole('button', { name: 'Delete db.sql' }).click();
    await ana.page.getByTestId('confirm').click();
    await typing;

    const banner = bo.page.getByTestId('deleted-banner');
    await eventually(
      async () => (await banner.isVisible()) && ((await banner.textContent()) ?? ''),
      (text) => typeof text === 'string' && text.includes(`was deleted by ${ana.username}`),
    );
    expect(await banner.textContent()).to.match(
      /db\.sql was deleted by .* — this copy is only in your browser/,
    );
    // Everything he typed is still there, and it stays editable.
    await bo.page.keyboard.type(' and after');
    const local = await editorText(bo.page);
    expect(local).to.equal('select 1;\ninsert into t values (1);\n-- bob was still typing here and after');
    await bo.page.screenshot({ path: `${ARTIFACTS}file-deleted-banner.png` });
    const notices = await bo.page.getByTestId('notice').allTextContents();
    expect(notices.join('\n')).not.to.match(/went wrong/i);

    // Ana is told in words too, and her tree no longer has the file.
    await eventually(
      () => ana.page.getByTestId('notice').allTextContents(),
      (texts) => texts.some((t) => t.includes('deleted db.sql')),
    );

    await bo.page.getByTestId('restore-file').click();
    await eventually(
      () => bo.page.getByTestId('deleted-banner').count(),
      (n) => n === 0,
    );
    await ana.page.getByTestId('file-tree').getByText('db.sql').waitFor();
    await eventually(
      () => ana.page.getByTestId('notice').allTextContents(),
      (texts) => texts.some((t) => t.includes(`${bo.username} restored db.sql`)),
    );
    await ana.page.getByTestId('file-tree').getByText('db.sql').click();
    await eventually(
      () => editorText(ana.page),
      (t) => t === local,
    );

    // Bob's tab is bound to the restored file: what he types now reaches Ana.
    await bo.page.locator('.cm-content').click();
    await bo.page.keyboard.press('Control+End');
    await bo.page.keyboard.type('!');
    await eventually(
      () => editorText(ana.page),
      (t) => t === `${local}!`,
    );
  });
  it('everyone else is told who deleted which file, and its Restore brings back the text git holds', async () => {
    const ana = await person('ana');
    const bo = await person('bo');
    await ana.page.getByLabel('New session name').fill('Notices');
    await ana.page.getByRole('button', { name: 'New session' }).click();
    await ana.page.waitForURL(/\/s\//);
    const sessionId = new URL(ana.page.url()).pathname.split('/')[2]!;
    expect(
      (
        await api(ana.page, 'POST', `/api/sessions/${sessionId}/files`, {
          path: 'old.txt',
          content: 'keep me\n',
        })
      ).status,
    ).to.equal(201);
    expect(
      (await api(ana.page, 'PUT', `/api/sessions/${sessionId}/members/${bo.username}`, { role: 'editor' }))
        .status,
    ).to.equal(200);
    await bo.page.goto(`/s/${sessionId}`);
    await bo.page.getByTestId('file-tree').getByText('old.txt').waitFor();

    await ana.page.getByTestId('file-tree').getByText('old.txt').hover();
    await ana.page.getByRole('button', { name: 'Delete old.txt' }).click();
    await ana.page.getByTestId('confirm').click();

    const notice = bo.page.getByTestId('notice').filter({ hasText: `${ana.username} deleted old.txt.` });
    await notice.waitFor();
    await notice.getByTestId('notice-action').click();
    await ana.page.getByTestId('file-tree').getByText('old.txt').waitFor();
    await eventually(
      () => ana.page.getByTestId('notice').allTextContents(),
      (texts) => texts.some((t) => t.includes(`${bo.username} restored old.txt.`)),
    );
    await ana.page.getByTestId('file-tree').getByText('old.txt').click();
    await eventually(
      () => editorText(ana.page),
      (t) => t === 'keep me\n',
    );
  });
});
