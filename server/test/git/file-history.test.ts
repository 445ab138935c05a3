/**
 * One file's history and blame in the git library, judged by the real `git blame`: many random
 * edits by two authors with renames (followed by file id, as the notes record them), the cap on
 * how far back blame reads, and what versions from before ids were recorded give.
 */
import { expect } from 'chai';
import { commitSnapshot } from '../../src/git/commit.js';
import { blameFile, fileHistory } from '../../src/git/file-history.js';
import { kindFromMessage } from '../../src/git/kinds.js';
import { initRepo, type Repo } from '../../src/git/repo.js';
import { ALICE, BOB, expectAppError, git, tempDir } from './helpers.js';

/** A small deterministic random source (mulberry32). */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Blame by git: the commit of each line of `path` at `rev`. */
function gitBlame(gitdir: string, path: string, rev = 'main'): string[] {
  const out = git(gitdir, 'blame', '--porcelain', '--first-parent', rev, '--', path);
  const lines: string[] = [];
  for (const line of out.split('\n')) {
    const m = /^([0-9a-f]{40}) \d+ (\d+)/.exec(line);
    if (m) lines[Number(m[2]) - 1] = m[1]!;
  }
  return lines;
}

function expand(runs: ReadonlyArray<{ startLine: number; endLine: number; sha: string }>): string[] {
  const out: string[] = [];
  for (const r of runs) for (let l = r.startLine; l <= r.endLine; l++) out[l - 1] = r.sha;
  return out;
}

