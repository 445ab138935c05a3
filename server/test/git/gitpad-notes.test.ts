import { expect } from 'chai';
import { commitSnapshot } from '../../src/git/commit.js';
import { GITPAD_NOTES_REF, GitpadNotesReader } from '../../src/git/gitpad-notes.js';
import { lastCovered, log } from '../../src/git/history.js';
import { addComment, listComments } from '../../src/git/notes.js';
import { initRepo, type Repo } from '../../src/git/repo.js';
import { ALICE, expectFsckClean, git, tempDir } from './helpers.js';

describe('covered document versions in refs/notes/gitpad', () => {
  let tmp: ReturnType<typeof tempDir>;
  let n = 0;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());
  const commit = (repo: Repo, covers: Record<string, number>) =>
    commitSnapshot(repo, { files: [{ path: 'a.txt', content: `${++n}\n` }], author: ALICE, covers });

  it('keeps one note per commit in git’s fan-out layout, readable by git and by Gitpad', async () => {
    const repo = await initRepo(tmp.dir, 'fan');
    const shas: string[] = [];
    for (let i = 0; i < 40; i++) shas.push((await commit(repo, { [`doc-${i % 3}`]: i }))!.sha!);
    const listed = git(repo.dir, 'notes', '--ref=gitpad', 'list').trim().split('\n');
    expect(listed.map((l) => l.split(' ')[1]).sort()).to.deep.equal([...shas].sort());
    // The root holds only two-digit subtrees: adding a note never rewrites a tree of every note.
    const root = git(repo.dir, 'ls-tree', GITPAD_NOTES_REF).trim().split('\n');
    for (const line of root) expect(line).to.match(/^040000 tree [0-9a-f]{40}\t[0-9a-f]{2}$/);
    const reader = new GitpadNotesReader(repo);
    for (const [i, sha] of shas.entries()) {
      const shown = JSON.parse(git(repo.dir, 'notes', '--ref=gitpad', 'show', sha));
      expect(shown).to.deep.equal({ covers: { [`doc-${i % 3}`]: i } });
      expect(await reader.covers(sha)).to.deep.equal(shown.covers);
    }
    expect(Object.fromEntries(await lastCovered(repo, ['doc-0', 'doc-1', 'doc-2', 'doc-9']))).to.deep.equal({
      'doc-0': 39,
      'doc-1': 37,
      'doc-2': 38,
    });
    // Plain `git log` shows no machine data.
    expect(git(repo.dir, 'log', '--format=%B', 'main')).to.not.match(/covers|Gitpad-/i);
    expectFsckClean(repo.dir);
  });

  it('falls back to the Gitpad-Covers trailer of commits made before the notes', async () => {
    const repo = await initRepo(tmp.dir, 'old');
    const first = (await commit(repo, {}))!.sha!;
    // A commit as older Gitpad versions wrote it, by the git CLI.
    const tree = git(repo.dir, 'rev-parse', `${first}^{tree}`).trim();
    const old = git(
      repo.dir,
      '-c',
      'user.name=Old',
      '-c',
      'user.email=old@example.com',
      'commit-tree',
      tree,
      '-p',
      first,
      '-m',
      'Edit a.txt\n\nGitpad-Covers: {"doc-a":5,"doc-b":6}',
    ).trim();
    git(repo.dir, 'update-ref', 'refs/heads/main', old, first);
    const fresh = await initRepo(tmp.dir, 'old');
    const next = (await commit(fresh, { 'doc-b': 9 }))!.sha!;
    expect(Object.fromEntries(await lastCovered(fresh, ['doc-a', 'doc-b']))).to.deep.equal({
      'doc-a': 5,
      'doc-b': 9,
    });
    const [newest, older] = await log(fresh);
    expect(newest).to.include({ sha: next });
    expect(newest!.covers).to.deep.equal({ 'doc-b': 9 });
    expect(older!.covers).to.deep.equal({ 'doc-a': 5, 'doc-b': 6 });
    expect(older!.message).to.equal('Edit a.txt');
    expectFsckClean(fresh.dir);
  });
  it('keeps a commit’s covers and its comments in one note, each change leaving the other be', async () => {
    const repo = await initRepo(tmp.dir, 'both');
    const sha = (await commit(repo, { 'doc-x': 3 }))!.sha!;
    const author = { id: 'u1', username: 'alice', displayName: 'Alice' };
    await addComment(repo, sha, { author, body: 'first' });
    await addComment(repo, sha, { author, body: 'second' });
    const note = JSON.parse(git(repo.dir, 'notes', '--ref=gitpad', 'show', sha));
    expect(note.covers).to.deep.equal({ 'doc-x': 3 });
    expect(note.comments.map((c: { body: string }) => c.body)).to.deep.equal(['first', 'second']);
    expect(Object.fromEntries(await lastCovered(repo, ['doc-x']))).to.deep.equal({ 'doc-x': 3 });
    expect(await listComments(repo, sha)).to.deep.equal(note.comments);
    // One note per commit, whatever it holds.
    expect(git(repo.dir, 'notes', '--ref=gitpad', 'list').trim().split('\n')).to.have.length(1);
    expectFsckClean(repo.dir);
  });
});
