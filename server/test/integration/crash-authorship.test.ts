/**
 * Who typed what survives a crash: the server is SIGKILLed before the commit worker commits, and
 * the commit made after the restart names the people who typed, read back with the real `git`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { type ChildServer, kill, startChild } from '../helpers/child-server.js';
import { gitInRepo } from '../helpers/git-cli.js';
import { type ClientDoc, openDoc, type RealtimeClient, submit, waitFor } from '../helpers/realtime-client.js';
import { api, createSession, registerUser, type TestUser } from '../helpers/server.js';

/** Types `text` one keystroke at a time at the end of the document, each acknowledged. */
async function type(doc: ClientDoc, text: string): Promise<void> {
  for (const ch of text) {
    const at = (doc.data as { text: string }).text.length;
    await submit(doc, [{ p: ['text', at], si: ch }]);
  }
}

describe('commit authorship survives a crash', function () {
  this.timeout(90_000);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitpad-authors-data-'));
  const reposDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitpad-authors-repos-'));
  // The worker never commits on its own: only "Save version" and the recovery scan at start do.
  const env = {
    DATA_DIR: dataDir,
    REPOS_DIR: reposDir,
    COMMIT_IDLE_MS: '600000',
    COMMIT_MAX_MS: '600000',
    GIT_EMAIL_DOMAIN: 'gitpad.test',
  };
  let child: ChildServer | undefined;
  const clients: RealtimeClient[] = [];
  let carol: TestUser;
  let alice: TestUser;
  let bob: TestUser;

  before(async () => {
    child = await startChild(env);
    carol = await registerUser(child.url, 'carol');
    alice = await registerUser(child.url, 'alice');
    bob = await registerUser(child.url, 'bob');
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  after(async () => {
    if (child) await kill(child);
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(reposDir, { recursive: true, force: true });
  });

  const gitIn = (sessionId: string, args: string[]) => gitInRepo(reposDir, sessionId, args);
  const open = (u: TestUser, doc: { collection: string; id: string }) =>
    openDoc(clients, child!.url, u.token, doc);
  const save = (u: TestUser, sessionId: string) =>
    api(child!.url, 'POST', `/api/sessions/${sessionId}/versions`, { token: u.token, body: {} });

  /** Kills the server at once, restarts it, and waits for the recovery scan to commit `sessionId`. */
  async function crashAndRecover(sessionId: string, headBefore: string): Promise<string> {
    for (const c of clients.splice(0)) c.close();
    await kill(child!);
    child = await startChild(env);
    const start = Date.now();
    for (;;) {
      const head = await gitIn(sessionId, ['rev-parse', 'main']);
      if (head.code === 0 && head.stdout.trim() !== headBefore) return head.stdout.trim();
      if (Date.now() - start > 15_000) expect.fail('the recovery scan did not commit the pending edits');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('the recovered commit is authored by whoever typed most, with the other typist as co-author', async () => {
    const s = await createSession(child!.url, carol, {
      members: [
        [alice, 'editor'],
        [bob, 'editor'],
      ],
      files: { 'notes.md': '' },
    });
    // Carol's file creation is committed: she did nothing since, so she is on no later commit.
    const first = await save(carol, s.id);
    expect(first.status).to.equal(201);
    const a = await open(alice, s.files['notes.md']!.doc);
    const b = await open(bob, s.files['notes.md']!.doc);
    await type(a, 'Alice writes the long paragraph here.\n');
    await waitFor(() => (b.data as { text: string }).text.endsWith('\n'), 5000, "Alice's text at Bob's");
    await type(b, 'bob: ok\n');
    // Killed right after the last acknowledgement, long before the worker would commit.
    const sha = await crashAndRecover(s.id, first.body.sha);

    const show = await gitIn(s.id, ['log', '-1', '--format=%an <%ae>%n%B', sha]);
    expect(show.stdout).to.match(/^alice <alice@gitpad\.test>\n/);
    const coAuthors = show.stdout.match(/^Co-authored-by: .*$/gm) ?? [];
    expect(coAuthors).to.deep.equal(['Co-authored-by: bob <bob@gitpad.test>']);
    const tree = await gitIn(s.id, ['show', `${sha}:notes.md`]);
    expect(tree.stdout).to.equal('Alice writes the long paragraph here.\nbob: ok\n');
    const fsck = await gitIn(s.id, ['fsck', '--full', '--strict']);
    expect(fsck.code, fsck.stderr).to.equal(0);
  });

  it('counts only what was typed since the last version', async () => {
    const s = await createSession(child!.url, carol, {
      members: [
        [alice, 'editor'],
        [bob, 'editor'],
      ],
      files: { 'a.txt': '', 'b.txt': '' },
    });
    await save(carol, s.id);
    const a = await open(alice, s.files['a.txt']!.doc);
    await type(a, 'Alice typed a great deal before the first version.\n');
    const saved = await save(alice, s.id);
    expect(saved.status).to.equal(201);
    // After that version, Bob types more than Alice, in another file.
    const b = await open(bob, s.files['b.txt']!.doc);
    await type(b, 'Bob types this after.\n');
    await type(a, 'a bit\n');
    const sha = await crashAndRecover(s.id, saved.body.sha);

    const show = await gitIn(s.id, ['log', '-1', '--format=%an <%ae>%n%B', sha]);
    expect(show.stdout).to.match(/^bob <bob@gitpad\.test>\n/);
    const coAuthors = show.stdout.match(/^Co-authored-by: .*$/gm) ?? [];
    expect(coAuthors).to.deep.equal(['Co-authored-by: alice <alice@gitpad.test>']);
  });
});