describe('git file history and blame', () => {
  let tmp: ReturnType<typeof tempDir>;
  let repo: Repo;

  beforeEach(async () => {
    tmp = tempDir();
    repo = await initRepo(tmp.dir, 'fh');
  });
  afterEach(() => tmp.cleanup());

  it('blame equals git blame --first-parent over 40 random edits by two authors, with renames', async () => {
    const rnd = random(7);
    // Code-like lines with some repeats, as real files have (braces, blank lines).
    const vocab = ['{', '}', '', 'return x;', 'let y = 1;', 'if (a) {', '// note'];
    const line = () =>
      rnd() < 0.5 ? vocab[Math.floor(rnd() * vocab.length)]! : `line ${Math.floor(rnd() * 1e6)}`;
    const lines = Array.from({ length: 12 }, line);
    let path = 'src/main.ts';
    const other = { path: 'other.txt', content: 'x\n' };
    const shas: string[] = [];
    for (let i = 0; i < 40; i++) {
      if (i > 0) {
        const edits = 1 + Math.floor(rnd() * 3);
        for (let e = 0; e < edits; e++) {
          const at = Math.floor(rnd() * (lines.length + 1));
          const r = rnd();
          if (r < 0.4 || lines.length < 3)
            lines.splice(at, 0, ...Array.from({ length: 1 + Math.floor(rnd() * 3) }, line));
          else if (r < 0.7) lines.splice(at, 1 + Math.floor(rnd() * 2));
          else if (at < lines.length) lines[at] = line();
        }
        if (i % 13 === 0) path = path === 'src/main.ts' ? 'lib/main.ts' : 'src/main.ts';
      }
      const res = await commitSnapshot(repo, {
        files: [{ path, content: `${lines.join('\n')}\n` }, other],
        author: rnd() < 0.5 ? ALICE : BOB,
        paths: { f1: path, f2: other.path },
        kind: 'autosave',
        time: new Date(Date.UTC(2024, 0, 1, 0, i)),
      });
      if (!res.unchanged) shas.push(res.sha);
    }
    const blame = await blameFile(repo, { path, fileId: 'f1' });
    expect(blame.truncated).to.equal(false);
    expect(blame.lines).to.equal(lines.length);
    expect(expand(blame.runs)).to.deep.equal(gitBlame(tmp.dir + '/fh.git', path));
    // Runs name each version's author as git has it.
    for (const run of blame.runs) {
      const author = git(tmp.dir + '/fh.git', 'log', '-1', '--format=%an', run.sha).trim();
      expect(run.author.name).to.equal(author);
    }
    // The file's history follows both renames and lists every version that changed it.
    const history = await fileHistory(repo, { path, fileId: 'f1' }, { limit: 500 });
    const changedByGit = git(
      tmp.dir + '/fh.git',
      'log',
      '--first-parent',
      '--format=%H',
      '--',
      'src/main.ts',
      'lib/main.ts',
    )
      .trim()
      .split('\n');
    expect(history.versions.map((v) => v.sha)).to.deep.equal(changedByGit);
    expect(history.versions.filter((v) => v.status === 'renamed').length).to.equal(3);
    expect(history.versions.at(-1)!.status).to.equal('added');
    for (const v of history.versions.slice(0, 5)) {
      const numstat = git(
        tmp.dir + '/fh.git',
        'diff',
        '--numstat',
        '-M100%',
        `${v.sha}~1`,
        v.sha,
        '--',
        v.oldPath ?? v.path,
        v.path,
      )
        .trim()
        .split('\n')
        .filter(Boolean);
      if (v.status === 'modified')
        expect(numstat[0]!.split('\t').slice(0, 2).map(Number)).to.deep.equal([v.additions, v.deletions]);
    }
  });

  it('stops after maxVersions changes: the rest goes to the oldest version read, and says so', async () => {
    const shas: string[] = [];
    let text = 'base\n';
    for (let i = 0; i < 6; i++) {
      text += `line ${i}\n`;
      const res = await commitSnapshot(repo, {
        files: [{ path: 'a.txt', content: text }],
        author: i % 2 ? BOB : ALICE,
        paths: { a: 'a.txt' },
      });
      shas.push(res.sha!);
    }
    const blame = await blameFile(repo, { path: 'a.txt', fileId: 'a' }, { maxVersions: 2 });
    expect(blame.truncated).to.equal(true);
    // Lines 6 and 7 (line 4, line 5) from the last two changes; everything older to the oldest read.
    expect(expand(blame.runs)).to.deep.equal([shas[3], shas[3], shas[3], shas[3], shas[3], shas[4], shas[5]]);
    const full = await blameFile(repo, { path: 'a.txt', fileId: 'a' });
    expect(full.truncated).to.equal(false);
    expect(expand(full.runs)).to.deep.equal(gitBlame(tmp.dir + '/fh.git', 'a.txt'));
  });

  it('versions without recorded ids keep the path: a rename there starts the file anew', async () => {
    const one = await commitSnapshot(repo, { files: [{ path: 'old.txt', content: 'a\n' }], author: ALICE });
    const two = await commitSnapshot(repo, { files: [{ path: 'new.txt', content: 'a\n' }], author: BOB });
    const three = await commitSnapshot(repo, {
      files: [{ path: 'new.txt', content: 'a\nb\n' }],
      author: ALICE,
      paths: { n: 'new.txt' },
    });
    const history = await fileHistory(repo, { path: 'new.txt', fileId: 'n' }, { limit: 50 });
    expect(history.versions.map((v) => [v.sha, v.status])).to.deep.equal([
      [three.sha, 'modified'],
      [two.sha, 'added'],
    ]);
    expect(one.sha).to.not.equal(two.sha);
    const blame = await blameFile(repo, { path: 'new.txt', fileId: 'n' });
    expect(expand(blame.runs)).to.deep.equal([two.sha, three.sha]);
  });

  it('refuses blame of a binary file and of a path no version holds, with clear codes', async () => {
    await commitSnapshot(repo, {
      files: [
        { path: 'img.bin', content: 'a\0b' },
        { path: 't.txt', content: 'x\n' },
      ],
      author: ALICE,
    });
    await expectAppError(blameFile(repo, { path: 'img.bin' }), 'ERR_VALIDATION');
    await expectAppError(blameFile(repo, { path: 'nope.txt' }), 'ERR_FILE_NOT_FOUND');
    await expectAppError(blameFile(repo, { path: '../x' }), 'ERR_INVALID_PATH');
    const history = await fileHistory(repo, { path: 'img.bin' }, { limit: 5 });
    expect(history.versions[0]).to.include({ status: 'added', uncounted: true, additions: 0 });
  });

  it('reads the kind of a version without one recorded from its message', () => {
    expect(kindFromMessage('Before revert to a1b2c3d', 1)).to.equal('before');
    expect(kindFromMessage('Before deleting src/a.ts', 1)).to.equal('before');
    expect(kindFromMessage('Revert to a1b2c3d: Start', 1)).to.equal('revert');
    expect(kindFromMessage('Imported 3 files from x.zip', 1)).to.equal('import');
    expect(kindFromMessage('Push a1b2c3d: Fix', 2)).to.equal('push');
    expect(kindFromMessage('Anything', 2)).to.equal('push');
    expect(kindFromMessage('Delete a.txt', 1)).to.equal('delete');
    expect(kindFromMessage('Move src/ to lib/', 1)).to.equal('move');
    expect(kindFromMessage("Replace 'a' with 'b' in 2 files", 1)).to.equal('replace');
    expect(kindFromMessage('Edit a.ts, add b.ts', 1)).to.equal('autosave');
    expect(kindFromMessage('Release 1.0', 1)).to.equal('save');
  });
});
