import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { Manifest } from '../../../scripts/backups/manifest.js';
import { git } from '../helpers/git-cli.js';
import {
  connectClient,
  fetchDoc,
  type RealtimeClient,
  submit,
  subscribe,
  textOf,
} from '../helpers/realtime-client.js';
import { api, createSession, registerUser, startServer, type TestServer } from '../helpers/server.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `npm run backup`/`restore`'s script as its own process, as an administrator would. */
function runScript(
  script: 'backup' | 'restore',
  args: string[],
  dirs: { dataDir: string; reposDir: string },
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'scripts', `${script}.ts`), ...args],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH, DATA_DIR: dirs.dataDir, REPOS_DIR: dirs.reposDir },
        timeout: 60_000,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

const refsOf = async (gitDir: string) => {
  const r = await git(['--git-dir', gitDir, 'for-each-ref', '--format=%(objectname) %(refname)']);
  expect(r.code, r.stderr).to.equal(0);
  return Object.fromEntries(
    r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' ').reverse()),
  ) as Record<string, string>;
};
const isAncestor = async (gitDir: string, older: string, newer: string) =>
  (await git(['--git-dir', gitDir, 'merge-base', '--is-ancestor', older, newer])).code === 0;

describe('backup and restore under live typing', function () {
  this.timeout(120_000);
  let t: TestServer;
  let restored: TestServer | undefined;
  const clients: RealtimeClient[] = [];
  const temp: string[] = [];
  const tempDir = (prefix: string) => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    temp.push(d);
    return d;
  };

  before(async () => {
    // Commits keep happening while the backup runs, so refs move under it.
    t = await startServer({ env: { COMMIT_IDLE_MS: '100', COMMIT_MAX_MS: '300' } });
  });
  after(async () => {
    for (const c of clients) c.close();
    await restored?.close();
    await t.close();
    for (const d of temp) fs.rmSync(d, { recursive: true, force: true });
  });

  it('restores every acknowledged edit, every repo’s refs and history, and passes git fsck', async () => {
    const alice = await registerUser(t.url, 'rhea');
    const a = await createSession(t.url, alice, {
      name: 'two files',
      files: { 'a.txt': 'A0\n', 'b.txt': 'B0\n' },
    });
    const b = await createSession(t.url, alice, { name: 'one file', files: { 'c.txt': 'C0\n' } });
    // Never saved: a repo without refs.
    const empty = await createSession(t.url, alice, { name: 'empty' });
    // Deleted: its repo lives on under .archive/.
    const gone = await createSession(t.url, alice, { name: 'gone', files: { 'g.txt': 'G\n' } });
    expect(
      (await api(t.url, 'POST', `/api/sessions/${gone.id}/versions`, { token: alice.token, body: {} }))
        .status,
    ).to.be.oneOf([200, 201]);
    expect((await api(t.url, 'DELETE', `/api/sessions/${gone.id}`, { token: alice.token })).status).to.equal(
      204,
    );
    // A tag and a comment: refs/tags and refs/notes/comments.
    const saved = await api(t.url, 'POST', `/api/sessions/${a.id}/versions`, {
      token: alice.token,
      body: { message: 'first' },
    });
    // 200 when the idle commit got there first: either way the head is a version.
    expect(saved.status).to.be.oneOf([200, 201]);
    const sha = (
      await git(['--git-dir', path.join(t.reposDir, `${a.id}.git`), 'rev-parse', 'refs/heads/main'])
    ).stdout.trim();
    const tagged = await api(t.url, 'POST', `/api/sessions/${a.id}/versions/${sha}/tags`, {
      token: alice.token,
      body: { name: 'v1' },
    });
    expect(tagged.status).to.equal(201);
    const commented = await api(t.url, 'POST', `/api/sessions/${a.id}/versions/${sha}/comments`, {
      token: alice.token,
      body: { body: 'looks good' },
    });
    expect(commented.status).to.equal(201);

    const files = [
      { session: a.id, doc: a.files['a.txt']!.doc, initial: 'A0\n' },
      { session: a.id, doc: a.files['b.txt']!.doc, initial: 'B0\n' },
      { session: b.id, doc: b.files['c.txt']!.doc, initial: 'C0\n' },
    ];
    // One typist per file, appending numbered tokens: any state of a file is its initial text plus
    // the first k tokens, and the acknowledged ones are known.
    const acked: string[][] = files.map(() => []);
    let typing = true;
    const typists = files.map(async (f, i) => {
      const c = await connectClient(t.url, alice.token);
      clients.push(c);
      const doc = c.connection.get(f.doc.collection, f.doc.id);
      await subscribe(doc);
      for (let n = 0; typing; n++) {
        const token = `<${i}.${n}>`;
        await submit(doc, [{ p: ['text', textOf(doc).length], si: token }]);
        acked[i]!.push(token);
        await sleep(2);
      }
    });

    const gitDir = (rel: string) => path.join(t.reposDir, rel);
    const sessionRepos = [a.id, b.id, empty.id].map((id) => `${id}.git`);
    await sleep(600);
    const ackedBefore = acked.map((x) => x.length);
    const refsBefore = Object.fromEntries(
      await Promise.all(sessionRepos.map(async (r) => [r, await refsOf(gitDir(r))])),
    );
    const backupDir = path.join(tempDir('gitpad-backup-'), 'snapshot');
    const backedUp = await runScript('backup', [backupDir], t);
    expect(backedUp.code, backedUp.stderr).to.equal(0);
    await sleep(200);
    typing = false;
    await Promise.all(typists);
    for (const n of ackedBefore) expect(n, 'typing had started').to.be.greaterThan(10);
    const refsAfter = Object.fromEntries(
      await Promise.all(sessionRepos.map(async (r) => [r, await refsOf(gitDir(r))])),
    );

    const manifest = JSON.parse(
      fs.readFileSync(path.join(backupDir, 'gitpad-backup.json'), 'utf8'),
    ) as Manifest;
    const archived = fs.readdirSync(path.join(t.reposDir, '.archive'));
    expect(manifest.repos.map((r) => r.path).sort()).to.deep.equal(
      [...sessionRepos, ...archived.map((n) => path.join('.archive', n))].sort(),
    );
    expect(manifest.repos.find((r) => r.path === `${empty.id}.git`)?.bundle).to.equal(null);

    const restoredDirs = { dataDir: tempDir('gitpad-rdata-'), reposDir: tempDir('gitpad-rrepos-') };
    const first = await runScript('restore', [backupDir], restoredDirs);
    expect(first.code, first.stderr).to.equal(0);
    // Once restored, the directories are not empty: a second restore is refused unless forced.
    const again = await runScript('restore', [backupDir], restoredDirs);
    expect(again.code).to.not.equal(0);
    expect(again.stderr).to.match(/not empty.*--force/);
    const forced = await runScript('restore', [backupDir, '--force'], restoredDirs);
    expect(forced.code, forced.stderr).to.equal(0);

    // Refs: what the manifest says, no older than before the backup, no newer than after it.
    for (const entry of manifest.repos) {
      const dir = path.join(restoredDirs.reposDir, entry.path);
      const refs = await refsOf(dir);
      expect(refs, entry.path).to.deep.equal(entry.refs);
      expect(fs.readFileSync(path.join(dir, 'HEAD'), 'utf8')).to.equal(entry.head);
      const fsck = await git(['--git-dir', dir, 'fsck', '--full', '--strict']);
      expect(fsck.code, `${entry.path}: ${fsck.stderr}`).to.equal(0);
      const before = refsBefore[entry.path] as Record<string, string> | undefined;
      if (!before) continue;
      expect(Object.keys(refs).sort()).to.deep.equal(Object.keys(before).sort());
      for (const [ref, oid] of Object.entries(refs)) {
        // Branches and Gitpad's own notes move with every version; tags and comments stood still.
        if (ref.startsWith('refs/heads/') || ref === 'refs/notes/gitpad') {
          expect(await isAncestor(gitDir(entry.path), before[ref]!, oid), `${ref} went back`).to.equal(true);
          expect(await isAncestor(gitDir(entry.path), oid, refsAfter[entry.path]![ref]!)).to.equal(true);
        } else expect(oid, ref).to.equal(before[ref]);
      }
    }
    const restoredA = await refsOf(path.join(restoredDirs.reposDir, `${a.id}.git`));
    expect(restoredA).to.have.property('refs/tags/v1');
    expect(restoredA).to.have.property('refs/notes/comments');

    // A fresh server on the restored dirs: the same accounts (the old token still works) and every
    // acknowledged edit, in order.
    restored = await startServer({ dataDir: restoredDirs.dataDir, reposDir: restoredDirs.reposDir });
    const reader = await connectClient(restored.url, alice.token);
    clients.push(reader);
    for (const [i, f] of files.entries()) {
      const doc = reader.connection.get(f.doc.collection, f.doc.id);
      await fetchDoc(doc);
      const text = textOf(doc);
      const tokens = text.slice(f.initial.length).match(/<\d+\.\d+>/g) ?? [];
      expect(text.startsWith(f.initial)).to.equal(true);
      expect(text).to.equal(f.initial + tokens.join(''));
      expect(tokens, `file ${i}`).to.deep.equal(acked[i]!.slice(0, tokens.length));
      expect(tokens.length, `file ${i}: edits acknowledged before the backup`).to.be.at.least(
        ackedBefore[i]!,
      );
    }
    const sessions = await api(restored.url, 'GET', '/api/sessions', { token: alice.token });
    expect(sessions.status).to.equal(200);
    const comments = await api(restored.url, 'GET', `/api/sessions/${a.id}/versions/${sha}/comments`, {
      token: alice.token,
    });
    expect(comments.body.comments.map((c: { body: string }) => c.body)).to.deep.equal(['looks good']);
  });

  it('refuses to back up into a directory that is not empty, and to restore a partial backup', async () => {
    const dir = tempDir('gitpad-backup-');
    fs.writeFileSync(path.join(dir, 'something'), 'x');
    const backedUp = await runScript('backup', [dir], t);
    expect(backedUp.code).to.not.equal(0);
    expect(backedUp.stderr).to.match(/not empty/);
    const restoredDirs = { dataDir: tempDir('gitpad-rdata-'), reposDir: tempDir('gitpad-rrepos-') };
    const partial = await runScript('restore', [dir], restoredDirs);
    expect(partial.code).to.not.equal(0);
    expect(partial.stderr).to.match(/gitpad-backup\.json is missing/);
    expect(fs.readdirSync(restoredDirs.dataDir)).to.deep.equal([]);
    // A manifest whose paths lead out of REPOS_DIR is refused before anything is written.
    const manifest: Manifest = {
      format: 1,
      startedAt: '',
      finishedAt: '',
      store: 'embedded',
      dataFiles: [],
      repos: [{ path: '../escape.git', bundle: null, head: 'ref: refs/heads/main\n', config: '', refs: {} }],
    };
    fs.writeFileSync(path.join(dir, 'gitpad-backup.json'), JSON.stringify(manifest));
    const tampered = await runScript('restore', [dir], restoredDirs);
    expect(tampered.code).to.not.equal(0);
    expect(tampered.stderr).to.match(/bad repo entry/);
    expect(fs.existsSync(path.join(restoredDirs.reposDir, '..', 'escape.git'))).to.equal(false);
  });
});
