import { expect } from 'chai';
import { commitSnapshot } from '../../src/git/commit.js';
import {
  headSha,
  log,
  readEntry,
  readFileAt,
  readTree,
  readVersion,
  resolveSha,
} from '../../src/git/history.js';
import { initRepo, type Repo } from '../../src/git/repo.js';
import { ALICE, BOB, expectAppError, git, tempDir } from './helpers.js';

describe('git history', () => {
  let tmp: ReturnType<typeof tempDir>;
  let repo: Repo;
  const shas: string[] = [];

  before(async () => {
    tmp = tempDir();
    repo = await initRepo(tmp.dir, 'h');
    const versions = [
      [{ path: 'a.txt', content: 'one\ntwo\nthree\n' }],
      [
        { path: 'a.txt', content: 'one\n2\nthree\nfour\n' },
        { path: 'src/b.ts', content: 'export {};\n' },
      ],
      [
        { path: 'a.txt', content: 'one\n2\nthree\nfour\n' },
        { path: 'src/b.ts', content: 'export {};\n' },
        { path: 'bin.dat', content: 'x\0y' },
      ],
      [{ path: 'src/b.ts', content: 'export const b = 1;\nexport {};\n' }],
    ];
    for (const [i, files] of versions.entries()) {
      const res = await commitSnapshot(repo, {
        files,
        author: i % 2 ? BOB : ALICE,
        coAuthors: i === 1 ? [ALICE] : [],
        covers: { [`doc-${i}`]: i * 10 },
        message: i === 0 ? 'Start\n\nWith a body.' : '',
        time: new Date(Date.UTC(2024, 0, 1 + i)),
      });
      shas.push(res.sha!);
    }
  });
  after(() => tmp.cleanup());

  it('lists versions newest first with authors, co-authors, trailers and stats', async () => {
    const entries = await log(repo);
    expect(entries.map((e) => e.sha)).to.deep.equal([...shas].reverse());
    const [fourth, , second, first] = entries;
    expect(first!.message).to.equal('Start\n\nWith a body.');
    expect(first!.subject).to.equal('Start');
    expect(first!.parents).to.deep.equal([]);
    expect(first!.time).to.equal('2024-01-01T00:00:00.000Z');
    expect(second!.author).to.deep.equal(BOB);
    expect(second!.coAuthors).to.deep.equal([ALICE]);
    expect(second!.covers).to.deep.equal({ 'doc-1': 10 });
    expect(second!.subject).to.equal('Edit a.txt, add src/b.ts');
    expect(fourth!.parents).to.deep.equal([shas[2]]);
    // Stats agree with git's own count (binary files count as changed, with no lines).
    for (const entry of entries) {
      const out = git(repo.dir, 'show', '--format=', '--numstat', entry.sha)
        .trim()
        .split('\n')
        .filter(Boolean);
      let additions = 0;
      let deletions = 0;
      for (const line of out) {
        const [add, del] = line.split('\t');
        additions += add === '-' ? 0 : Number(add);
        deletions += del === '-' ? 0 : Number(del);
      }
      expect(entry.stats, entry.subject).to.deep.equal({ files: out.length, additions, deletions });
    }
  });

  it("reads one version's entry, as log lists it", async () => {
    const [entry] = await log(repo, { limit: 1, before: shas[2]! });
    expect(await readEntry(repo, shas[1]!.slice(0, 9))).to.deep.equal(entry);
    await expectAppError(readEntry(repo, 'nothex!'), 'ERR_INVALID_SHA');
  });

  it('pages with limit and before', async () => {
    const page1 = await log(repo, { limit: 2 });
    expect(page1.map((e) => e.sha)).to.deep.equal([shas[3], shas[2]]);
    const page2 = await log(repo, { limit: 2, before: page1[1]!.sha });
    expect(page2.map((e) => e.sha)).to.deep.equal([shas[1], shas[0]]);
    expect(await log(repo, { before: shas[0]! })).to.deep.equal([]);
  });

  it('reads the files of a version', async () => {
    expect(await readVersion(repo, shas[1]!)).to.deep.equal([
      { path: 'a.txt', content: 'one\n2\nthree\nfour\n' },
      { path: 'src/b.ts', content: 'export {};\n' },
    ]);
    const tree = await readTree(repo, shas[3]!.slice(0, 7));
    expect([...tree]).to.deep.equal([['src/b.ts', 'export const b = 1;\nexport {};\n']]);
    expect(await readFileAt(repo, shas[0]!, 'a.txt')).to.equal('one\ntwo\nthree\n');
    await expectAppError(readFileAt(repo, shas[0]!, 'src/b.ts'), 'ERR_FILE_NOT_FOUND');
    await expectAppError(readFileAt(repo, shas[0]!, '../x'), 'ERR_INVALID_PATH');
    expect(await headSha(repo)).to.equal(shas[3]);
  });

  it('resolves full and abbreviated ids and rejects bad ones with clear codes', async () => {
    const sha = shas[2]!;
    expect(await resolveSha(repo, sha)).to.equal(sha);
    expect(await resolveSha(repo, sha.slice(0, 7).toUpperCase())).to.equal(sha);
    for (const bad of ['', 'main', 'HEAD', 'abc', '12345g7', `${sha}0`, 'a'.repeat(41)]) {
      await expectAppError(resolveSha(repo, bad), 'ERR_INVALID_SHA');
    }
    await expectAppError(resolveSha(repo, '0'.repeat(40)), 'ERR_VERSION_NOT_FOUND');
    await expectAppError(resolveSha(repo, 'deadbee'), 'ERR_VERSION_NOT_FOUND');
    // A blob id is not a version.
    const blob = git(repo.dir, 'rev-parse', `${sha}:a.txt`).trim();
    await expectAppError(resolveSha(repo, blob), 'ERR_VERSION_NOT_FOUND');
  });

  it('gives an empty log for a repo without commits', async () => {
    const empty = await initRepo(tmp.dir, 'empty');
    expect(await log(empty)).to.deep.equal([]);
    expect(await headSha(empty)).to.equal(null);
  });
});
