/**
 * History you can read (issue 15, item 3): each version's kind, the "named only" filter, one
 * file's versions across a rename, and blame, judged by the real `git blame`, with the live
 * overlay naming who typed what is not committed yet.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { cloneUrl, git, gitInRepo, tempDir } from '../helpers/git-cli.js';
import {
  type ClientDoc,
  openDoc,
  type RealtimeClient,
  settled,
  submit,
  textOf,
  waitFor,
} from '../helpers/realtime-client.js';
import {
  api,
  createSession,
  registerUser,
  startServer,
  type TestServer,
  type TestUser,
} from '../helpers/server.js';

describe('history you can read: kinds, per-file history, blame', () => {
  let t: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  const clients: RealtimeClient[] = [];
  const dirs: string[] = [];

  before(async () => {
    // Versions come from explicit saves here, unless a test waits for the idle commit (1.5 s).
    t = await startServer({
      env: { COMMIT_IDLE_MS: '1500', COMMIT_MAX_MS: '600000', GIT_EMAIL_DOMAIN: 'gitpad.test' },
    });
    alice = await registerUser(t.url, 'alice');
    bob = await registerUser(t.url, 'bob');
  });
  after(async () => {
    for (const c of clients) c.close();
    await t.close();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  const gitIn = (sessionId: string, args: string[]) => gitInRepo(t.reposDir, sessionId, args);
  const open = (u: TestUser, doc: { collection: string; id: string }) =>
    openDoc(clients, t.url, u.token, doc);
  const save = async (u: TestUser, sessionId: string, message?: string) => {
    const r = await api(t.url, 'POST', `/api/sessions/${sessionId}/versions`, {
      token: u.token,
      body: message ? { message } : {},
    });
    expect(r.status, JSON.stringify(r.body)).to.be.oneOf([200, 201]);
    return r.body.sha as string;
  };
  const versions = async (sessionId: string, query = '') =>
    (await api(t.url, 'GET', `/api/sessions/${sessionId}/versions${query}`, { token: alice.token }))
      .body as Array<{
      sha: string;
      kind: string;
      subject: string;
      message: string;
      tags: string[];
    }>;
  /** Types `text` at `offset` and waits for the server to confirm it. */
  const typeAt = async (d: ClientDoc, offset: number, text: string) => {
    await submit(d, [{ p: ['text', offset], si: text }]);
    await settled(d);
  };
  const lineStart = (text: string, line: number) => {
    let at = 0;
    for (let l = 1; l < line; l++) at = text.indexOf('\n', at) + 1;
    return at;
  };
  const session = (files: Record<string, string>) =>
    createSession(t.url, alice, { members: [[bob, 'editor']], files });
  const waitForAutosave = async (sessionId: string, count: number) =>
    waitFor(async () => (await versions(sessionId)).length >= count, 8000, `${count} versions`);

  it('marks each version with what made it: autosave, save, revert (and its safety version), import, push', async () => {
    const s = await session({ 'a.txt': 'one\n' });
    const d = await open(alice, s.files['a.txt']!.doc);
    await typeAt(d, textOf(d).length, 'two\n');
    await waitForAutosave(s.id, 1);
    const first = (await versions(s.id))[0]!;
    expect(first.kind).to.equal('autosave');

    await typeAt(d, textOf(d).length, 'three\n');
    const saved = await save(alice, s.id, 'Release candidate');
    await typeAt(d, 0, 'zero\n');
    const revert = await api(t.url, 'POST', `/api/sessions/${s.id}/revert`, {
      token: bob.token,
      body: { sha: first.sha },
    });
    expect(revert.status).to.equal(201);
    await waitFor(() => textOf(d) === 'one\ntwo\n', 5000, 'the revert to arrive');

    // An import: a zip made by git itself.
    const src = tempDir('gitpad-history-src-');
    dirs.push(src);
    fs.writeFileSync(path.join(src, 'imported.txt'), 'from a zip\n');
    await git(['init', '-q', src]);
    await git(['-c', 'user.name=T', '-c', 'user.email=t@x', 'add', '.'], { cwd: src });
    await git(['-c', 'user.name=T', '-c', 'user.email=t@x', 'commit', '-qm', 'x'], { cwd: src });
    const zip = path.join(src, 'out.zip');
    expect((await git(['archive', '--format=zip', '-o', zip, 'HEAD'], { cwd: src })).code).to.equal(0);
    const imported = await fetch(`${t.url}/api/sessions/${s.id}/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/zip' },
      body: fs.readFileSync(zip),
    });
    expect(imported.status).to.equal(201);

    // A push from a clone.
    const clone = tempDir('gitpad-history-clone-');
    dirs.push(clone);
    expect((await git(['clone', '-q', cloneUrl(t.url, s.id, 'bob', 'correct horse'), clone])).code).to.equal(
      0,
    );
    fs.writeFileSync(path.join(clone, 'pushed.txt'), 'pushed\n');
    await git(['add', '.'], { cwd: clone });
    await git(['-c', 'user.name=Bob', '-c', 'user.email=bob@x', 'commit', '-qm', 'Add pushed.txt'], {
      cwd: clone,
    });
    const pushed = await git(['push', '-q', 'origin', 'HEAD:main'], { cwd: clone });
    expect(pushed.code, pushed.stderr).to.equal(0);

    const list = await versions(s.id);
    const kinds = list.map((v) => v.kind).reverse();
    expect(kinds).to.deep.equal(['autosave', 'save', 'before', 'revert', 'import', 'push']);
    expect(list.find((v) => v.kind === 'save')!.sha).to.equal(saved);
    // The kind is machine data in the note, never in the message people read.
    const log = await gitIn(s.id, ['log', '--format=%B', 'main']);
    expect(log.stdout).to.not.match(/kind|autosave/i);
    const note = await gitIn(s.id, ['notes', '--ref=gitpad', 'show', saved]);
    expect(JSON.parse(note.stdout)).to.include({ kind: 'save' });
    expect(JSON.parse(note.stdout).paths).to.deep.equal({ [s.files['a.txt']!.id]: 'a.txt' });
  });

  it('Save version with a message after the autosave took everything names that autosave', async () => {
    const s = await session({ 'a.txt': 'one\n' });
    const d = await open(alice, s.files['a.txt']!.doc);
    await typeAt(d, textOf(d).length, 'two\n');
    await waitForAutosave(s.id, 1);
    const auto = (await versions(s.id))[0]!;
    expect(auto.kind).to.equal('autosave');
    const r = await api(t.url, 'POST', `/api/sessions/${s.id}/versions`, {
      token: bob.token,
      body: { message: 'Ready for review\n\nAll of it.' },
    });
    expect(r.status).to.equal(200);
    expect(r.body).to.deep.equal({ sha: auto.sha, named: true });
    const [named] = await versions(s.id);
    expect(named).to.include({ sha: auto.sha, kind: 'save', subject: 'Ready for review' });
    expect(named!.message).to.equal('Ready for review\n\nAll of it.');
    // The commit itself is unchanged; the name is in Gitpad's note.
    const msg = await gitIn(s.id, ['log', '-1', '--format=%s', auto.sha]);
    expect(msg.stdout.trim()).to.equal(auto.subject);
    // A named version is not renamed: a second save is "nothing changed".
    const again = await api(t.url, 'POST', `/api/sessions/${s.id}/versions`, {
      token: bob.token,
      body: { message: 'Another name' },
    });
    expect(again.body).to.deep.equal({ sha: auto.sha, unchanged: true });
    expect((await versions(s.id, '?filter=named')).map((v) => v.sha)).to.deep.equal([auto.sha]);
  });

  it('reads the kind of versions made before it was recorded from their messages', async () => {
    const s = await session({ 'a.txt': 'one\n' });
    await save(alice, s.id, 'My milestone');
    await save(alice, s.id);
    // Strip the kinds from every note, as a repository from before this change has them.
    const ref = await gitIn(s.id, ['notes', '--ref=gitpad', 'list']);
    for (const line of ref.stdout.trim().split('\n')) {
      const [, commit] = line.split(' ');
      const note = JSON.parse((await gitIn(s.id, ['notes', '--ref=gitpad', 'show', commit!])).stdout);
      delete note.kind;
      const w = await gitIn(s.id, [
        'notes',
        '--ref=gitpad',
        'add',
        '-f',
        '-m',
        JSON.stringify(note),
        commit!,
      ]);
      expect(w.code, w.stderr).to.equal(0);
    }
    const d = await open(alice, s.files['a.txt']!.doc);
    await typeAt(d, 0, 'x\n');
    const before = (await versions(s.id))[0]!.sha;
    const r = await api(t.url, 'POST', `/api/sessions/${s.id}/revert`, {
      token: alice.token,
      body: { sha: before },
    });
    expect(r.status).to.be.oneOf([200, 201]);
    const list = await versions(s.id);
    // The latest two were written now (with kinds); the first, read from "My milestone", is a save.
    expect(list.at(-1)).to.include({ subject: 'My milestone', kind: 'save' });
  });

  it('"named only" keeps saves, reverts, imports, pushes and tagged versions, paged with before', async () => {
    const s = await session({ 'a.txt': '' });
    const d = await open(alice, s.files['a.txt']!.doc);
    const shas: string[] = [];
    for (let i = 0; i < 4; i++) {
      await typeAt(d, textOf(d).length, `auto ${i}\n`);
      await waitForAutosave(s.id, i + 1);
      shas.push((await versions(s.id))[0]!.sha);
    }
    const tag = await api(t.url, 'POST', `/api/sessions/${s.id}/versions/${shas[1]}/tags`, {
      token: alice.token,
      body: { name: 'v0.1' },
    });
    expect(tag.status).to.equal(201);
    await typeAt(d, textOf(d).length, 'named\n');
    const named1 = await save(alice, s.id, 'First named');
    for (let i = 0; i < 2; i++) {
      await typeAt(d, textOf(d).length, `more ${i}\n`);
      await waitForAutosave(s.id, 6 + i);
    }
    await typeAt(d, textOf(d).length, 'named again\n');
    const named2 = await save(bob, s.id, 'Second named');

    const all = await versions(s.id);
    expect(all.map((v) => v.kind)).to.deep.equal([
      'save',
      'autosave',
      'autosave',
      'save',
      'autosave',
      'autosave',
      'autosave',
      'autosave',
    ]);
    const page1 = await versions(s.id, '?filter=named&limit=2');
    expect(page1.map((v) => v.sha)).to.deep.equal([named2, named1]);
    const page2 = await versions(s.id, `?filter=named&limit=2&before=${named1}`);
    expect(page2.map((v) => v.sha)).to.deep.equal([shas[1]]);
    expect(page2[0]!.tags).to.deep.equal(['v0.1']);
    // The plain list pages as before.
    const older = await versions(s.id, `?limit=3&before=${all[2]!.sha}`);
    expect(older.map((v) => v.sha)).to.deep.equal(all.slice(3, 6).map((v) => v.sha));
    const bad = await api(t.url, 'GET', `/api/sessions/${s.id}/versions?filter=mine`, { token: alice.token });
    expect(bad.status).to.equal(400);
    expect(bad.body.error.code).to.equal('ERR_VALIDATION');
  });

  /** A history of edits by alice and bob to one file, renamed midway, each step its own version. */
  const buildHistory = async () => {
    const s = await session({ 'src/util.js': 'function a() {\n  return 1;\n}\n', 'other.txt': 'x\n' });
    const fileId = s.files['src/util.js']!.id;
    const v0 = await save(alice, s.id, 'Start');
    const a = await open(alice, s.files['src/util.js']!.doc);
    const b = await open(bob, s.files['src/util.js']!.doc);
    await typeAt(b, textOf(b).length, '\nfunction b() {\n  return 2;\n}\n');
    const v1 = await save(bob, s.id);
    await waitFor(() => textOf(a) === textOf(b), 5000, 'alice to see bob');
    await typeAt(a, lineStart(textOf(a), 2), '  // alice was here\n');
    const v2 = await save(alice, s.id);
    const renamed = await api(t.url, 'PATCH', `/api/sessions/${s.id}/files/${fileId}`, {
      token: bob.token,
      body: { path: 'lib/util.js' },
    });
    expect(renamed.status, JSON.stringify(renamed.body)).to.equal(200);
    const v3 = await save(bob, s.id, 'Move util to lib');
    // Bob rewrites a line alice wrote; alice edits a line in bob's function.
    await waitFor(() => textOf(b).includes('alice was here'), 5000, 'bob to see alice');
    const at = textOf(b).indexOf('  // alice was here');
    await typeAt(b, at, '  // bob rewrote this');
    await submit(b, [{ p: ['text', at + '  // bob rewrote this'.length], sd: '  // alice was here' }]);
    await settled(b);
    await waitFor(() => textOf(a) === textOf(b), 5000, 'alice to see bob');
    const two = textOf(a).indexOf('return 2;');
    await typeAt(a, two + 'return 2'.length, '2');
    await waitFor(() => textOf(a) === textOf(b), 5000, 'bob to see alice');
    const v4 = await save(alice, s.id);
    return { s, fileId, a, b, shas: [v0, v1, v2, v3, v4] };
  };

  it('blame of the committed text is what git blame --first-parent says, across a rename and two people', async () => {
    const { s, shas } = await buildHistory();
    const r = await api(t.url, 'GET', `/api/sessions/${s.id}/blame?path=lib/util.js`, { token: bob.token });
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    expect(r.body.sha).to.equal(shas[4]);
    expect(r.body.truncated).to.equal(false);
    // The judge: git blame on a clone.
    const clone = tempDir('gitpad-blame-');
    dirs.push(clone);
    expect((await git(['clone', '-q', cloneUrl(t.url, s.id, 'bob', 'correct horse'), clone])).code).to.equal(
      0,
    );
    const porcelain = await git(['blame', '--porcelain', '--first-parent', 'main', '--', 'lib/util.js'], {
      cwd: clone,
    });
    expect(porcelain.code, porcelain.stderr).to.equal(0);
    const expected: string[] = [];
    const authors = new Map<string, string>();
    let current = '';
    for (const line of porcelain.stdout.split('\n')) {
      const head = /^([0-9a-f]{40}) \d+ (\d+)/.exec(line);
      if (head) {
        current = head[1]!;
        expected[Number(head[2]) - 1] = current;
      }
      const author = /^author (.*)$/.exec(line);
      if (author) authors.set(current, author[1]!);
    }
    const ours: string[] = [];
    for (const run of r.body.runs) for (let l = run.startLine; l <= run.endLine; l++) ours[l - 1] = run.sha;
    expect(ours).to.deep.equal(expected);
    expect(r.body.lines).to.equal(expected.length);
    // Both people are there, with their user ids and the versions' messages.
    const byAuthor = new Map<string, string | undefined>(
      r.body.runs.map((run: { author: { name: string; id?: string } }) => [run.author.name, run.author.id]),
    );
    expect(byAuthor.get('alice')).to.equal(alice.id);
    expect(byAuthor.get('bob')).to.equal(bob.id);
    for (const run of r.body.runs) expect(authors.get(run.sha)).to.equal(run.author.name);
    const startRun = r.body.runs.find((run: { sha: string }) => run.sha === shas[0]);
    expect(startRun.message).to.equal('Start');
    // Nothing typed since: the live text is the committed text, line for line.
    expect(r.body.live).to.deep.equal([]);
    expect(r.body.liveLines).to.equal(r.body.lines);
  });

  it("one file's versions follow it across a rename, with line counts, paged", async () => {
    const { s, shas } = await buildHistory();
    const r = await api(t.url, 'GET', `/api/sessions/${s.id}/files/history?path=lib/util.js`, {
      token: bob.token,
    });
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    expect(r.body.versions.map((v: { sha: string }) => v.sha)).to.deep.equal([...shas].reverse());
    const [v4, v3, v2, v1, v0] = r.body.versions;
    expect(v4).to.include({ path: 'lib/util.js', status: 'modified', additions: 2, deletions: 2 });
    expect(v3).to.include({
      path: 'lib/util.js',
      oldPath: 'src/util.js',
      status: 'renamed',
      additions: 0,
      deletions: 0,
      kind: 'save',
    });
    expect(v2).to.include({ path: 'src/util.js', status: 'modified', additions: 1, deletions: 0 });
    expect(v1).to.include({ status: 'modified', additions: 4, deletions: 0 });
    expect(v0).to.include({ status: 'added', additions: 3, deletions: 0, subject: 'Start' });
    expect(r.body.next).to.equal(null);
    // The other file's history is its own.
    const other = await api(t.url, 'GET', `/api/sessions/${s.id}/files/history?path=other.txt`, {
      token: bob.token,
    });
    expect(other.body.versions.map((v: { sha: string }) => v.sha)).to.deep.equal([shas[0]]);
    // Paged: two at a time, the cursor naming the path at that point.
    const p1 = await api(t.url, 'GET', `/api/sessions/${s.id}/files/history?path=lib/util.js&limit=2`, {
      token: bob.token,
    });
    expect(p1.body.versions.map((v: { sha: string }) => v.sha)).to.deep.equal([shas[4], shas[3]]);
    expect(p1.body.next).to.deep.equal({ before: shas[3], path: 'src/util.js' });
    const p2 = await api(
      t.url,
      'GET',
      `/api/sessions/${s.id}/files/history?path=src/util.js&limit=2&before=${shas[3]}`,
      { token: bob.token },
    );
    expect(p2.body.versions.map((v: { sha: string }) => v.sha)).to.deep.equal([shas[2], shas[1]]);
    const p3 = await api(
      t.url,
      'GET',
      `/api/sessions/${s.id}/files/history?path=${p2.body.next.path}&limit=2&before=${p2.body.next.before}`,
      { token: bob.token },
    );
    expect(p3.body.versions.map((v: { sha: string }) => v.sha)).to.deep.equal([shas[0]]);
    expect(p3.body.next).to.equal(null);
    // Bad input: a clear error, never a crash.
    const bad = await api(t.url, 'GET', `/api/sessions/${s.id}/files/history?path=../x`, {
      token: bob.token,
    });
    expect(bad.status).to.equal(400);
    expect(bad.body.error.code).to.match(/^ERR_/);
    const none = await api(t.url, 'GET', `/api/sessions/${s.id}/blame?path=nope.txt`, { token: bob.token });
    expect(none.status).to.equal(404);
    expect(none.body.error.code).to.equal('ERR_FILE_NOT_FOUND');
  });

  it('the live overlay marks uncommitted lines with who typed them', async () => {
    const { s, a, b, shas } = await buildHistory();
    // Bob adds a line at the top, alice appends one and changes a committed line in place.
    await typeAt(b, 0, '// bob, not saved\n');
    await typeAt(a, textOf(a).length, '// alice, not saved\n');
    const text = textOf(a);
    const ret = text.indexOf('return 1;');
    await typeAt(a, ret + 'return 1'.length, ' + 0');
    await settled(b);
    const r = await api(t.url, 'GET', `/api/sessions/${s.id}/blame?path=lib/util.js`, { token: alice.token });
    expect(r.status).to.equal(200);
    expect(r.body.sha).to.equal(shas[4]);
    const live = textOf(a).split('\n');
    const lineOf = (needle: string) => live.findIndex((l) => l.includes(needle)) + 1;
    expect(r.body.live).to.deep.equal([
      { startLine: 1, endLine: 1, userId: bob.id },
      { startLine: lineOf('return 1 + 0'), endLine: lineOf('return 1 + 0'), userId: alice.id },
      { startLine: lineOf('alice, not saved'), endLine: lineOf('alice, not saved'), userId: alice.id },
    ]);
    expect(r.body.liveLines).to.equal(live.length - 1);
    // Every other live line still carries its version.
    for (const run of r.body.liveRuns) {
      if (run.sha === null) continue;
      expect(shas).to.include(run.sha);
    }
    const covered = r.body.liveRuns.reduce(
      (n: number, run: { startLine: number; endLine: number }) => n + run.endLine - run.startLine + 1,
      0,
    );
    expect(covered).to.equal(r.body.liveLines);
    // A file never saved: all of it is uncommitted, by whoever typed it.
    const created = await api(t.url, 'POST', `/api/sessions/${s.id}/files`, {
      token: alice.token,
      body: { path: 'new.txt', content: '' },
    });
    const n = await open(bob, created.body.doc);
    await typeAt(n, 0, 'bob line 1\nbob line 2\n');
    const fresh = await api(t.url, 'GET', `/api/sessions/${s.id}/blame?path=new.txt`, { token: alice.token });
    expect(fresh.status, JSON.stringify(fresh.body)).to.equal(200);
    expect(fresh.body.runs).to.deep.equal([]);
    expect(fresh.body.live).to.deep.equal([{ startLine: 1, endLine: 2, userId: bob.id }]);
  });
});
