import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { cloneUrl, git, tempDir } from '../helpers/git-cli.js';
import {
  type ClientDoc,
  connectClient,
  emitAck,
  type RealtimeClient,
  submit,
  subscribe,
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

describe('git push into a live session (issue 13)', () => {
  let t: TestServer;
  let owner: TestUser;
  let editor: TestUser;
  let viewer: TestUser;
  const dirs: string[] = [];
  const clients: RealtimeClient[] = [];
  const dir = () => {
    const d = tempDir('gitpad-push-');
    dirs.push(d);
    return path.join(d, 'clone');
  };

  before(async () => {
    t = await startServer({ env: { PUSH_MAX_FILE_BYTES: '4096', COMMIT_IDLE_MS: '60000' } });
    [owner, editor, viewer] = (await Promise.all([1, 2, 3].map(() => registerUser(t.url)))) as [
      TestUser,
      TestUser,
      TestUser,
    ];
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  after(async () => {
    await t.close();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  const save = async (sessionId: string, message = 'base') => {
    const r = await api(t.url, 'POST', `/api/sessions/${sessionId}/versions`, {
      token: owner.token,
      body: { message },
    });
    expect(r.status, JSON.stringify(r.body)).to.be.oneOf([200, 201]);
  };
  const session = async (files: Record<string, string>) => {
    const s = await createSession(t.url, owner, {
      members: [
        [editor, 'editor'],
        [viewer, 'viewer'],
      ],
      files,
    });
    if (Object.keys(files).length > 0) await save(s.id);
    return s;
  };
  const clone = async (sessionId: string, user: TestUser = editor, secret = 'correct horse') => {
    const d = dir();
    const r = await git(['clone', cloneUrl(t.url, sessionId, user.username, secret), d]);
    expect(r.code, r.stderr).to.equal(0);
    return d;
  };
  const commitAll = async (d: string, message: string) => {
    expect((await git(['add', '-A'], { cwd: d })).code).to.equal(0);
    const r = await git(['commit', '-q', '-m', message], { cwd: d });
    expect(r.code, r.stderr).to.equal(0);
  };
  const push = (d: string, ...extra: string[]) => git(['push', 'origin', 'HEAD:main', ...extra], { cwd: d });
  const open = async (user: TestUser, sessionId: string, doc: { collection: string; id: string }) => {
    const c = await connectClient(t.url, user.token);
    clients.push(c);
    await emitAck(c.socket, 'session:join', { sessionId });
    const d = c.connection.get(doc.collection, doc.id);
    await subscribe(d);
    return d;
  };
  const text = (d: ClientDoc) => (d.data as { text: string }).text;
  /** The session's files (id, path), sorted by path. */
  const liveFiles = async (sessionId: string): Promise<Array<{ id: string; path: string }>> => {
    const r = await api(t.url, 'GET', `/api/sessions/${sessionId}`, { token: owner.token });
    return [...r.body.files].sort((x, y) => (x.path < y.path ? -1 : 1));
  };
  const paths = async (sessionId: string) => (await liveFiles(sessionId)).map((f) => f.path);
  const fsck = (sessionId: string) =>
    execFileSync(
      'git',
      ['--git-dir', path.join(t.reposDir, `${sessionId}.git`), 'fsck', '--full', '--strict'],
      {
        stdio: 'pipe',
      },
    );

  it('a push lands as live edits while two clients type in the same file', async () => {
    const base = ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', ''].join('\n');
    const s = await session({ 'a.txt': base });
    const d = await clone(s.id);
    const a = await open(owner, s.id, s.files['a.txt']!.doc);
    const b = await open(editor, s.id, s.files['a.txt']!.doc);
    // Typing after the version the push is based on: a different line, the same line as the push,
    // and a delete just before the pushed region.
    await submit(a, [{ p: ['text', 0], si: 'A:' }]); // line 1
    const at = text(b).indexOf('four');
    await submit(b, [{ p: ['text', at + 4], si: '!' }]); // line 4, also pushed
    const six = text(a).indexOf('six\n');
    await submit(a, [{ p: ['text', six], sd: 'six\n' }]);
    fs.writeFileSync(path.join(d, 'a.txt'), base.replace('four', 'FOUR').replace('seven', 'seven pushed'));
    await commitAll(d, 'Shout four');
    // Typing while the push runs: both clients keep typing (at the start of line 1 and at the end)
    // until git has its answer.
    let done = false;
    const pushing = push(d).finally(() => {
      done = true;
    });
    const typing = async (doc: ClientDoc, at: () => number, ch: string) => {
      let n = 0;
      while (!done && n < 200) {
        doc.submitOp([{ p: ['text', at()], si: ch }] as never);
        n++;
        await new Promise((r) => setTimeout(r, 5));
      }
      return n;
    };
    const [typedA, typedB] = await Promise.all([
      typing(a, () => 0, 'x'),
      typing(b, () => text(b).length, 'y'),
    ]);
    await submit(b, [{ p: ['text', text(b).length], si: 'tail\n' }]);
    const r = await pushing;
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.match(/remote: Gitpad: applied to the live session as version [0-9a-f]{7}/);
    await waitFor(() => text(a) === text(b) && text(a).includes('seven pushed') && text(a).includes('tail'));
    const live = text(a);
    expect(live).to.include(`${'x'.repeat(typedA)}A:one`);
    expect(live).to.include(`${'y'.repeat(typedB)}tail`);
    expect(live).to.include('seven pushed');
    expect(live).to.include('tail\n');
    expect(live).to.not.include('six');
    expect(live).to.match(/FOUR|four!/);
    // Server state equals the clients.
    const server = await api(t.url, 'GET', `/api/sessions/${s.id}/files/${s.files['a.txt']!.id}`, {
      token: owner.token,
    });
    expect(server.body.content).to.equal(text(a));
    // History keeps the pushed commit as a second parent, with its author.
    const log = await git(['fetch', '-q', 'origin'], { cwd: d });
    expect(log.code, log.stderr).to.equal(0);
    const parents = await git(['log', '-1', '--format=%P', 'origin/main'], { cwd: d });
    const pushedSha = (await git(['rev-parse', 'HEAD'], { cwd: d })).stdout.trim();
    expect(parents.stdout.trim().split(' ')).to.include(pushedSha);
    expect((await git(['log', '-1', '--format=%an', pushedSha], { cwd: d })).stdout.trim()).to.equal('Test');
    fsck(s.id);
  });

  it('pushes new, deleted and renamed files; open file trees follow', async () => {
    const s = await session({ 'keep.txt': 'keep\n', 'gone.txt': 'bye\n', 'old/name.txt': 'moving\n' });
    const d = await clone(s.id);
    fs.writeFileSync(path.join(d, 'new.txt'), 'hello\n');
    fs.rmSync(path.join(d, 'gone.txt'));
    fs.mkdirSync(path.join(d, 'moved'));
    fs.renameSync(path.join(d, 'old', 'name.txt'), path.join(d, 'moved', 'name.txt'));
    await commitAll(d, 'Shuffle files');
    // Someone with the session open: their tree hears of the move and the delete.
    const watcher = await connectClient(t.url, owner.token);
    clients.push(watcher);
    await emitAck(watcher.socket, 'session:join', { sessionId: s.id });
    const events: Array<{ type: string; from?: string; to?: string; path?: string }> = [];
    watcher.socket.on('session:event', (e) => events.push(e));
    const r = await push(d);
    expect(r.code, r.stderr).to.equal(0);
    await waitFor(
      () => events.some((e) => e.type === 'moved') && events.some((e) => e.type === 'fileDeleted'),
    );
    expect(events.find((e) => e.type === 'moved')).to.include({ from: 'old/name.txt', to: 'moved/name.txt' });
    expect(events.find((e) => e.type === 'fileDeleted')).to.include({ path: 'gone.txt' });
    const files = await liveFiles(s.id);
    expect(files.map((f) => f.path)).to.deep.equal(['keep.txt', 'moved/name.txt', 'new.txt']);
    expect(files.find((f) => f.path === 'moved/name.txt')!.id).to.equal(s.files['old/name.txt']!.id);
    fsck(s.id);
  });

  it('pushing into an empty session imports the whole repository', async () => {
    const s = await session({});
    const d = await clone(s.id);
    fs.mkdirSync(path.join(d, 'src'));
    fs.writeFileSync(path.join(d, 'src', 'main.ts'), 'export const x = 1;\n');
    fs.writeFileSync(path.join(d, 'README.md'), '# Imported\n');
    await commitAll(d, 'Initial import');
    const r = await push(d);
    expect(r.code, r.stderr).to.equal(0);
    expect(await paths(s.id)).to.deep.equal(['README.md', 'src/main.ts']);
    // Nobody typed around it: main is the pushed commit itself, and the clone is up to date.
    const local = (await git(['rev-parse', 'HEAD'], { cwd: d })).stdout.trim();
    const remote = await git(['ls-remote', 'origin', 'refs/heads/main'], { cwd: d });
    expect(remote.stdout.split('\t')[0]).to.equal(local);
    fsck(s.id);
  });

  it('refuses viewers, wrong passwords and other refs with a remote: reason', async () => {
    const s = await session({ 'a.txt': 'a\n' });
    const d = await clone(s.id);
    fs.writeFileSync(path.join(d, 'a.txt'), 'b\n');
    await commitAll(d, 'Change');
    const asViewer = await git(
      ['push', cloneUrl(t.url, s.id, viewer.username, 'correct horse'), 'HEAD:main'],
      {
        cwd: d,
      },
    );
    expect(asViewer.code).to.not.equal(0);
    expect(asViewer.stderr).to.include(
      'remote: You are a viewer in this session: only editors and owners can push.',
    );
    const wrong = await git(['push', cloneUrl(t.url, s.id, editor.username, 'nope'), 'HEAD:main'], {
      cwd: d,
    });
    expect(wrong.code).to.not.equal(0);
    expect(wrong.stderr).to.match(/Authentication failed|401/);
    const other = await git(['push', 'origin', 'HEAD:refs/heads/feature'], { cwd: d });
    expect(other.code).to.not.equal(0);
    expect(other.stderr).to.include('remote: Gitpad takes pushes to main only, not refs/heads/feature.');
    const tag = await git(['push', 'origin', 'HEAD:refs/tags/v1'], { cwd: d });
    expect(tag.code).to.not.equal(0);
    expect(tag.stderr).to.include('remote: Gitpad takes pushes to main only');
    expect(await paths(s.id)).to.deep.equal(['a.txt']);
    fsck(s.id);
  });

  it('refuses oversize files, names Gitpad refuses, and trees with .git or .. names', async () => {
    const s = await session({ 'a.txt': 'a\n' });
    const d = await clone(s.id);
    fs.writeFileSync(path.join(d, 'big.txt'), 'x'.repeat(5000));
    await commitAll(d, 'Big');
    const big = await push(d);
    expect(big.code).to.not.equal(0);
    expect(big.stderr).to.include(
      'remote: Gitpad: "big.txt" is 5000 bytes; this server takes files up to 4096 bytes.',
    );

    // A name git takes but Gitpad's tree rule refuses (a control character).
    const d2 = await clone(s.id);
    fs.writeFileSync(path.join(d2, 'tab\there.txt'), 'x\n');
    await commitAll(d2, 'Tab');
    const tab = await push(d2);
    expect(tab.code).to.not.equal(0);
    expect(tab.stderr).to.match(/remote: Gitpad: "tab\there.txt": .+/);
    expect(tab.stderr).to.include('(refused file names or types)');

    // A tree git's own tools cannot make: written with mktree.
    const d3 = await clone(s.id);
    for (const bad of ['.git', '..']) {
      const blob = execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: d3, input: 'evil\n' })
        .toString()
        .trim();
      const inner = execFileSync('git', ['mktree'], { cwd: d3, input: `100644 blob ${blob}\tconfig\n` })
        .toString()
        .trim();
      const tree = execFileSync('git', ['mktree'], {
        cwd: d3,
        input: `040000 tree ${inner}\t${bad}\n100644 blob ${blob}\ta.txt\n`,
      })
        .toString()
        .trim();
      const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: d3 }).toString().trim();
      const commit = execFileSync('git', ['commit-tree', tree, '-p', head, '-m', 'evil'], {
        cwd: d3,
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: 'x',
          GIT_AUTHOR_EMAIL: 'x@x',
          GIT_COMMITTER_NAME: 'x',
          GIT_COMMITTER_EMAIL: 'x@x',
        },
      })
        .toString()
        .trim();
      const r = await git(['push', 'origin', `${commit}:refs/heads/main`], { cwd: d3 });
      expect(r.code, bad).to.not.equal(0);
      expect(r.stderr, bad).to.match(
        bad === '.git'
          ? /remote: error: object \w+: hasDotgit: contains '.git'/
          : /remote: error: object \w+: hasDotdot: contains '..'/,
      );
      expect(r.stderr, bad).to.include('[remote rejected]');
    }
    expect(await paths(s.id)).to.deep.equal(['a.txt']);
    fsck(s.id);
  });

  it('refuses a pack over PUSH_MAX_PACK_BYTES and more files than PUSH_MAX_FILES, with remote: reasons', async () => {
    const small = await startServer({ env: { PUSH_MAX_PACK_BYTES: '2048', PUSH_MAX_FILES: '2' } });
    try {
      const u = await registerUser(small.url);
      const s = await createSession(small.url, u, { files: { 'a.txt': 'a\n' } });
      await api(small.url, 'POST', `/api/sessions/${s.id}/versions`, { token: u.token, body: {} });
      const d = dir();
      expect((await git(['clone', cloneUrl(small.url, s.id, u.username, 'correct horse'), d])).code).to.equal(
        0,
      );
      fs.writeFileSync(path.join(d, 'noise.txt'), randomBytes(4096).toString('base64'));
      await commitAll(d, 'Noise');
      const big = await push(d);
      expect(big.code).to.not.equal(0);
      expect(big.stderr).to.include('remote: fatal: pack exceeds maximum allowed size');

      const d2 = dir();
      expect(
        (await git(['clone', cloneUrl(small.url, s.id, u.username, 'correct horse'), d2])).code,
      ).to.equal(0);
      for (const n of ['x', 'y', 'z']) fs.writeFileSync(path.join(d2, `${n}.txt`), `${n}\n`);
      await commitAll(d2, 'Three files');
      const many = await push(d2);
      expect(many.code).to.not.equal(0);
      expect(many.stderr).to.include(
        'remote: Gitpad: This push changes 3 files; this server takes at most 2 per push.',
      );
      expect(many.stderr).to.include('(too many files)');
      const live = await api(small.url, 'GET', `/api/sessions/${s.id}`, { token: u.token });
      expect(live.body.files.map((f: { path: string }) => f.path)).to.deep.equal(['a.txt']);
    } finally {
      await small.close();
    }
  });

  it('binary files and executable bits travel byte for byte: pushed, replaced, cloned, deleted, turned into text and back', async () => {
    const s = await session({ 'a.txt': 'a\n' });
    const d = await clone(s.id);
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0xff, 0xfe]);
    const latin1 = Buffer.from('caf\xe9\n', 'latin1');
    fs.writeFileSync(path.join(d, 'logo.png'), png);
    fs.writeFileSync(path.join(d, 'old.txt'), latin1);
    fs.writeFileSync(path.join(d, 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
    await commitAll(d, 'Binary and executable');
    const r = await push(d);
    expect(r.code, r.stderr).to.equal(0);
    const files = await liveFiles(s.id);
    expect(files.map((f) => f.path)).to.deep.equal(['a.txt', 'logo.png', 'old.txt', 'run.sh']);
    const session1 = await api(t.url, 'GET', `/api/sessions/${s.id}`, { token: owner.token });
    const logo = session1.body.files.find((f: { path: string }) => f.path === 'logo.png');
    expect(logo.blob.size).to.equal(png.length);

    // Replaced in a second push, then cloned fresh: the same bytes and modes.
    const png2 = Buffer.concat([png, Buffer.from([0x01, 0x02])]);
    fs.writeFileSync(path.join(d, 'logo.png'), png2);
    await commitAll(d, 'New logo');
    const r2 = await push(d);
    expect(r2.code, r2.stderr).to.equal(0);
    await save(s.id, 'after pushes');
    const fresh = await clone(s.id);
    expect(fs.readFileSync(path.join(fresh, 'logo.png')).equals(png2)).to.equal(true);
    expect(fs.readFileSync(path.join(fresh, 'old.txt')).equals(latin1)).to.equal(true);
    expect(fs.statSync(path.join(fresh, 'run.sh')).mode & 0o111).to.not.equal(0);

    fs.rmSync(path.join(fresh, 'logo.png'));
    await commitAll(fresh, 'Drop the logo');
    const r3 = await push(fresh);
    expect(r3.code, r3.stderr).to.equal(0);
    expect(await paths(s.id)).to.deep.equal(['a.txt', 'old.txt', 'run.sh']);

    // A file turning binary, and one turning back into text, in one push.
    fs.writeFileSync(path.join(fresh, 'a.txt'), Buffer.from([0x00, 0x01, 0x02]));
    fs.writeFileSync(path.join(fresh, 'old.txt'), 'café\n');
    await commitAll(fresh, 'Swap kinds');
    const r4 = await push(fresh);
    expect(r4.code, r4.stderr).to.equal(0);
    const swapped = await api(t.url, 'GET', `/api/sessions/${s.id}`, { token: owner.token });
    const byPath = new Map<string, { id: string; blob?: { size: number } }>(
      swapped.body.files.map((f: { path: string }) => [f.path, f]),
    );
    expect(byPath.get('a.txt')!.blob).to.deep.include({ size: 3 });
    expect(byPath.get('old.txt')!.blob).to.equal(undefined);
    const oldText = await api(t.url, 'GET', `/api/sessions/${s.id}/files/${byPath.get('old.txt')!.id}`, {
      token: owner.token,
    });
    expect(oldText.body.content).to.equal('café\n');
    fsck(s.id);
  });

  it('concurrent pushes to one session, and a Save version racing them, all land', async () => {
    const s = await session({ 'a.txt': 'one\ntwo\nthree\n', 'b.txt': 'b\n' });
    const d1 = await clone(s.id);
    const d2 = await clone(s.id);
    fs.writeFileSync(path.join(d1, 'a.txt'), 'ONE\ntwo\nthree\n');
    fs.writeFileSync(path.join(d1, 'first.txt'), '1\n');
    await commitAll(d1, 'First');
    fs.writeFileSync(path.join(d2, 'a.txt'), 'one\ntwo\nTHREE\n');
    fs.writeFileSync(path.join(d2, 'second.txt'), '2\n');
    await commitAll(d2, 'Second');
    const doc = await open(owner, s.id, s.files['b.txt']!.doc);
    await submit(doc, [{ p: ['text', 0], si: 'typed ' }]);
    const [r1, r2] = await Promise.all([push(d1), push(d2), save(s.id, 'racing save')]);
    // Both were based on a version of the session: both land, whatever was saved in between.
    expect(r1!.code, r1!.stderr).to.equal(0);
    expect(r2!.code, r2!.stderr).to.equal(0);
    const a = await api(t.url, 'GET', `/api/sessions/${s.id}/files/${s.files['a.txt']!.id}`, {
      token: owner.token,
    });
    expect(a.body.content).to.equal('ONE\ntwo\nTHREE\n');
    expect(await paths(s.id)).to.deep.equal(['a.txt', 'b.txt', 'first.txt', 'second.txt']);
    expect(text(doc)).to.equal('typed b\n');
    fsck(s.id);
  });

  it('a push whose base is no longer main is refused with git’s fetch first', async () => {
    const s = await session({ 'c.txt': 'alpha\nbeta\ngamma\n' });
    const d = await clone(s.id);
    fs.writeFileSync(path.join(d, 'c.txt'), 'alpha\nBETA pushed\ngamma\n');
    fs.writeFileSync(path.join(d, 'other.txt'), 'new\n');
    await commitAll(d, 'Edit beta');
    const doc = await open(owner, s.id, s.files['c.txt']!.doc);
    await submit(doc, [{ p: ['text', 0], si: 'live ' }]);
    await save(s.id, 'newer version');
    const r = await push(d);
    expect(r.code).to.not.equal(0);
    expect(r.stderr).to.include('! [rejected]        HEAD -> main (fetch first)');
    expect(await paths(s.id)).to.deep.equal(['c.txt']);
  });

  it('without the base’s document versions, a push is merged three-way: apart hunks merge, overlaps refuse it all', async () => {
    const base = 'alpha\nbeta\ngamma\ndelta\nepsilon\n';
    const s = await session({ 'c.txt': base, 'd.txt': 'one\n' });
    // A base no note ties to the op log (a version from before covers were recorded).
    execFileSync('git', [
      '--git-dir',
      path.join(t.reposDir, `${s.id}.git`),
      'update-ref',
      '-d',
      'refs/notes/gitpad',
    ]);
    const doc = await open(owner, s.id, s.files['c.txt']!.doc);
    await submit(doc, [{ p: ['text', 0], si: 'live ' }]); // line 1, uncommitted

    const d = await clone(s.id);
    fs.writeFileSync(path.join(d, 'c.txt'), base.replace('alpha', 'ALPHA').replace('delta', 'DELTA'));
    fs.writeFileSync(path.join(d, 'd.txt'), 'two\n');
    await commitAll(d, 'Clash on alpha');
    const refused = await push(d);
    expect(refused.code).to.not.equal(0);
    expect(refused.stderr).to.include('remote: Gitpad: c.txt: lines 1-1 conflict with edits made in Gitpad.');
    expect(refused.stderr).to.include('! [remote rejected] HEAD -> main (conflicts with live edits)');
    expect(text(doc)).to.equal(`live ${base}`);
    const dDoc = await api(t.url, 'GET', `/api/sessions/${s.id}/files/${s.files['d.txt']!.id}`, {
      token: owner.token,
    });
    expect(dDoc.body.content).to.equal('one\n');

    fs.writeFileSync(path.join(d, 'c.txt'), base.replace('delta', 'DELTA'));
    await commitAll(d, 'Only delta');
    const merged = await push(d);
    expect(merged.code, merged.stderr).to.equal(0);
    await waitFor(() => text(doc).includes('DELTA'));
    expect(text(doc)).to.equal(`live ${base.replace('delta', 'DELTA')}`);
    fsck(s.id);
  });
});
