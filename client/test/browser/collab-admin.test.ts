/**
 * Chat, members, invitations, clone and settings in a real browser against a real server:
 * chat reaches members live (and no one else) and renders hostile text as inert text; an
 * invitation link admits a second person with its role; role changes and removal apply live;
 * the clone dialog and the token page work.
 */
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { io } from 'socket.io-client';
import { ARTIFACTS, api, browserSuite, eventually, hasChromium, type Person, register } from './harness';

(hasChromium ? describe : describe.skip)('browser: chat, members, invitations, clone, settings', function () {
  this.timeout(60_000);
  // A used-up invitation answers 410 on purpose; the browser logs every failed request.
  const suite = browserSuite({ expectedErrors: /status of 410/ });
  const { person } = suite;
  /** The server's first account: its admin (its browser closes with the harness). */
  let admin: Person;

  before(async () => {
    admin = await register(suite.h, 'root');
  });

  /** A session owned by `owner` with the given files, created over the API. */
  async function session(owner: Person, files: Record<string, string>): Promise<string> {
    const created = await api(owner.page, 'POST', '/api/sessions', { name: `Team of ${owner.username}` });
    const { id } = JSON.parse(created.body) as { id: string };
    for (const [path, content] of Object.entries(files)) {
      expect((await api(owner.page, 'POST', `/api/sessions/${id}/files`, { path, content })).status).to.equal(
        201,
      );
    }
    return id;
  }

  async function addMember(owner: Person, sessionId: string, who: Person, role: string) {
    const r = await api(owner.page, 'PUT', `/api/sessions/${sessionId}/members/${who.username}`, { role });
    expect(r.status).to.equal(200);
  }

  async function openPanel(page: Page, label: 'Chat' | 'Members') {
    await page.getByRole('button', { name: label, exact: false }).first().click();
    await page.getByTestId(label === 'Chat' ? 'chat-panel' : 'members-panel').waitFor();
  }

  async function say(page: Page, text: string) {
    await page.getByTestId('chat-input').fill(text);
    await page.getByTestId('chat-input').press('Enter');
    await eventually(
      () => page.getByTestId('chat-input').inputValue(),
      (v) => v === '',
    );
  }

  const chatTexts = (page: Page) => page.getByTestId('chat-text').allTextContents();

  it('chat goes live to members only, renders hostile text inert, links path:line, counts unread', async () => {
    const [ana, bo, eve] = await Promise.all([person('ana'), person('bo'), person('eve')]);
    const code = Array.from({ length: 60 }, (_, i) => `const line${i + 1} = ${i + 1};`).join('\n');
    const sessionId = await session(ana, { 'src/app.ts': code, 'README.md': '# hi' });
    await addMember(ana, sessionId, bo, 'editor');

    // Eve is not a member: her socket cannot join, and hears nothing.
    const eveToken = await eve.page.evaluate(() => localStorage.getItem('gitpad.token'));
    const eveSocket = io(suite.h.server.url, { auth: { token: eveToken }, transports: ['websocket'] });
    const eveHeard: unknown[] = [];
    eveSocket.on('chat:message', (m) => eveHeard.push(m));
    const eveJoin = await eveSocket.timeout(5000).emitWithAck('session:join', { sessionId });
    expect(eveJoin.ok).to.equal(false);

    const dialogs: string[] = [];
    for (const p of [ana, bo]) {
      p.page.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
    }

    await ana.page.goto(`/s/${sessionId}`);
    await bo.page.goto(`/s/${sessionId}?file=README.md`);
    await eventually(
      () => ana.page.getByTestId('presence-avatars').locator('button').count(),
      (n) => n === 2,
    );

    await openPanel(ana.page, 'Chat');
    await say(ana.page, 'hello bo');
    // Bo's panel is closed: the toggle counts the message.
    await eventually(
      async () => (await bo.page.getByTestId('chat-badge').textContent())?.trim(),
      (t) => t === '1 new',
    );

    const hostile = ['<script>alert(1)</script>', '<img src=x onerror=alert(1)>'];
    for (const text of hostile) await say(ana.page, text);
    const long = 'x'.repeat(3990) + '<b>end</b>';
    await ana.page.getByTestId('chat-input').fill(long);
    expect((await ana.page.getByTestId('chat-count').textContent())?.trim()).to.equal('4,000 / 4,000');
    await ana.page.getByTestId('chat-input').press('Enter');
    // Control characters and a bidi override, sent past the UI: the server strips them.
    const sent = await api(ana.page, 'POST', `/api/sessions/${sessionId}/chat`, {
      text: 'bell\u0007 nul\u0000 \u202Eevil\u202C\ttab',
    });
    expect(sent.status).to.equal(201);
    await eventually(
      async () => (await bo.page.getByTestId('chat-badge').textContent())?.trim(),
      (t) => t === '5 new',
    );

    // One character too many is refused before sending, with the limit in words.
    await ana.page.getByTestId('chat-input').fill('y'.repeat(4001));
    await ana.page.getByTestId('chat-input').press('Enter');
    expect(await ana.page.getByTestId('chat-error').textContent()).to.contain('at most 4,000 characters');
    await ana.page.getByTestId('chat-input').fill('');

    await openPanel(bo.page, 'Chat');
    expect(await bo.page.getByTestId('chat-badge').count()).to.equal(0);
    const texts = await eventually(
      () => chatTexts(bo.page),
      (t) => t.length === 5,
    );
    expect(texts.slice(0, 4)).to.deep.equal(['hello bo', ...hostile, long]);
    expect(texts[4]).to.equal('bell nul evil\ttab');
    expect(
      await bo.page
        .locator('[data-testid=chat-log] img, [data-testid=chat-log] script, [data-testid=chat-log] b')
        .count(),
    ).to.equal(0);
    expect(await bo.page.evaluate(() => document.querySelectorAll('img').length)).to.equal(0);
    await bo.page.waitForTimeout(200);
    expect(dialogs).to.deep.equal([]);
    // Shift+Enter is a new line, not a send.
    await bo.page.getByTestId('chat-input').fill('two');
    await bo.page.getByTestId('chat-input').press('Shift+Enter');
    expect(await bo.page.getByTestId('chat-input').inputValue()).to.equal('two\n');
    await bo.page.getByTestId('chat-input').fill('');

    // A file reference opens the file at that line.
    await say(ana.page, 'look at src/app.ts:42 and not at 10:30');
    const link = bo.page.getByTestId('chat-file-link');
    await link.waitFor();
    expect(await link.count()).to.equal(1);
    expect(await link.textContent()).to.equal('src/app.ts:42');
    await link.click();
    await eventually(
      () => bo.page.getByTestId('cursor-position').textContent(),
      (t) => t?.trim().startsWith('Ln 42,') === true,
    );
    expect(new URL(bo.page.url()).searchParams.get('file')).to.equal('src/app.ts');
    await bo.page.screenshot({ path: `${ARTIFACTS}chat.png` });

    // History survives a reload and pages back.
    await bo.page.reload();
    await openPanel(bo.page, 'Chat');
    await eventually(
      () => chatTexts(bo.page),
      (t) => t.length === 6,
    );
    expect(eveHeard).to.deep.equal([]);
    eveSocket.close();
  });

  it('an invitation link admits a second person with its role; role changes and removal apply live', async () => {
    const [ana, cy] = await Promise.all([person('ana'), person('cy')]);
    const sessionId = await session(ana, { 'notes.md': '# Notes' });
    await ana.page.goto(`/s/${sessionId}`);
    await openPanel(ana.page, 'Members');

    await ana.page.getByTestId('invite-open').click();
    await ana.page.getByTestId('invite-role').selectOption('editor');
    await ana.page.getByTestId('invite-max-uses').fill('1');
    await ana.page.getByTestId('invite-create').click();
    const url = await ana.page.getByTestId('invite-link').inputValue();
    expect(url).to.match(/\/join\/[a-z0-9]{24}$/);
    await ana.page.getByRole('button', { name: 'Done' }).click();
    await ana.page.getByTestId('invite').waitFor();

    await cy.page.goto(url);
    expect(await cy.page.getByTestId('join-session-name').textContent()).to.equal(`Team of ${ana.username}`);
    expect(await cy.page.getByTestId('join-role').textContent()).to.equal('editor');
    await cy.page.getByTestId('join-accept').click();
    await cy.page.waitForURL((u) => u.pathname === `/s/${sessionId}`);
    expect(await cy.page.getByTestId('my-role').textContent()).to.equal('editor');
    await cy.page.goto(`/s/${sessionId}?file=notes.md`);
    await cy.page.locator('.cm-content').waitFor();
    expect(await cy.page.getByTestId('read-only-banner').count()).to.equal(0);

    // The owner's list shows the newcomer (refreshed by the server's members event).
    const row = ana.page.locator(`[data-testid=member][data-username="${cy.username}"]`);
    await row.waitFor();
    expect(await ana.page.getByTestId('invite').textContent()).to.contain('Used up');
    await ana.page.screenshot({ path: `${ARTIFACTS}members.png` });

    // Editor → viewer: read-only within a second.
    await row.getByTestId('member-role').selectOption('viewer');
    const changed = Date.now();
    await cy.page.getByTestId('read-only-banner').waitFor({ timeout: 1000 });
    expect(Date.now() - changed).to.be.below(1000);
    expect(await cy.page.getByTestId('my-role').textContent()).to.equal('viewer');

    // Removal: out to the session list, told why.
    await row.getByTestId('member-remove').click();
    await ana.page.getByRole('dialog').getByTestId('confirm').click();
    await cy.page.waitForURL((u) => u.pathname === '/');
    expect(await cy.page.getByTestId('notice').allTextContents()).to.satisfy((t: string[]) =>
      t.some((s) => s.includes('no longer have access')),
    );
    await row.waitFor({ state: 'detached' });

    // The one-use link is spent: it says so in words.
    await cy.page.goto(url);
    expect(await cy.page.getByTestId('join-problem').textContent()).to.contain('used up');

    // A revoked link says so too.
    await ana.page.getByTestId('invite-revoke').click();
    await ana.page.getByRole('dialog').getByTestId('confirm').click();
    await ana.page.getByTestId('invite').waitFor({ state: 'detached' });
    await cy.page.reload();
    expect(await cy.page.getByTestId('join-problem').textContent()).to.contain('revoked');
  });

  it('the clone dialog shows the command; a token is shown once and listed; the admin sets the policy', async () => {
    const ana = await person('ana');
    const sessionId = await session(ana, { 'a.txt': 'a' });
    await ana.page.goto(`/s/${sessionId}`);
    await ana.page.getByTestId('clone-open').click();
    const command = await ana.page.getByTestId('clone-command').inputValue();
    expect(command).to.equal(
      `git clone http://${ana.username}@127.0.0.1:${suite.h.server.port}/git/${sessionId}.git`,
    );
    await ana.page.screenshot({ path: `${ARTIFACTS}clone.png` });
    await ana.page.getByRole('link', { name: 'Create a token in Settings' }).click();
    await ana.page.waitForURL(/\/settings$/);

    await ana.page.getByLabel('Token name').fill('laptop');
    await ana.page.getByTestId('token-create').click();
    const secret = await ana.page.getByTestId('token-secret').inputValue();
    expect(secret).to.match(/^gp_[A-Za-z0-9_-]{40}$/);
    expect(await ana.page.getByTestId('token-row').allTextContents()).to.satisfy((rows: string[]) =>
      rows.some((r) => r.includes('laptop') && r.includes('Never')),
    );
    await ana.page.screenshot({ path: `${ARTIFACTS}settings.png` });
    await ana.page.reload();
    await ana.page.getByTestId('token-row').waitFor();
    expect(await ana.page.getByTestId('token-fresh').count()).to.equal(0);
    expect(await ana.page.content()).not.to.contain(secret);
    // Not an admin: no way to the admin page.
    expect(await ana.page.getByTestId('admin-link').count()).to.equal(0);

    // The admin makes registration invite-only (on the admin page); a newcomer with a link still gets in.
    await admin.page.goto('/admin');
    await admin.page.locator('input[name=registration][value=invite]').check();
    await eventually(
      async () => JSON.parse((await api(admin.page, 'GET', '/api/auth/policy')).body).registration,
      (r) => r === 'invite',
    );
    const invite = JSON.parse(
      (await api(ana.page, 'POST', `/api/sessions/${sessionId}/invites`, { role: 'commenter' })).body,
    ) as { url: string };
    const context = await suite.h.browser.newContext({ baseURL: suite.h.server.url });
    try {
      const page = await context.newPage();
      await page.goto('/register');
      await page.getByTestId('invite-only').waitFor();
      await page.goto(new URL(invite.url).pathname);
      await page.waitForURL(/\/login\?next=/);
      await page.getByRole('link', { name: 'Create an account' }).click();
      await page.getByTestId('invite-only').waitFor();
      await page.getByLabel('Username').fill(`dee${Date.now() % 100000}`);
      await page.getByLabel('Password').fill('correct horse battery staple');
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.waitForURL((u) => u.pathname === `/s/${sessionId}`);
      expect(await page.getByTestId('my-role').textContent()).to.equal('commenter');
    } finally {
      await context.close();
      await admin.page.locator('input[name=registration][value=open]').check();
      await eventually(
        async () => JSON.parse((await api(admin.page, 'GET', '/api/auth/policy')).body).registration,
        (r) => r === 'open',
      );
    }
  });

  it('fits a phone: panels and the clone dialog stay inside 390 px', async () => {
    const ana = await person('ana');
    const sessionId = await session(ana, { 'a.txt': 'a' });
    await ana.page.setViewportSize({ width: 390, height: 844 });
    await ana.page.emulateMedia({ colorScheme: 'dark' });
    await ana.page.goto(`/s/${sessionId}`);
    for (const label of ['Chat', 'Members'] as const) {
      await openPanel(ana.page, label);
      const box = (await ana.page
        .getByTestId(label === 'Chat' ? 'chat-panel' : 'members-panel')
        .boundingBox())!;
      expect(box.x).to.be.at.least(0);
      expect(box.x + box.width).to.be.at.most(390);
      expect(
        await ana.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
      ).to.be.at.most(0);
      await ana.page.screenshot({ path: `${ARTIFACTS}${label.toLowerCase()}-phone-dark.png` });
    }
    await ana.page.getByTestId('clone-open').click();
    const dialog = (await ana.page.getByTestId('clone-dialog').boundingBox())!;
    expect(dialog.x).to.be.at.least(0);
    expect(dialog.x + dialog.width).to.be.at.most(390);
  });
});
