import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { cloneUrl, git, gitInRepo, tempDir } from '../helpers/git-cli.js';
import {
  connectClient,
  openDoc,
  type RealtimeClient,
  settled,
  submit,
  subscribe,
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

describe('versions are git commits', () => {
  let t: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let viewer: TestUser;
  const clients: RealtimeClient[] = [];
  const dirs: string[] = [];

  before(async () => {
    // A long idle time: these tests commit explicitly unless they say otherwise.
    t = await startServer({
      env: { COMMIT_IDLE_MS: '600000', COMMIT_MAX_MS: '600000', GIT_EMAIL_DOMAIN: 'gitpad.test' },
    });
    alice = await registerUser(t.url, 'alice');
    bob = await registerUser(t.url, 'bob');
    viewer = await registerUser(t.url, 'victor');
  });
  after(async () => {
    for (const c of clients) c.close();
    await t.close();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  const gitIn = (sessionId: string, args: string[]) => gitInRepo(t.reposDir, sessionId, args);
  const open = (u: TestUser, doc: { collection: string; id: string }) =>
    openDoc(clients, t.url, u.token, doc);
  const save = (u: TestUser, sessionId: string, message?: string) =>
    api(t.url, 'POST', `/api/sessions/${sessionId}/versions`, {
      token: u.token,
      body: message ? { message } : {},
    });

  it('commits edits by several users with the right author, co-authors and message; git fsck is clean', async () => {
    const s = await createSession(t.url, alice, {
      members: [
        [bob, 'editor'],
        [viewer, 'viewer'],
      ],
      files: { 'src/app.ts': 'export const a = 1;\n', 'README.md': '# Hi\n' },
    });
    const first = await save(alice, s.id, 'Start');
    expect(first.status).to.equal(201);
    const a = await open(alice, s.files['src/app.ts']!.doc);
    const b = await open(bob, s.files['src/app.ts']!.doc);
    await submit(a, [{ p: ['text', textOf(a).length], si: 'export const longer = "alice typed more";\n' }]);
    await submit(b, [{ p: ['text', 0], si: '// bob\n' }]);
    await Promise.all([settled(a), settled(b)]);
    const res = await save(bob, s.id);
    expect(res.status).to.equal(201);
    expect(res.body.sha).to.match(/^[0-9a-f]{40}$/);
    const fsck = await gitIn(s.id, ['fsck', '--full', '--strict']);
    expect(fsck.code, fsck.stderr).to.equal(0);
    const show = await gitIn(s.id, ['log', '-1', '--format=%an <%ae>%n%B', 'main']);
    expect(show.stdout).to.match(/^alice <alice@gitpad\.test>/);
    expect(show.stdout).to.include('Edit src/app.ts');
    expect(show.stdout).to.include('Co-authored-by: bob <bob@gitpad.test>');
    const tree = await gitIn(s.id, ['show', 'main:src/app.ts']);
    expect(tree.stdout).to.equal(textOf(a));
    // The commit ties back to the op log: the edited file's document version is recorded.
    const fileState = await api(t.url, 'GET', `/api/sessions/${s.id}/files/${s.files['src/app.ts']!.id}`, {
      token: alice.token,
    });
    expect(show.stdout).to.not.include('Gitpad-Covers');
    const note = await gitIn(s.id, ['notes', '--ref=gitpad', 'show', 'main']);
    expect(JSON.parse(note.stdout).covers).to.deep.equal({
      [s.files['src/app.ts']!.id]: fileState.body.version,
    });
    const list = await api(t.url, 'GET', `/api/sessions/${s.id}/versions`, { token: viewer.token });
    expect(list.status).to.equal(200);
    expect(list.body).to.have.length(2);
    expect(list.body[0]).to.include({ sha: res.body.sha });
    expect(list.body[0].author).to.deep.equal({ name: 'alice', email: 'alice@gitpad.test' });
    expect(list.body[0].coAuthors).to.deep.equal([{ name: 'bob', email: 'bob@gitpad.test' }]);
    expect(list.body[0].stats).to.deep.equal({ files: 1, additions: 2, deletions: 0 });
    expect(list.body[1].message).to.equal('Start');
  });

  it('never makes an empty commit', async () => {
    const s = await createSession(t.url, alice, { files: { 'a.txt': 'x' } });
    const one = await save(alice, s.id);
    expect(one.status).to.equal(201);
    const two = await save(alice, s.id);
    expect(two.status).to.equal(200);
    expect(two.body).to.deep.equal({ sha: one.body.sha, unchanged: true });
    const count = await gitIn(s.id, ['rev-list', '--count', 'main']);
    expect(count.stdout.trim()).to.equal('1');
  });

  it('viewers cannot save versions; non-members get 404', async () => {
    const s = await createSession(t.url, alice, { members: [[viewer, 'viewer']], files: { 'a.txt': 'x' } });
    expect((await save(viewer, s.id)).status).to.equal(403);
    expect((await save(bob, s.id)).status).to.equal(404);
  });

  it('the idle timer commits on its own, and a restart commits what was left pending', async () => {
    const quick = await startServer({ env: { COMMIT_IDLE_MS: '200', COMMIT_MAX_MS: '1000' } });
    try {
      const u = await registerUser(quick.url);
      const s = await createSession(quick.url, u, { files: { 'notes.md': '' } });
      const c = await connectClient(quick.url, u.token);
      const d = c.connection.get('files', s.files['notes.md']!.doc.id);
      await subscribe(d);
      await submit(d, [{ p: ['text', 0], si: 'auto' }]);
      const repo = path.join(quick.reposDir, `${s.id}.git`);
      await waitFor(
        async () => (await git(['--git-dir', repo, 'show', 'main:notes.md'])).stdout === 'auto',
        5000,
        'idle commit',
      );
      c.close();
    } finally {
      await quick.close();
    }
  });

  it('the diff endpoint prints what git diff prints', async () => {
    const s = await createSession(t.url, alice, {
      files: {
        'keep.txt': 'line1\nline2\nline3\n',
        'gone.txt': 'bye\n',
        'edit.py': 'a = 1\nb = 2\nc = 3\n',
        'nonl.txt': 'no newline',
      },
    });
    const base = (await save(alice, s.id)).body.sha;
    const d = await open(alice, s.files['edit.py']!.doc);
    await submit(d, [{ p: ['text', 0], sd: 'a = 1\n' }]);
    await submit(d, [{ p: ['text', textOf(d).length], si: 'd = "日本語 😀"\n' }]);
    const n = await open(alice, s.files['nonl.txt']!.doc);
    await submit(n, [{ p: ['text', textOf(n).length], si: ' still' }]);
    await api(t.url, 'DELETE', `/api/sessions/${s.id}/files/${s.files['gone.txt']!.id}`, {
      token: alice.token,
    });
    await api(t.url, 'POST', `/api/sessions/${s.id}/files`, {
      token: alice.token,
      body: { path: 'new/file.txt', content: 'fresh\n' },
    });
    const head = (await save(alice, s.id)).body.sha;
    // Deleting a file commits the live state first, then the deletion itself: two versions
    // between `base` and `head`.
    const subjects = (await gitIn(s.id, ['log', '--format=%s', `${base}..${head}`])).stdout
      .trim()
      .split('\n');
    expect(subjects.slice(1)).to.deep.equal(['Delete gone.txt', 'Before deleting gone.txt']);
    const ours = await fetch(`${t.url}/api/sessions/${s.id}/versions/${head}/diff`, {
      headers: { authorization: `Bearer ${alice.token}` },
    });
    expect(ours.headers.get('content-type')).to.match(/^text\/x-diff/);
    expect(await ours.text()).to.equal((await gitIn(s.id, ['diff', `${head}^`, head])).stdout);
    const theirs = await gitIn(s.id, ['diff', base, head]);
    const withBase = await fetch(`${t.url}/api/sessions/${s.id}/versions/${head}/diff?base=${base}`, {
      headers: { authorization: `Bearer ${alice.token}` },
    });
    expect(await withBase.text()).to.equal(theirs.stdout);
    const json = await api(t.url, 'GET', `/api/sessions/${s.id}/versions/${head}/diff?base=${base}`, {
      token: alice.token,
      headers: { accept: 'application/json' },
    });
    const statuses = Object.fromEntries(json.body.files.map((f: any) => [f.path, f.status]));
    expect(statuses).to.deep.equal({
      'edit.py': 'modified',
      'gone.txt': 'deleted',
      'new/file.txt': 'added',
      'nonl.txt': 'modified',
    });
    const file = await fetch(`${t.url}/api/sessions/${s.id}/versions/${base}/files/gone.txt`, {
      headers: { authorization: `Bearer ${alice.token}` },
    });
    expect(await file.text()).to.equal('bye\n');
  });

  it('unknown and malformed shas answer 404 and 400', async () => {
    const s = await createSession(t.url, alice, { files: { 'a.txt': 'x' } });
    await save(alice, s.id);
    const unknown = await api(t.url, 'GET', `/api/sessions/${s.id}/versions/${'0'.repeat(40)}`, {
      token: alice.token,
    });
    expect(unknown.status).to.equal(404);
    expect(unknown.body.error.code).to.equal('ERR_VERSION_NOT_FOUND');
    const bad = await api(t.url, 'GET', `/api/sessions/${s.id}/versions/not-a-sha/diff`, {
      token: alice.token,
    });
    expect(bad.status).to.equal(400);
    expect(bad.body.error.code).to.equal('ERR_INVALID_SHA');
  });

  it('revert with two live clients: both see the old text, a new commit exists, history is untouched', async () => {
    const s = await createSession(t.url, alice, {
      members: [[bob, 'editor']],
      files: { 'main.go': 'package main\n', 'b.txt': 'b' },
    });
    const v1 = (await save(alice, s.id, 'v1')).body.sha;
    const a = await open(alice, s.files['main.go']!.doc);
    const b = await open(bob, s.files['main.go']!.doc);
    await submit(a, [{ p: ['text', textOf(a).length], si: 'func main() { 😀 }\n' }]);
    await api(t.url, 'DELETE', `/api/sessions/${s.id}/files/${s.files['b.txt']!.id}`, { token: alice.token });
    await api(t.url, 'POST', `/api/sessions/${s.id}/files`, {
      token: alice.token,
      body: { path: 'extra.txt', content: 'extra' },
    });
    const v2 = (await save(alice, s.id, 'v2')).body.sha;
    const before = await gitIn(s.id, ['rev-list', 'main']);
    const res = await api(t.url, 'POST', `/api/sessions/${s.id}/revert`, {
      token: bob.token,
      body: { sha: v1 },
    });
    expect(res.status).to.equal(201);
    await waitFor(
      () => textOf(a) === 'package main\n' && textOf(b) === 'package main\n',
      5000,
      'both editors reverted',
    );
    const after = await gitIn(s.id, ['rev-list', 'main']);
    expect(after.stdout.endsWith(before.stdout)).to.equal(true);
    expect(after.stdout.split('\n')[0]).to.equal(res.body.sha);
    const msg = await gitIn(s.id, ['log', '-1', '--format=%s', 'main']);
    expect(msg.stdout.trim()).to.equal(`Revert to ${v1.slice(0, 7)}: v1`);
    const diff = await gitIn(s.id, ['diff', '--stat', v1, 'main']);
    expect(diff.stdout).to.equal('');
    expect((await gitIn(s.id, ['cat-file', '-t', v2])).stdout.trim()).to.equal('commit');
    const viewerTry = await api(t.url, 'POST', `/api/sessions/${s.id}/revert`, {
      token: viewer.token,
      body: { sha: v1 },
    });
    expect(viewerTry.status).to.equal(404);
  });

  it('tags name versions; comments are git notes that git log --notes=comments shows', async () => {
    const s = await createSession(t.url, alice, {
      members: [
        [viewer, 'viewer'],
        [bob, 'commenter'],
      ],
      files: { 'x.c': 'int x;\n' },
    });
    const sha = (await save(alice, s.id)).body.sha;
    const tag = await api(t.url, 'POST', `/api/sessions/${s.id}/versions/${sha}/tags`, {
      token: alice.token,
      body: { name: 'v1.0' },
    });
    expect(tag.status).to.equal(201);
    expect((await gitIn(s.id, ['tag', '-l'])).stdout.trim()).to.equal('v1.0');
    const list = await api(t.url, 'GET', `/api/sessions/${s.id}/versions`, { token: viewer.token });
    expect(list.body[0].tags).to.deep.equal(['v1.0']);
    const c1 = await api(t.url, 'POST', `/api/sessions/${s.id}/versions/${sha}/comments`, {
      token: bob.token,
      body: { body: 'Why int?', path: 'x.c', line: 1 },
    });
    expect(c1.status).to.equal(201);
    const denied = await api(t.url, 'POST', `/api/sessions/${s.id}/versions/${sha}/comments`, {
      token: viewer.token,
      body: { body: 'hi' },
    });
    expect(denied.status).to.equal(403);
    const notes = await gitIn(s.id, ['log', '--notes=comments', '-1', 'main']);
    expect(notes.stdout).to.include('Why int?');
    const edit = await api(t.url, 'PATCH', `/api/sessions/${s.id}/versions/${sha}/comments/${c1.body.id}`, {
      token: alice.token,
      body: { body: 'hijack' },
    });
    expect(edit.status).to.equal(403);
    const read = await api(t.url, 'GET', `/api/sessions/${s.id}/versions/${sha}/comments`, {
      token: viewer.token,
    });
    expect(read.body.comments[0]).to.include({ body: 'Why int?', path: 'x.c', line: 1 });
    const fsck = await gitIn(s.id, ['fsck', '--full', '--strict']);
    expect(fsck.code, fsck.stderr).to.equal(0);
  });

  it('20 parallel save and comment requests on one session lose nothing', async () => {
    const s = await createSession(t.url, alice, { files: { 'f.txt': '0' } });
    const sha = (await save(alice, s.id)).body.sha;
    const d = await open(alice, s.files['f.txt']!.doc);
    const work: Array<Promise<unknown>> = [];
    for (let i = 0; i < 20; i++) {
      work.push(submit(d, [{ p: ['text', 0], si: `${i},` }]).then(() => save(alice, s.id, `save ${i}`)));
      work.push(
        api(t.url, 'POST', `/api/sessions/${s.id}/versions/${sha}/comments`, {
          token: alice.token,
          body: { body: `comment ${i}` },
        }),
      );
    }
    await Promise.all(work);
    await settled(d);
    await save(alice, s.id);
    const comments = await api(t.url, 'GET', `/api/sessions/${s.id}/versions/${sha}/comments`, {
      token: alice.token,
    });
    expect(comments.body.comments).to.have.length(20);
    const head = await gitIn(s.id, ['show', 'main:f.txt']);
    expect(head.stdout).to.equal(textOf(d));
    const fsck = await gitIn(s.id, ['fsck', '--full', '--strict']);
    expect(fsck.code, fsck.stderr).to.equal(0);
  });

  it('a clone equals the live session after a commit, and git pull brings exactly the next change; notes and tags fetch', async () => {
    const s = await createSession(t.url, alice, {
      members: [[viewer, 'viewer']],
      files: { 'src/a.js': 'let a;\n', 'doc.md': '# Doc\n' },
    });
    const v1 = (await save(alice, s.id)).body.sha;
    await api(t.url, 'POST', `/api/sessions/${s.id}/versions/${v1}/tags`, {
      token: alice.token,
      body: { name: 'first' },
    });
    await api(t.url, 'POST', `/api/sessions/${s.id}/versions/${v1}/comments`, {
      token: alice.token,
      body: { body: 'Looks good' },
    });
    const root = tempDir();
    dirs.push(root);
    const local = path.join(root, 'clone');
    const url = cloneUrl(t.url, s.id, viewer.username, 'correct horse');
    const clone = await git(['clone', url, local]);
    expect(clone.code, clone.stderr).to.equal(0);
    expect(fs.readFileSync(path.join(local, 'src/a.js'), 'utf8')).to.equal('let a;\n');
    expect(fs.readFileSync(path.join(local, 'doc.md'), 'utf8')).to.equal('# Doc\n');
    const d = await open(alice, s.files['src/a.js']!.doc);
    await submit(d, [{ p: ['text', 7], si: 'let b;\n' }]);
    const v2 = (await save(alice, s.id)).body.sha;
    const pull = await git(['pull', '--ff-only'], { cwd: local });
    expect(pull.code, pull.stderr).to.equal(0);
    expect((await git(['rev-parse', 'HEAD'], { cwd: local })).stdout.trim()).to.equal(v2);
    const changed = await git(['diff', '--name-only', v1, v2], { cwd: local });
    expect(changed.stdout.trim()).to.equal('src/a.js');
    expect((await git(['fetch', 'origin', 'refs/notes/*:refs/notes/*'], { cwd: local })).code).to.equal(0);
    expect((await git(['log', '--notes=comments', '-1', v1], { cwd: local })).stdout).to.include(
      'Looks good',
    );
    expect((await git(['fetch', '--tags'], { cwd: local })).code).to.equal(0);
    expect((await git(['tag', '-l'], { cwd: local })).stdout.trim()).to.equal('first');
    const fsck = await git(['fsck', '--full', '--strict'], { cwd: local });
    expect(fsck.code, fsck.stderr).to.equal(0);
  });
});
